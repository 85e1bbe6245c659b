/// The device steps running right now, one per case, so the clerk can cancel one while the device
/// waits (the citizen does not sign, the card is not at hand). Cancelling cancels the step's task:
/// the drivers stop at their next poll, clear the device (the pad's screen) and the step throws;
/// nothing of it is recorded. Whether it really ended without a result is told back, so a step
/// that finished in the same instant is not also recorded as cancelled.
///
/// The same cancel ends a step that outlives its limit of the ``DeviceWaitPolicy`` and every step
/// when the agent stops (SIGTERM, issue #19); the step then throws why it ended.
public actor RunningDeviceSteps {
    struct Running {
        var step: String
        var token: Int
        var cancel: @Sendable () -> Void
        var ended: @Sendable () async -> Bool
    }

    /// Why a step's task was cancelled from outside.
    enum Ending {
        case clerk
        case limit(Duration)
        case shutdown
    }

    private var running: [String: Running] = [:]
    private var nextToken = 0
    /// Steps cancelled from outside (by token): whatever error the driver ended with, it is this.
    private var endings: [Int: Ending] = [:]
    private var stopping = false

    public init() {}

    /// Runs `body` as the case's cancellable device step `step` (`signature`, `fingerprints`, …).
    /// With `limit` the step is cancelled like a clerk's cancel once it has run that long.
    public func run<T: Sendable>(
        caseId: String, step: String, limit: Duration? = nil,
        _ body: @escaping @Sendable () async throws(EvidenceError) -> T
    ) async throws(EvidenceError) -> T {
        guard !stopping else { throw .stoppedForShutdown(step: step) }
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
        let watchdog = limit.map { limit in
            Task { [weak self] in
                try await Task.sleep(for: limit)
                await self?.end(token: token, caseId: caseId, as: .limit(limit))
            }
        }
        let result = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        watchdog?.cancel()
        if running[caseId]?.token == token { running[caseId] = nil }
        if let ending = endings.removeValue(forKey: token), case .failure = result {
            switch ending {
            case .clerk: throw .cancelledByClerk(step: step)
            case .shutdown: throw .stoppedForShutdown(step: step)
            case .limit(let limit): throw .deviceWaitOver(step: step, seconds: Int(limit.components.seconds))
            }
        }
        return try result.get()
    }

    private func end(token: Int, caseId: String, as ending: Ending) {
        guard let entry = running[caseId], entry.token == token, endings[token] == nil else { return }
        endings[token] = ending
        entry.cancel()
    }

    /// The step running for the case, if any.
    public func step(caseId: String) -> String? { running[caseId]?.step }

    /// The names of the device steps running now (for the devices' readiness: "in Benutzung").
    public var runningSteps: Set<String> { Set(running.values.map(\.step)) }

    /// Cancels the case's running device step and waits until it has stopped. Returns the step's
    /// name when it ended without a result, nil when nothing ran or it finished with one.
    public func cancel(caseId: String) async -> String? {
        guard let entry = running[caseId] else { return nil }
        endings[entry.token] = endings[entry.token] ?? .clerk
        entry.cancel()
        return await entry.ended() ? entry.step : nil
    }

    /// The agent stops (SIGTERM): refuses new steps, cancels every running one (the drivers clear
    /// their devices, nothing is recorded; a step already committing finishes) and waits up to
    /// `grace` until all have returned. Returns the steps still running after it (none normally).
    public func stopAll(within grace: Duration) async -> [String] {
        stopping = true
        for entry in running.values {
            endings[entry.token] = endings[entry.token] ?? .shutdown
            entry.cancel()
        }
        let deadline = ContinuousClock.now + grace
        while !running.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return running.values.map(\.step).sorted()
    }
}
