import Testing

@testable import KitDrivers

/// The rules that resolve a payment intent from the terminal's answers.
@Suite struct ZVTRecoveryDecisionTests {
    static let ready = ZVTTransactionOutcome.approved(ZVTTransactionDetails())
    static let intent = ZVTPaymentIntent(id: "intent-1", amountCents: 1234, previousTraceNumber: 41)

    static func last(_ details: ZVTTransactionDetails) -> ZVTSessionResult {
        ZVTSessionResult(
            command: .repeatReceipt, outcome: .approved(details), receipt: [ZVTReceiptLine(text: "Beleg")])
    }

    @Test func newApprovedTransactionOfTheSameAmountIsThePayment() {
        let details = ZVTTransactionDetails(
            resultCode: 0, amountCents: 1234, currencyCode: 978, traceNumber: 42, receiptNumber: 7)
        let result = ZVTRecoveryDecision.decide(
            intent: Self.intent, statusEnquiry: Self.ready, lastTransaction: Self.last(details),
            recordedTraceNumbers: [])
        #expect(result == .approved(details, receipt: [ZVTReceiptLine(text: "Beleg")]))
    }

    @Test func olderOrAlreadyRecordedTransactionMeansNotDone() {
        let old = ZVTTransactionDetails(resultCode: 0, amountCents: 1234, traceNumber: 41)
        let byPrevious = ZVTRecoveryDecision.decide(
            intent: Self.intent, statusEnquiry: Self.ready, lastTransaction: Self.last(old), recordedTraceNumbers: [])
        guard case .notDone = byPrevious else {
            Issue.record("expected not done, got \(byPrevious)")
            return
        }
        let recorded = ZVTTransactionDetails(resultCode: 0, amountCents: 1234, traceNumber: 40)
        let intent = ZVTPaymentIntent(id: "x", amountCents: 1234)
        let byRecord = ZVTRecoveryDecision.decide(
            intent: intent, statusEnquiry: Self.ready, lastTransaction: Self.last(recorded), recordedTraceNumbers: [40])
        guard case .notDone = byRecord else {
            Issue.record("expected not done, got \(byRecord)")
            return
        }
    }

    @Test func traceNumbersCountWithWrap() {
        #expect(ZVTRecoveryDecision.isNewer(42, than: 41))
        #expect(!ZVTRecoveryDecision.isNewer(41, than: 41))
        #expect(!ZVTRecoveryDecision.isNewer(40, than: 41))
        #expect(ZVTRecoveryDecision.isNewer(2, than: 999_998))
        #expect(!ZVTRecoveryDecision.isNewer(999_998, than: 2))
        // An end-of-day took trace 45 after payment 44: the repeat receipt still shows 44.
        let intent = ZVTPaymentIntent(id: "y", amountCents: 1234, previousTraceNumber: 45)
        let older = ZVTTransactionDetails(resultCode: 0, amountCents: 1234, traceNumber: 44)
        let result = ZVTRecoveryDecision.decide(
            intent: intent, statusEnquiry: Self.ready, lastTransaction: Self.last(older), recordedTraceNumbers: [])
        guard case .notDone = result else {
            Issue.record("expected not done, got \(result)")
            return
        }
    }

    @Test func newDeclineOfTheSameAmountIsNotDone() {
        let declined = ZVTTransactionDetails(resultCode: 0x6E, amountCents: 1234, traceNumber: 42)
        let repeated = ZVTSessionResult(
            command: .repeatReceipt,
            outcome: .declined(
                ZVTDecline(resultCode: ZVTResultCode(0x6E), source: .statusInformation, details: declined)))
        let result = ZVTRecoveryDecision.decide(
            intent: Self.intent, statusEnquiry: Self.ready, lastTransaction: repeated, recordedTraceNumbers: [])
        guard case .notDone = result else {
            Issue.record("expected not done, got \(result)")
            return
        }
    }

    @Test func everythingAmbiguousStaysUnknown() {
        let cases: [(ZVTTransactionOutcome, ZVTSessionResult?)] = [
            (.unknown(.acknowledgementTimeout(milliseconds: 5000)), nil),
            (.declined(ZVTDecline(resultCode: .functionNotPossible, source: .negativeAcknowledgement)), nil),
            (Self.ready, nil),
            (Self.ready, Self.last(ZVTTransactionDetails(resultCode: 0, amountCents: 1234))),
            (Self.ready, Self.last(ZVTTransactionDetails(resultCode: 0, amountCents: 999, traceNumber: 42))),
            (
                Self.ready,
                Self.last(ZVTTransactionDetails(resultCode: 0, amountCents: 1234, currencyCode: 840, traceNumber: 42))
            ),
            (Self.ready, Self.last(ZVTTransactionDetails(amountCents: 1234, traceNumber: 43, originalTraceNumber: 42))),
            (
                Self.ready,
                ZVTSessionResult(
                    command: .repeatReceipt,
                    outcome: .declined(ZVTDecline(resultCode: .functionNotPossible, source: .abort)))
            ),
            (Self.ready, ZVTSessionResult(command: .repeatReceipt, outcome: .unknown(.connectionLost(reason: "x")))),
        ]
        for (status, last) in cases {
            let result = ZVTRecoveryDecision.decide(
                intent: Self.intent, statusEnquiry: status, lastTransaction: last, recordedTraceNumbers: [])
            guard case .stillUnknown = result else {
                Issue.record("expected still unknown for \(status) / \(String(describing: last)), got \(result)")
                continue
            }
        }
    }
}
