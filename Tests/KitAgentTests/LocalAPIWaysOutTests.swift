import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitTestSupport
import Testing

/// The ways out of a visit and the clerk's German refusals through `kit-agent run`'s local API
/// (issue #20): each way out is one transaction; invalid facts are refused in German with the
/// English detail apart; after "Besuch nicht möglich" nothing more is recorded on the visit.
@Suite("Local API: ways out of a visit, German refusals", .serialized)
struct LocalAPIWaysOutTests {
    @Test func waysOutAreRecordedOnceAndRefusalsAreGermanWithTheDetailApart() async throws {
        guard let binaries = Binaries.find() else { return }
        let kit = try await PreparedKit(cases: [("case-a", 1205), ("case-b", 0)], steps: [.sign, .pay, .complete])
        let children = ChildProcesses()
        defer { children.killAll() }
        _ = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:9")
        let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)

        // A wrong secret: German, with the English detail in parentheses for the command line.
        do {
            try await client.unlock(secret: "falsches-kennwort", initialize: false)
            Issue.record("a wrong secret unlocked the kit")
        } catch {
            #expect(error.description.hasPrefix("Das Kennwort stimmt nicht."), "\(error)")
            #expect(error.description.contains("(wrong unlock secret"), "\(error)")
        }
        try await client.unlock(secret: PaymentCrashTests.secret, initialize: false)

        // "Kann nicht unterschreiben" needs a witness note.
        do {
            _ = try await client.recordStep(
                .init(
                    caseId: "case-a", kind: .signatureImpossible,
                    facts: ["reason": "cannot-write", "witnessNote": "ja"]))
            Issue.record("'cannot sign' without a witness note was recorded")
        } catch {
            #expect(error.description.hasPrefix("Bitte alle Pflichtangaben ausfüllen: Zeugenvermerk"), "\(error)")
        }
        do {
            _ = try await client.recordStep(
                .init(
                    caseId: "case-a", kind: .signatureImpossible,
                    facts: ["reason": "cannot-write", "witnessNote": String(repeating: "Zeugin ", count: 200)]))
            Issue.record("a witness note of 1400 characters was recorded")
        } catch {
            #expect(error.description.contains("bis 1000 Zeichen"), "\(error)")
        }
        do {
            _ = try await client.recordStep(
                .init(caseId: "case-a", kind: .signatureImpossible, facts: ["reason": "<script>", "witnessNote": "x"]))
            Issue.record("an unknown reason was recorded")
        } catch {
            #expect(error.description.hasPrefix("Bitte alle Pflichtangaben ausfüllen: Grund"), "\(error)")
        }
        let cannotSign = try await client.recordStep(
            .init(
                caseId: "case-a", kind: .signatureImpossible,
                facts: [
                    "reason": "cannot-write", "witnessNote": "Zeugin: Nachbarin Frau Beispiel, Zustimmung mündlich",
                ]))
        // Another way to pay: the method is one of two.
        do {
            _ = try await client.recordStep(.init(caseId: "case-a", kind: .paymentDeferred, facts: ["method": "cash"]))
            Issue.record("an unknown way to pay was recorded")
        } catch {
            #expect(error.description.hasPrefix("Bitte alle Pflichtangaben ausfüllen: Zahlungsart"), "\(error)")
        }
        let deferred = try await client.recordStep(
            .init(caseId: "case-a", kind: .paymentDeferred, facts: ["method": "fee-notice"]))
        #expect(deferred == cannotSign + 1)
        let flow = try await client.workflow(caseId: "case-a")
        #expect(flow.current == .complete)
        // A case without fees has nothing to defer.
        do {
            _ = try await client.recordStep(
                .init(caseId: "case-b", kind: .paymentDeferred, facts: ["method": "invoice"]))
            Issue.record("a fee notice for a case without fees was recorded")
        } catch {
            #expect(error.description.contains("Gebühr"), "\(error)")
        }
        // Nothing waits: nothing to cancel, and nothing recorded.
        do {
            _ = try await client.cancelDeviceStep(caseId: "case-b")
            Issue.record("a cancel without a waiting step was recorded")
        } catch {
            #expect(error.description.hasPrefix("Es wartet gerade kein Gerät"), "\(error)")
        }
        // Only the cancel itself records step.cancelled.
        do {
            _ = try await client.recordStep(.init(caseId: "case-b", kind: .stepCancelled, facts: ["step": "signature"]))
            Issue.record("step.cancelled was recorded from a form")
        } catch {
            #expect(error.description.contains("vom Koffer selbst"), "\(error)")
        }
        // "Besuch nicht möglich": "other" needs a note; afterwards the visit takes no step.
        do {
            _ = try await client.recordStep(.init(caseId: "case-b", kind: .visitImpossible, facts: ["reason": "other"]))
            Issue.record("'other' without a note was recorded")
        } catch {
            #expect(error.description.contains("Vermerk"), "\(error)")
        }
        _ = try await client.recordStep(
            .init(caseId: "case-b", kind: .visitImpossible, facts: ["reason": "nobody-home"]))
        #expect(try await client.workflow(caseId: "case-b").visitImpossible)
        for kind in [TransactionKind.signatureImpossible, .visitImpossible, .caseCompleted] {
            do {
                _ = try await client.recordStep(
                    .init(
                        caseId: "case-b", kind: kind,
                        facts: ["reason": "other", "witnessNote": String(repeating: "x", count: 20)]))
                Issue.record("\(kind) was recorded after 'Besuch nicht möglich'")
            } catch {
                #expect(error.description.hasPrefix("Dieser Besuch ist als „nicht möglich“ vermerkt."), "\(error)")
            }
        }
        let stats = try await client.queueStats()
        #expect(stats.lastSeq == deferred + 1, "exactly the four ways out are in the outbox")
    }
}

/// The registry behind `POST /v1/cases/{caseId}/cancel`.
@Suite("Running device steps: a cancel stops the waiting step and says whether it ended without a result")
struct RunningDeviceStepsTests {
    @Test func aCancelStopsTheWaitingStep() async throws {
        let running = RunningDeviceSteps()
        let step = Task {
            try await running.run(caseId: "c", step: "signature") { () throws(EvidenceError) -> Int in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    throw .signaturePad(.cancelled)
                }
                return 1
            }
        }
        var waiting: String?
        for _ in 0..<100 where waiting == nil {
            waiting = await running.step(caseId: "c")
            if waiting == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(waiting == "signature")
        #expect(await running.cancel(caseId: "c") == "signature")
        do {
            _ = try await step.value
            Issue.record("a cancelled step returned a result")
        } catch let error as EvidenceError {
            guard case .cancelledByClerk(step: "signature") = error else {
                Issue.record("a cancel must read as the clerk's cancel, not \(error)")
                return
            }
        }
        #expect(await running.step(caseId: "c") == nil)
        #expect(await running.cancel(caseId: "c") == nil, "nothing waits any more")
    }

    @Test func aStepThatFinishedIsNotReportedAsCancelled() async throws {
        let running = RunningDeviceSteps()
        let value = try await running.run(caseId: "c", step: "fingerprints") { () throws(EvidenceError) in 7 }
        #expect(value == 7)
        #expect(await running.cancel(caseId: "c") == nil)
    }
}
