import Logging
import ServiceLifecycle
import Synchronization

/// Ends the running device steps when the agent stops (SIGTERM from systemd, SIGINT; issue #19).
///
/// Runs as the last service of the agent's service group, so graceful shutdown reaches it first,
/// before the local API server waits for its open requests: a signature still waiting for the pen,
/// a finger set or an ID card wait is cancelled like the clerk's cancel (the pad is cleared, the
/// scanner and reader closed, nothing recorded; a transaction already committing finishes, as
/// SQLite commits it whole or not at all), and a card payment is asked to abort and given the
/// policy's grace to answer. The step's request then answers 503 with "nothing saved", and the
/// server and the other services stop well inside systemd's stop timeout.
struct DeviceStepShutdown: Service {
    let running: RunningDeviceSteps
    let desk: PaymentDesk
    let grace: Duration
    let logger: Logger
    let started: ShutdownFlag
    /// Cuts the sync's requests on the way (``SyncClient/stop()``): a server that does not answer
    /// must not hold up the local API's graceful stop.
    var stopSync: @Sendable () async -> Void = {}

    func run() async throws {
        do {
            try await gracefulShutdown()
            // A stop asked for (SIGTERM, SIGINT); not a failure of another service (that cancels).
            started.set()
        } catch {
            // Cancelled: a service failed or the caller cancelled; stop the devices all the same.
        }
        let clock = ContinuousClock()
        let begun = clock.now
        async let steps = running.stopAll(within: grace)
        async let paymentIdle = desk.stop(within: grace)
        await stopSync()
        let (left, idle) = await (steps, paymentIdle)
        let elapsed = clock.now - begun
        logger.info(
            "device steps stopped for shutdown",
            metadata: [
                "stillRunning": "\(left.joined(separator: ","))", "paymentIdle": "\(idle)",
                "took": "\(elapsed)",
            ])
    }
}

/// Set once the agent has begun to stop, so an error of a service cut short by the stop is not
/// reported as a failure to start.
final class ShutdownFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
