/// The device steps running right now, one per case, so the clerk can cancel one while the device
/// waits (the citizen does not sign, the card is not at hand). Cancelling cancels the step's task:
/// the drivers stop at their next poll, clear the device (the pad's screen) and the step throws;
/// nothing of it is recorded. Whether it really ended without a result is told back, so a step
/// that finished in the same instant is not also recorded as cancelled.
public actor RunningDeviceSteps {
    struct Running {
        var step: String
        var token: Int
        var cancel: @Sendable () -> Void
        var ended: @Sendable () async -> Bool
    }

    private var running: [String: Running] = [:]
    private var nextToken = 0
    /// Steps the clerk cancelled (by token): whatever error the driver ended with, it is a cancel.
    private var cancelledTokens: Set<Int> = []

    public init() {}

    /// Runs `body` as the case's cancellable device step `step` (`signature`, `fingerprints`, …).
    public func run<T: Sendable>(
        caseId: String, step: String, _ body: @escaping @Sendable () async throws(EvidenceError) -> T
    ) async throws(EvidenceError) -> T {
        let task = Task { () -> Result<T, EvidenceError> in
            do throws(EvidenceError) { return .success(try await body()) } catch { return .failure(error) }
        }
        nextToken += 1
        let token = nextToken
        running[caseId] = Running(
            step: step, token: token, cancel: { task.cancel() },
            ended: {
                if case .failure = await task.value { return true }
                return false
            })
        let result = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        if running[caseId]?.token == token { running[caseId] = nil }
        if cancelledTokens.remove(token) != nil, case .failure = result { throw .cancelledByClerk(step: step) }
        return try result.get()
    }

    /// The step running for the case, if any.
    public func step(caseId: String) -> String? { running[caseId]?.step }

    /// The names of the device steps running now (for the devices' readiness: "in Benutzung").
    public var runningSteps: Set<String> { Set(running.values.map(\.step)) }

    /// Cancels the case's running device step and waits until it has stopped. Returns the step's
    /// name when it ended without a result, nil when nothing ran or it finished with one.
    public func cancel(caseId: String) async -> String? {
        guard let entry = running[caseId] else { return nil }
        cancelledTokens.insert(entry.token)
        entry.cancel()
        return await entry.ended() ? entry.step : nil
    }
}
