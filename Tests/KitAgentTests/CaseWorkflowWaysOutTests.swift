import Foundation
import KitAgent
import KitCore
import Testing

/// The kit's workflow with the ways out of a visit (issue #20).
@Suite("Case workflow: ways out stand in for their step; an impossible visit ends the visit")
struct CaseWorkflowWaysOutTests {
    static let snapshot = CaseSnapshot(
        caseId: "c", version: 1, title: "Meldebescheinigung",
        citizen: .init(
            givenNames: "Erika", familyName: "Muster", dateOfBirth: "1940-01-01",
            address: .init(street: "Alte Gasse 1", zip: "55116", city: "Mainz")),
        steps: [.sign, .pay, .complete], fees: [.init(label: "Meldebescheinigung", amountCents: 1205)])

    func workflow(_ kinds: [TransactionKind], unapproved: Set<UInt64> = [], pending: Bool = false) -> CaseWorkflow {
        CaseWorkflow(
            snapshot: Self.snapshot,
            record: .init(
                transactions: kinds.enumerated().map { (kind: $1.rawValue, seq: UInt64($0 + 1)) },
                unapprovedPaymentOutcomes: unapproved, paymentPending: pending))
    }

    @Test func cannotSignAndAFeeNoticeCompleteTheirSteps() {
        let flow = workflow([.signatureImpossible, .paymentIntent, .paymentOutcome, .paymentDeferred], unapproved: [3])
        #expect(flow.steps.map(\.status) == [.done, .done, .current])
        #expect(flow.steps[1].seq == 4, "the deferral, not the declined outcome, completes the payment step")
        #expect(flow.mayRecord(.caseCompleted) == nil)
        #expect(!flow.visitImpossible)
    }

    @Test func aFeeNoticeWaitsWhileACardPaymentIsOpen() {
        #expect(workflow([.paymentIntent], pending: true).mayRecord(.paymentDeferred) == .paymentPending)
    }

    @Test func aCancelledStepChangesNothing() {
        let flow = workflow([.stepCancelled])
        #expect(flow.current == .sign)
        #expect(flow.mayRecord(.stepCancelled) == nil)
    }

    @Test func anImpossibleVisitRefusesEveryFurtherStep() {
        let flow = workflow([.signatureCaptured, .visitImpossible])
        #expect(flow.visitImpossible)
        #expect(flow.current == nil)
        #expect(flow.steps.map(\.status) == [.done, .blocked, .blocked])
        for kind in [TransactionKind.paymentOutcome, .paymentDeferred, .caseCompleted, .visitImpossible] {
            #expect(flow.mayRecord(kind) == .visitEnded, "\(kind)")
        }
        #expect(flow.mayRecord(.stepCancelled) == nil)
    }
}
