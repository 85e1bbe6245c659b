import Foundation
import GRDB

/// The kit's own, unsealed record of one card payment (table `payment_intents`): written in the
/// same database transaction as the sealed `payment.intent`, before Authorization 06 01 goes to
/// the terminal (ZVT spec rev. 13.x 06 01), and resolved in the same transaction as the sealed
/// `payment.outcome`. The kit cannot read its sealed payloads back, so after a crash this record
/// is what recovery (status enquiry 05 01, repeat receipt 06 20) works from. It holds amounts,
/// currency, trace and receipt numbers only — no personal data.
public struct PaymentIntentRecord: Codable, Sendable, Equatable {
    /// Where the payment stands (open until the 06 01 outcome, or the 05 01 / 06 20 recovery, is recorded).
    public enum State: String, Codable, Sendable, Equatable {
        /// Committed; the outcome is not recorded yet (running, or unknown after a crash or a
        /// broken link). No other payment may start while one is open.
        case open
        /// The terminal approved it; `payment.outcome` (approved) is in the outbox.
        case approved
        /// Declined, aborted or never sent; `payment.outcome` (not approved) is in the outbox.
        case notPaid = "not-paid"
    }

    /// `txId` of the `payment.intent` transaction.
    public var intentTxId: String
    public var caseId: String
    /// Case version the payment was taken against (`baseVersion` of both transactions).
    public var baseVersion: UInt64
    public var amountCents: Int
    /// ISO 4217 numeric currency (978 = EUR).
    public var currencyCode: Int
    /// The terminal's last trace number known before 06 01 was sent, if any.
    public var previousTraceNumber: Int?
    /// Outbox seq of the `payment.intent` transaction.
    public var intentSeq: UInt64
    public var state: State
    /// Outbox seq of the `payment.outcome` transaction, once resolved.
    public var outcomeSeq: UInt64?
    /// Terminal trace number (BMP 0B) of the approved (or declined) payment.
    public var traceNumber: Int?
    /// Terminal receipt number (BMP 87) of the approved payment.
    public var receiptNumber: Int?
    /// Why it was not paid, or (while open) what the last attempt to resolve it found.
    public var reason: String?
    /// How often recovery asked the terminal.
    public var recoveryAttempts: Int
    public var createdAt: Date
    public var resolvedAt: Date?

    static let columns = """
        intent_tx_id, case_id, base_version, amount_cents, currency, previous_trace, intent_seq, state, outcome_seq,
        trace_number, receipt_number, reason, recovery_attempts, created_millis, resolved_millis
        """
}

extension PaymentIntentRecord: FetchableRecord {
    public init(row: Row) throws {
        intentTxId = row["intent_tx_id"]
        caseId = row["case_id"]
        baseVersion = row["base_version"]
        amountCents = row["amount_cents"]
        currencyCode = row["currency"]
        previousTraceNumber = row["previous_trace"]
        intentSeq = row["intent_seq"]
        let stateText: String = row["state"]
        guard let parsed = State(rawValue: stateText) else {
            throw DatabaseError(message: "unknown payment intent state \(stateText)")
        }
        state = parsed
        outcomeSeq = row["outcome_seq"]
        traceNumber = row["trace_number"]
        receiptNumber = row["receipt_number"]
        reason = row["reason"]
        recoveryAttempts = row["recovery_attempts"]
        createdAt = Date(timeIntervalSince1970: Double(row["created_millis"] as Int64) / 1000)
        resolvedAt = (row["resolved_millis"] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }
}
