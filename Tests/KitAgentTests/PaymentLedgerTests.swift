import Crypto
import Foundation
import GRDB
import KitAgent
import KitCore
import KitTestSupport
import Testing

/// The bookkeeping of card payments (issue #6, crash safety): intent and local record commit
/// together, a second payment is refused while one is open, an outcome is recorded once.
@Suite("Payment ledger: intents and outcomes")
struct PaymentLedgerTests {
    func facts<T: Decodable>(_ type: T.Type, seq: UInt64, kit: KitFixture) throws -> T {
        let stored = try #require(try kit.outbox.envelopes(from: seq, limit: 1).first)
        let envelope = try TransactionEnvelope(decoding: stored.bytes)
        return try StepPayload.facts(T.self, from: EnvelopeOpener(dataKey: kit.serverDataKey).open(envelope))
    }

    @Test func intentAndLocalRecordCommitTogether() throws {
        let kit = try KitFixture()
        let ledger = PaymentLedger(database: kit.database, outbox: kit.outbox)
        let intent = try ledger.openIntent(
            caseId: "2026-0042", baseVersion: 3, amountCents: 1250, currencyCode: 978, previousTraceNumber: 17)
        #expect(intent.state == .open)
        #expect(intent.intentSeq == 1)
        let entry = try kit.outbox.entry(seq: intent.intentSeq)
        #expect(entry.kind == TransactionKind.paymentIntent.rawValue)
        #expect(entry.txId == intent.intentTxId)
        #expect(entry.caseId == "2026-0042")
        #expect(entry.baseVersion == 3)
        let sealed = try facts(StepPayload.PaymentIntent.self, seq: 1, kit: kit)
        #expect(sealed == StepPayload.PaymentIntent(amountCents: 1250, currencyCode: 978, previousTraceNumber: 17))
        #expect(try ledger.unresolved() == [intent])
    }

    @Test func aSecondPaymentIsRefusedWhileOneIsOpen() throws {
        let kit = try KitFixture()
        let ledger = PaymentLedger(database: kit.database, outbox: kit.outbox)
        let first = try ledger.openIntent(
            caseId: "c-1", baseVersion: 1, amountCents: 500, currencyCode: 978, previousTraceNumber: nil)
        for caseId in ["c-1", "c-2"] {
            #expect(
                throws: PaymentError.unresolvedPayment(caseId: "c-1", amountCents: 500, intentTxId: first.intentTxId)
            ) {
                try ledger.openIntent(
                    caseId: caseId, baseVersion: 1, amountCents: 700, currencyCode: 978, previousTraceNumber: nil)
            }
        }
        // The refused intents left nothing behind: no envelope, no seq used, chain intact.
        #expect(try kit.outbox.stats().lastSeq == 1)
        #expect(try kit.outbox.verifyChain(with: kit.verifier) == 1)
        #expect(try ledger.unresolved().count == 1)

        try ledger.resolve(intentTxId: first.intentTxId, as: .notPaid(reason: "declined", recovered: false))
        let next = try ledger.openIntent(
            caseId: "c-2", baseVersion: 1, amountCents: 700, currencyCode: 978, previousTraceNumber: nil)
        #expect(next.intentSeq == 3)
    }

    @Test func anOutcomeIsRecordedOnce() throws {
        let kit = try KitFixture()
        let ledger = PaymentLedger(database: kit.database, outbox: kit.outbox)
        let intent = try ledger.openIntent(
            caseId: "c-1", baseVersion: 4, amountCents: 1250, currencyCode: 978, previousTraceNumber: nil)
        let resolved = try ledger.resolve(
            intentTxId: intent.intentTxId,
            as: .approved(traceNumber: 42, receiptNumber: 7, receiptLines: ["KARTENZAHLUNG"], recovered: true))
        #expect(resolved.state == .approved)
        #expect(resolved.outcomeSeq == 2)
        #expect(resolved.traceNumber == 42)
        #expect(resolved.receiptNumber == 7)
        #expect(throws: PaymentError.alreadyResolved(intentTxId: intent.intentTxId)) {
            try ledger.resolve(intentTxId: intent.intentTxId, as: .notPaid(reason: "again", recovered: true))
        }
        #expect(try kit.outbox.stats().lastSeq == 2)
        #expect(try ledger.intent(intentTxId: intent.intentTxId) == resolved)
        #expect(try ledger.recordedTraceNumbers() == [42])
        #expect(try ledger.lastRecordedTraceNumber() == 42)
        let entry = try kit.outbox.entry(seq: 2)
        #expect(entry.kind == TransactionKind.paymentOutcome.rawValue)
        #expect(entry.baseVersion == 4)
        let payment = try facts(StepPayload.Payment.self, seq: 2, kit: kit)
        #expect(payment.approved)
        #expect(payment.amountCents == 1250)
        #expect(payment.trace == "42")
        #expect(payment.receipt == "7")
        #expect(payment.intentTxId == intent.intentTxId)
        #expect(payment.recovered == true)
        #expect(payment.receiptLines == ["KARTENZAHLUNG"])
    }

    @Test func outcomeFactsStayReadableForOlderReaders() throws {
        // The server reads `approved` and `amountCents`; new fields are optional and omitted when nil.
        let json = String(
            decoding: try JSONEncoder().encode(StepPayload.Payment(approved: true, amountCents: 5)), as: UTF8.self)
        #expect(!json.contains("intentTxId"))
        let old = try JSONDecoder().decode(
            StepPayload.Payment.self, from: Data(#"{"approved":false,"amountCents":1250,"trace":"9"}"#.utf8))
        #expect(old == StepPayload.Payment(approved: false, amountCents: 1250, trace: "9"))
    }

    @Test func aFailingCompanionWriteRecordsNothing() throws {
        struct Refusal: Error, CustomStringConvertible {
            var description: String { "refused by the test" }
        }
        let kit = try KitFixture()
        #expect(throws: OutboxError.alongsideFailed("refused by the test")) {
            try kit.outbox.enqueue(caseId: "c-1", kind: "payment.intent", baseVersion: 1, payload: [1]) { db, _ in
                try db.execute(sql: "CREATE TABLE scratch (x INTEGER)")
                throw Refusal()
            }
        }
        #expect(try kit.outbox.stats().lastSeq == 0)
        let tables = try kit.database.integrityCheck()
        #expect(tables == ["ok"])
        let receipt = try kit.outbox.enqueue(caseId: "c-1", kind: "payment.intent", baseVersion: 1, payload: [1]) {
            db, receipt in
            // The scratch table of the rolled-back attempt does not exist.
            let exists = try db.tableExists("scratch")
            #expect(!exists)
            #expect(receipt.seq == 1)
        }
        #expect(receipt.seq == 1)
    }
}
