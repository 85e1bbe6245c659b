import Foundation
import Hummingbird
import KitAgent
import KitTestSupport
import Logging
import SyncServer

/// Runs a long-lived service in a task, hands its listening value to `body`, then cancels it and
/// waits until it has stopped.
func whileRunning<Value: Sendable, Result>(
    _ start: @escaping @Sendable (@escaping @Sendable (Value) async -> Void) async throws -> Void,
    _ body: (Value) async throws -> Result
) async throws -> Result {
    let (values, continuation) = AsyncStream<Value>.makeStream()
    let task = Task {
        defer { continuation.finish() }
        try await start { value in continuation.yield(value) }
    }
    var iterator = values.makeAsyncIterator()
    guard let value = await iterator.next() else {
        try await task.value
        throw RunningError.stoppedBeforeListening
    }
    do {
        let result = try await body(value)
        task.cancel()
        try? await task.value
        return result
    } catch {
        task.cancel()
        try? await task.value
        throw error
    }
}

enum RunningError: Error { case stoppedBeforeListening }

/// Runs a sync server on a free port. `tls: false` is the local-development mode for agents that
/// are not enrolled (they cannot verify a TLS server before they have pinned its CA).
func withSyncServer<Result>(tls: Bool = true, _ body: (Int) async throws -> Result) async throws -> Result {
    let server = SyncServerApplication(
        configuration: ServerConfiguration(port: 0, stateDirectory: temporaryPath("server"), tlsEnabled: tls),
        logger: quietLogger())
    return try await whileRunning({ ready in try await server.run(onListening: ready) }, body)
}

func withAgent<Result>(
    serverURL: String, probeTimeout: Double = 2, _ body: (LocalAPIEndpoint, String) async throws -> Result
) async throws -> Result {
    let stateDirectory = temporaryPath("agent")
    let agent = AgentDaemon(
        configuration: AgentConfiguration(
            stateDirectory: stateDirectory, serverURL: try AgentConfiguration.parseServerURL(serverURL), apiPort: 0,
            probeInterval: 60, probeTimeout: probeTimeout),
        logger: quietLogger())
    return try await whileRunning({ ready in try await agent.run(onListening: ready) }) { endpoint in
        try await body(endpoint, stateDirectory)
    }
}

/// A web server that answers every request with a fixed status and body: stands in for a wrong
/// URL, a captive portal or a broken proxy.
func withFixedAnswerServer<Result>(
    status code: Int, body text: String, _ body: (Int) async throws -> Result
) async throws -> Result {
    try await whileRunning(
        { ready in
            let router = Router()
            router.get("**") { _, _ in
                Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in await ready(channel.localAddress?.port ?? 0) },
                logger: quietLogger())
            try await app.runService()
        }, body)
}
