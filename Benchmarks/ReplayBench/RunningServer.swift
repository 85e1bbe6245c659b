import BenchmarkSupport
import Foundation
import SyncServer

/// A `SyncServerApplication` serving in this process (mutual TLS, loopback) until ``stop()``.
struct RunningServer: Sendable {
    let port: Int
    /// When the server reported that it accepts connections.
    let listeningAt: ContinuousClock.Instant
    private let task: Task<Void, any Error>

    static func start(_ application: SyncServerApplication) async throws -> RunningServer {
        let (events, continuation) = AsyncStream<(Int, ContinuousClock.Instant)>.makeStream()
        let task = Task<Void, any Error> {
            defer { continuation.finish() }
            try await application.run { port in continuation.yield((port, ContinuousClock.now)) }
        }
        var iterator = events.makeAsyncIterator()
        guard let (port, at) = await iterator.next() else {
            try await task.value
            throw BenchFailure("the sync server stopped before it listened")
        }
        return RunningServer(port: port, listeningAt: at, task: task)
    }

    /// Cancels the server (graceful shutdown) and waits until it has closed its store.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
