import KitAgent
import Testing

/// Issue #19: the running device steps end on the policy's limit and when the agent stops, with a
/// reason the clerk can read; a step that finished with its result keeps it.
@Suite("Running device steps: limit and stop")
struct RunningDeviceStepsShutdownTests {
    /// A device wait that ends only when its task is cancelled (the drivers stop at their next poll).
    @Sendable static func waitForTheCitizen() async throws(EvidenceError) -> Int {
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        throw .noSignaturePad
    }

    static func outcome(
        _ steps: RunningDeviceSteps, caseId: String = "c1", limit: Duration? = nil,
        _ body: @escaping @Sendable () async throws(EvidenceError) -> Int = waitForTheCitizen
    ) async -> Result<Int, EvidenceError> {
        do throws(EvidenceError) {
            return .success(try await steps.run(caseId: caseId, step: "signature", limit: limit, body))
        } catch {
            return .failure(error)
        }
    }

    @Test func aStepOverItsLimitEndsWithTheLimitNamed() async {
        let steps = RunningDeviceSteps()
        let started = ContinuousClock.now
        let result = await Self.outcome(steps, limit: .milliseconds(100))
        #expect(ContinuousClock.now - started < .seconds(2))
        guard case .failure(.deviceWaitOver(let step, _)) = result else {
            Issue.record("expected deviceWaitOver, got \(result)")
            return
        }
        #expect(step == "signature")
        #expect(await steps.runningSteps.isEmpty)
    }

    @Test func aStepThatFinishesWithinItsLimitKeepsItsResult() async {
        let steps = RunningDeviceSteps()
        let result = await Self.outcome(steps, limit: .seconds(5)) { () throws(EvidenceError) in 42 }
        #expect((try? result.get()) == 42)
    }

    @Test func stoppingEndsEveryStepAndRefusesNewOnes() async throws {
        let steps = RunningDeviceSteps()
        let first = Task { await Self.outcome(steps, caseId: "c1") }
        let second = Task { await Self.outcome(steps, caseId: "c2") }
        try await poll("both steps run", seconds: 5) {
            let running = await (steps.step(caseId: "c1"), steps.step(caseId: "c2"))
            return running.0 != nil && running.1 != nil
        }
        let stopped = ContinuousClock.now
        let left = await steps.stopAll(within: .seconds(2))
        #expect(left.isEmpty)
        #expect(ContinuousClock.now - stopped < .seconds(1))
        for task in [first, second] {
            guard case .failure(.stoppedForShutdown(let step)) = await task.value else {
                Issue.record("expected stoppedForShutdown")
                continue
            }
            #expect(step == "signature")
        }
        let late = await Self.outcome(steps, caseId: "c3") { () throws(EvidenceError) in 1 }
        guard case .failure(.stoppedForShutdown) = late else {
            Issue.record("a step started after the stop ran: \(late)")
            return
        }
    }

    @Test func aStepThatCommitsWhileTheAgentStopsKeepsItsResult() async {
        // The commit is not interrupted: the body ignores the cancel and returns its receipt.
        let steps = RunningDeviceSteps()
        let committing = Task {
            await Self.outcome(steps) { () throws(EvidenceError) in
                try? await Task.sleep(for: .milliseconds(200))
                return 7
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(await steps.stopAll(within: .seconds(2)).isEmpty)
        #expect((try? await committing.value.get()) == 7)
    }
}
