import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import SyncServer

/// The server's side of the ways out of a visit (issue #20): a cancelled device step, "cannot sign"
/// with a witness note, a fee notice or invoice after a declined payment, a visit that could not
/// take place — each applied, and the case's completion counts the ones that stand in for a step.
@Suite("Conflict rules: the ways out of a visit are applied and count for completion")
struct WaysOutRulesTests {
    static func header(_ kind: TransactionKind) -> TransactionHeader {
        TransactionHeader(
            kitId: "kit-a", seq: 2, txId: UUID(), caseId: "c-1", baseVersion: 1, kind: kind.rawValue,
            monotonicNanos: 1, wallMillis: 1, prevHash: TransactionHeader.genesisHash)
    }

    static func state(feeCents: Int = 1205, feePaid: Bool = false, applied: Set<TransactionKind> = [])
        -> CaseState
    {
        CaseState(
            caseId: "c-1", version: 1, assignedKit: "kit-a", open: true, feeCents: feeCents, feePaid: feePaid,
            requiredSteps: [.sign, .pay, .complete], appliedKinds: Set(applied.map(\.rawValue)))
    }

    static func decide(_ kind: TransactionKind, _ facts: some Encodable, state: CaseState = state()) throws
        -> RuleDecision
    {
        ConflictRules.decide(
            header: header(kind), payload: try StepPayload.compose(facts: facts), state: state,
            lookups: RuleLookups())
    }

    @Test func cancelledStepsCannotSignAndImpossibleVisitsAreRecorded() throws {
        #expect(try Self.decide(.stepCancelled, StepPayload.StepCancelled(step: "signature")) == .apply(.recordOnly))
        #expect(
            try Self.decide(
                .signatureImpossible,
                StepPayload.SignatureImpossible(reason: "cannot-write", witnessNote: "Tochter Anna bezeugt"))
                == .apply(.recordOnly))
        #expect(
            try Self.decide(.visitImpossible, StepPayload.VisitImpossible(reason: "nobody-home", note: nil))
                == .apply(.recordOnly))
        var closed = Self.state()
        closed.open = false
        guard
            case .conflict(.caseClosed, _, _) = try Self.decide(
                .visitImpossible, StepPayload.VisitImpossible(reason: "nobody-home", note: nil), state: closed)
        else {
            Issue.record("a visit note for a closed case is a conflict")
            return
        }
    }

    @Test func aFeeNoticeAfterADeclineIsAppliedAndADeferralAfterAPaymentIsADoublePayment() throws {
        let notice = StepPayload.PaymentDeferred(method: "fee-notice", amountCents: 1205)
        #expect(try Self.decide(.paymentDeferred, notice) == .apply(.recordOnly))
        guard
            case .conflict(.doublePayment, _, let reason) = try Self.decide(
                .paymentDeferred, notice, state: Self.state(feePaid: true))
        else {
            Issue.record("a deferral after a card payment must be flagged")
            return
        }
        #expect(reason.contains("fee-notice"))
        // Hostile or unknown facts are refused, not applied.
        guard
            case .reject = try Self.decide(
                .paymentDeferred, StepPayload.PaymentDeferred(method: "barter", amountCents: 1205))
        else {
            Issue.record("an unknown way to pay must be rejected")
            return
        }
        #expect(
            ConflictRules.decide(
                header: Self.header(.paymentDeferred), payload: Array("{\"method\":1}".utf8), state: Self.state(),
                lookups: RuleLookups()) == .reject("payment deferral payload cannot be read"))
    }

    @Test func completionCountsTheWaysOutThatStandInForAStep() throws {
        let done = Self.state(applied: [.signatureImpossible, .paymentOutcome, .paymentDeferred])
        #expect(try Self.decide(.caseCompleted, [String: String]()) == Self.incomplete)
        #expect(try Self.decide(.caseCompleted, [String: String](), state: done) == .apply(.closeCase))
        let declinedOnly = Self.state(applied: [.signatureImpossible, .paymentOutcome])
        guard
            case .conflict(.incomplete, _, let reason) = try Self.decide(
                .caseCompleted, [String: String](), state: declinedOnly)
        else {
            Issue.record("a declined payment alone does not settle the fee")
            return
        }
        #expect(reason.contains("pay"))
    }

    static var incomplete: RuleDecision {
        .conflict(.incomplete, currentVersion: 1, reason: "mandatory steps missing: sign, pay")
    }

    @Test func aDeferredFeeGoesToTheCashOffice() {
        #expect(
            HandoffRouting.procedures(appliedKinds: [TransactionKind.paymentDeferred.rawValue], feePaid: false)
                == [.dms, .cashOffice])
        #expect(HandoffRouting.procedures(appliedKinds: [], feePaid: false) == [.dms])
    }
}
