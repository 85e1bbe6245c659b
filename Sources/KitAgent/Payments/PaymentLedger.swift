import Foundation
import GRDB
import KitCore

/// The bookkeeping of card payments: every intent and every outcome is one sealed outbox
/// transaction committed in the same SQLite transaction as the kit's local, unsealed
/// ``PaymentIntentRecord`` (ZVT spec rev. 13.x 06 01 flow; crash safety of issue #6).
///
/// - `openIntent` refuses while any intent is open, so a second charge can never start before
///   the first one's outcome is known;
/// - `resolve` records an outcome once: a second call for the same intent records nothing.
public final class PaymentLedger: Sendable {
    private let database: AgentDatabase
    private let outbox: Outbox

    public init(database: AgentDatabase, outbox: Outbox) {
        self.database = database
        self.outbox = outbox
    }

    /// What the terminal did, as recorded in `payment.outcome` (ZVT spec rev. 13.x: completion
    /// 06 0F with status information 04 0F, abort 06 1E, or the answers to 05 01 / 06 20).
    public enum Resolution: Sendable, Equatable {
        /// Approved: trace number (BMP 0B), receipt number (BMP 87), receipt lines.
        case approved(traceNumber: Int?, receiptNumber: Int?, receiptLines: [String], recovered: Bool)
        /// Not paid (declined, aborted, never sent), with the reason and, for a decline, the
        /// terminal's trace number (kept locally so recovery knows that transaction is accounted for).
        case notPaid(reason: String, traceNumber: Int? = nil, recovered: Bool)
    }

    /// Commits `payment.intent` and the local record in one transaction. Throws
    /// ``PaymentError/unresolvedPayment(caseId:amountCents:intentTxId:)`` when an intent is open.
    public func openIntent(
        caseId: String, baseVersion: UInt64, amountCents: Int, currencyCode: Int, previousTraceNumber: Int?,
        now: Date = Date()
    ) throws(PaymentError) -> PaymentIntentRecord {
        let payload: [UInt8]
        do {
            payload = try StepPayload.compose(
                facts: StepPayload.PaymentIntent(
                    amountCents: amountCents, currencyCode: currencyCode, previousTraceNumber: previousTraceNumber))
        } catch {
            throw .notReady("the payment intent cannot be encoded (\(error))")
        }
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        var refusal: PaymentError?
        var record: PaymentIntentRecord?
        do {
            _ = try outbox.enqueue(
                caseId: caseId, kind: TransactionKind.paymentIntent.rawValue, baseVersion: baseVersion,
                payload: payload
            ) { db, receipt in
                if let open = try Self.openIntents(db).first {
                    refusal = .unresolvedPayment(
                        caseId: open.caseId, amountCents: open.amountCents, intentTxId: open.intentTxId)
                    throw PaymentError.unresolvedPayment(
                        caseId: open.caseId, amountCents: open.amountCents, intentTxId: open.intentTxId)
                }
                let intentTxId = receipt.txId.uuidString.lowercased()
                try db.execute(
                    sql: """
                        INSERT INTO payment_intents (intent_tx_id, case_id, base_version, amount_cents, currency,
                            previous_trace, intent_seq, state, created_millis)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)
                        """,
                    arguments: [
                        intentTxId, caseId, baseVersion, amountCents, currencyCode, previousTraceNumber, receipt.seq,
                        millis,
                    ])
                record = try Self.intent(db, intentTxId: intentTxId)
            }
        } catch {
            throw refusal ?? .outbox(error)
        }
        guard let record else { throw .outbox(.alongsideFailed("the payment intent was not stored")) }
        return record
    }

    /// Commits `payment.outcome` for an open intent and marks the intent resolved, in one
    /// transaction. Throws ``PaymentError/alreadyResolved(intentTxId:)`` (and records nothing)
    /// when the intent is resolved already.
    /// `manualNote` marks an outcome a person settled (``PaymentDesk/resolveByHand``).
    @discardableResult
    public func resolve(intentTxId: String, as resolution: Resolution, manualNote: String? = nil, now: Date = Date())
        throws(PaymentError) -> PaymentIntentRecord
    {
        let intent = try self.intent(intentTxId: intentTxId)
        guard intent.state == .open else { throw .alreadyResolved(intentTxId: intentTxId) }
        let facts: StepPayload.Payment
        let state: PaymentIntentRecord.State
        switch resolution {
        case .approved(let trace, let receipt, let lines, let recovered):
            state = .approved
            facts = StepPayload.Payment(
                approved: true, amountCents: intent.amountCents, trace: trace.map(String.init),
                receipt: receipt.map(String.init), currencyCode: intent.currencyCode, intentTxId: intentTxId,
                recovered: recovered, receiptLines: lines.isEmpty ? nil : lines, manualResolution: manualNote)
        case .notPaid(let reason, _, let recovered):
            state = .notPaid
            facts = StepPayload.Payment(
                approved: false, amountCents: intent.amountCents, currencyCode: intent.currencyCode,
                intentTxId: intentTxId, reason: reason, recovered: recovered, manualResolution: manualNote)
        }
        let payload: [UInt8]
        do { payload = try StepPayload.compose(facts: facts) } catch {
            throw .notReady("the payment outcome cannot be encoded (\(error))")
        }
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        var refusal: PaymentError?
        var record: PaymentIntentRecord?
        do {
            _ = try outbox.enqueue(
                caseId: intent.caseId, kind: TransactionKind.paymentOutcome.rawValue, baseVersion: intent.baseVersion,
                payload: payload
            ) { db, receipt in
                let trace: Int?
                let receiptNumber: Int?
                let reason: String?
                switch resolution {
                case .approved(let traceNumber, let number, _, _):
                    (trace, receiptNumber, reason) = (traceNumber, number, nil)
                case .notPaid(let text, let traceNumber, _):
                    (trace, receiptNumber, reason) = (traceNumber, nil, text)
                }
                try db.execute(
                    sql: """
                        UPDATE payment_intents SET state = ?, outcome_seq = ?, trace_number = ?, receipt_number = ?,
                            reason = ?, resolved_millis = ?
                        WHERE intent_tx_id = ? AND state = 'open'
                        """,
                    arguments: [state.rawValue, receipt.seq, trace, receiptNumber, reason, millis, intentTxId])
                guard db.changesCount == 1 else {
                    refusal = .alreadyResolved(intentTxId: intentTxId)
                    throw PaymentError.alreadyResolved(intentTxId: intentTxId)
                }
                record = try Self.intent(db, intentTxId: intentTxId)
            }
        } catch {
            throw refusal ?? .outbox(error)
        }
        guard let record else { throw .outbox(.alongsideFailed("the payment outcome was not stored")) }
        return record
    }

    /// Notes what is known about an open intent (shown in `GET /v1/payments`); `attempt` counts
    /// it as one more time the terminal was asked.
    public func noteRecoveryAttempt(intentTxId: String, finding: String, attempt: Bool = true) throws(PaymentError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE payment_intents SET reason = ?, recovery_attempts = recovery_attempts + ?
                    WHERE intent_tx_id = ? AND state = 'open'
                    """,
                arguments: [finding, attempt ? 1 : 0, intentTxId])
        }
    }

    /// Intents without recorded outcome, oldest first.
    public func unresolved() throws(PaymentError) -> [PaymentIntentRecord] {
        try read { db in try Self.openIntents(db) }
    }

    /// All intents of a case, oldest first.
    public func intents(caseId: String) throws(PaymentError) -> [PaymentIntentRecord] {
        try read { db in
            try PaymentIntentRecord.fetchAll(
                db,
                sql: "SELECT \(PaymentIntentRecord.columns) FROM payment_intents WHERE case_id = ? ORDER BY intent_seq",
                arguments: [caseId])
        }
    }

    /// One intent.
    public func intent(intentTxId: String) throws(PaymentError) -> PaymentIntentRecord {
        let found = try read { db in try Self.intent(db, intentTxId: intentTxId) }
        guard let found else { throw .noSuchIntent(intentTxId: intentTxId) }
        return found
    }

    /// Trace numbers of payments recorded (approved, and declined ones the terminal numbered): a
    /// terminal's last transaction with one of these is not an open intent's payment.
    public func recordedTraceNumbers() throws(PaymentError) -> Set<Int> {
        try read { db in
            Set(try Int.fetchAll(db, sql: "SELECT trace_number FROM payment_intents WHERE trace_number IS NOT NULL"))
        }
    }

    /// The trace number of the most recent recorded payment that has one, if any.
    public func lastRecordedTraceNumber() throws(PaymentError) -> Int? {
        try read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT trace_number FROM payment_intents WHERE trace_number IS NOT NULL
                    ORDER BY intent_seq DESC LIMIT 1
                    """)
        }
    }

    private static func openIntents(_ db: Database) throws -> [PaymentIntentRecord] {
        try PaymentIntentRecord.fetchAll(
            db,
            sql: "SELECT \(PaymentIntentRecord.columns) FROM payment_intents WHERE state = 'open' ORDER BY intent_seq")
    }

    private static func intent(_ db: Database, intentTxId: String) throws -> PaymentIntentRecord? {
        try PaymentIntentRecord.fetchOne(
            db, sql: "SELECT \(PaymentIntentRecord.columns) FROM payment_intents WHERE intent_tx_id = ?",
            arguments: [intentTxId])
    }

    private func read<T>(_ body: (Database) throws -> T) throws(PaymentError) -> T {
        do {
            return try database.queue.read(body)
        } catch {
            throw .outbox(.storage(StorageError(error, path: database.path, operation: "read payments")))
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(PaymentError) -> T {
        do {
            return try database.queue.write(body)
        } catch {
            throw .outbox(.storage(StorageError(error, path: database.path, operation: "write payments")))
        }
    }
}
