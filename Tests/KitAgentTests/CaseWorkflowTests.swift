import Foundation
import KitAgent
import KitCore
import KitTestSupport
import Testing

@Suite("Case workflow: state machine over the recorded steps")
struct CaseWorkflowTests {
    static let snapshot = CaseSnapshot(
        caseId: "c", version: 1, title: "Ummeldung",
        citizen: .init(
            givenNames: "Erika", familyName: "Muster", dateOfBirth: "1940-01-01",
            address: .init(street: "Alte Gasse 1", zip: "55116", city: "Mainz")),
        steps: [.identify, .sign, .pay, .updateAddress, .handOutDocument, .complete],
        fees: [.init(label: "Meldebescheinigung", amountCents: 1000)])

    /// The workflow after `kinds` (seq 1, 2, …); identity checks matched unless `identity` says otherwise.
    func workflow(
        _ kinds: [TransactionKind], unapproved: Set<UInt64> = [], pending: Bool = false,
        identity: [UInt64: IdentityStanding] = [:]
    ) -> CaseWorkflow {
        var outcomes: [UInt64: IdentityStanding] = [:]
        for (index, kind) in kinds.enumerated() where kind == .identityChecked {
            outcomes[UInt64(index + 1)] = identity[UInt64(index + 1)] ?? .matched
        }
        return CaseWorkflow(
            snapshot: Self.snapshot,
            record: .init(
                transactions: kinds.enumerated().map { (kind: $1.rawValue, seq: UInt64($0 + 1)) },
                unapprovedPaymentOutcomes: unapproved, paymentPending: pending, identityOutcomes: outcomes))
    }

    @Test func aNewCaseStartsWithTheIdentityCheckAndBlocksWhatDependsOnIt() {
        let fresh = workflow([])
        #expect(fresh.current == .identify)
        #expect(fresh.steps.map(\.status) == [.current, .ready, .ready, .blocked, .blocked, .blocked])
        #expect(fresh.mayRecord(.signatureCaptured) == nil, "signing before the identity check is allowed")
        #expect(fresh.mayRecord(.addressChanged) == .waitsFor(step: .updateAddress, missing: [.identify]))
        #expect(fresh.mayRecord(.documentHandedOut) == .waitsFor(step: .handOutDocument, missing: [.identify, .pay]))
        #expect(fresh.mayRecord(.fingerprintsCaptured) == .notInCase(step: .fingerprints))
        #expect(fresh.mayRecord(.paymentIntent) == nil)
    }

    @Test func stepsDoneInAnyOrderResumeAtTheFirstMissingOne() {
        let partly = workflow([.identityChecked, .paymentOutcome])
        #expect(partly.current == .sign)
        #expect(partly.steps.first { $0.step == .pay }?.seq == 2)
        #expect(partly.mayRecord(.documentHandedOut) == nil)
        #expect(!partly.isCompleted)
        let all = workflow([
            .identityChecked, .signatureCaptured, .paymentOutcome, .addressChanged, .documentHandedOut, .caseCompleted,
        ])
        #expect(all.isCompleted)
        #expect(all.current == nil)
    }

    @Test func aDeclinedPaymentIsNotPaidAndAnOpenOneBlocksPayingAgain() {
        let declined = workflow([.identityChecked, .paymentIntent, .paymentOutcome], unapproved: [3])
        #expect(declined.steps.first { $0.step == .pay }?.status != .done)
        #expect(declined.mayRecord(.documentHandedOut) == .waitsFor(step: .handOutDocument, missing: [.pay]))
        let open = workflow([.identityChecked, .paymentIntent], pending: true)
        #expect(open.steps.first { $0.step == .pay }?.status == .awaitingTerminal)
        #expect(open.mayRecord(.paymentOutcome) == .paymentPending)
    }

    @Test func aMismatchingCardLeavesTheIdentityOpenAndBlocksEveryStepThatRestsOnIt() {
        let mismatch = workflow([.identityChecked, .signatureCaptured, .paymentOutcome], identity: [1: .mismatched])
        #expect(mismatch.identity == .mismatched)
        #expect(mismatch.current == .identify, "the identity check is to be done again")
        #expect(mismatch.steps.first { $0.step == .identify }?.status != .done)
        #expect(mismatch.mayRecord(.addressChanged) == .identityMismatch(step: .updateAddress))
        #expect(mismatch.mayRecord(.documentHandedOut) == .identityMismatch(step: .handOutDocument))
        #expect(mismatch.mayRecord(.caseCompleted) != nil)
        // A check recorded without an outcome note proves nothing either.
        let unknown = CaseWorkflow(
            snapshot: Self.snapshot, record: .init(transactions: [(kind: "identity.checked", seq: 1)]))
        #expect(unknown.identity == .mismatched)
        #expect(unknown.mayRecord(.addressChanged) == .identityMismatch(step: .updateAddress))
    }

    @Test func theLatestIdentityCheckDecides() {
        let swapped = workflow([.identityChecked, .identityChecked], identity: [1: .matched, 2: .mismatched])
        #expect(swapped.identity == .mismatched)
        #expect(swapped.mayRecord(.addressChanged) == .identityMismatch(step: .updateAddress))
        let corrected = workflow([.identityChecked, .identityChecked], identity: [1: .mismatched, 2: .matched])
        #expect(corrected.identity == .matched)
        #expect(corrected.steps.first { $0.step == .identify }?.seq == 2)
        #expect(corrected.mayRecord(.addressChanged) == nil)
    }

    @Test func anOverrideLetsStepsWithoutTheCardFollowButNeverTheChipWrite() {
        let overridden = workflow(
            [.identityChecked, .identityChecked, .paymentOutcome], identity: [1: .mismatched, 2: .overridden])
        #expect(overridden.identity == .overridden)
        #expect(overridden.steps.first { $0.step == .identify }?.status == .done)
        #expect(overridden.mayRecord(.documentHandedOut) == nil)
        #expect(overridden.mayRecord(.addressChanged) == .identityOverridden)
        #expect(overridden.steps.first { $0.step == .updateAddress }?.status == .blocked)
        #expect(overridden.mayRecord(.addressChanged)?.description.contains("Ausweis") == true)
    }

    @Test func completionNeedsEveryOtherStep() {
        let almost = workflow([.identityChecked, .signatureCaptured, .paymentOutcome, .addressChanged])
        #expect(almost.mayRecord(.caseCompleted) == .waitsFor(step: .complete, missing: [.handOutDocument]))
    }
}

@Suite("Case workflow survives kit-agent crashes", .serialized)
struct WorkflowCrashTests {
    @Test func aKillAfterEachStepResumesAtTheNextStep() async throws {
        guard let binaries = Binaries.find() else { return }
        // The ID-card steps need the card on a reader (IdentityBindingTests); these go through /v1/steps.
        let steps: [CaseStep] = [.sign, .pay, .handOutDocument, .complete]
        let kit = try await PreparedKit(cases: [("case-w", 1000)], steps: steps)
        let children = ChildProcesses()
        defer { children.killAll() }
        for (index, step) in steps.enumerated() {
            let agent = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:9")
            let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)
            try await client.unlock(secret: PaymentCrashTests.secret, initialize: false)
            let workflow = try await client.workflow(caseId: "case-w")
            #expect(workflow.current == step, "after \(index) steps and a crash")
            #expect(workflow.steps.prefix(index).allSatisfy { $0.status == .done })
            if step == .pay {
                // The document waits for the payment: the agent refuses it with the reason.
                do {
                    _ = try await client.recordStep(.init(caseId: "case-w", kind: .documentHandedOut))
                    Issue.record("a document was handed out before payment")
                } catch {
                    #expect(error.description.contains("comes after \"pay\""), "\(error)")
                }
            }
            let kind = CaseWorkflow.kind(of: step)
            let facts: [String: String]? = step == .handOutDocument ? ["documentId": "MB-2026-0001"] : nil
            _ = try await client.recordStep(.init(caseId: "case-w", kind: kind, facts: facts, amountCents: 1000))
            children.kill(agent, signal: SIGKILL)
        }
        _ = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:9")
        let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await client.unlock(secret: PaymentCrashTests.secret, initialize: false)
        let done = try await client.workflow(caseId: "case-w")
        #expect(done.isCompleted)
        #expect(done.current == nil)
        // Exactly one transaction per step, in the case's order.
        try kit.inspect { _, outbox in
            let kinds = try outbox.entries(limit: 100).reversed().map(\.kind)
            #expect(kinds == steps.map { CaseWorkflow.kind(of: $0).rawValue })
        }
    }
}
