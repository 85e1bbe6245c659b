import Crypto
import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import NIOSSL
import SyncServer
import Testing

/// Waits until `condition` holds, polling; fails the test after `seconds`.
func eventually(
    _ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Push settings scaled down: "hours" of backoff become milliseconds.
func fastPushSettings(giveUpAfter: Double = 600, timeout: Double = 2, caFile: String? = nil) -> PushSettings {
    PushSettings(
        backoffBase: 0.002, backoffCap: 0.02, giveUpAfter: giveUpAfter, timeout: timeout, pollInterval: 0.005,
        caFile: caFile)
}

/// A reference consumer's push endpoint running in a task, on a given or free loopback port.
struct RunningListener {
    let receiver: PushReceiver
    let port: Int
    let task: Task<Void, any Error>

    static func start(_ receiver: PushReceiver, port: Int = 0, tls: TLSConfiguration? = nil) async throws
        -> RunningListener
    {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let listener = PushListener(
            receiver: receiver, host: "127.0.0.1", port: port, tls: tls, logger: quietLogger())
        let task = Task {
            defer { continuation.finish() }
            try await listener.run { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            try await task.value
            throw CancellationError()
        }
        return RunningListener(receiver: receiver, port: bound, task: task)
    }

    var url: String { "http://127.0.0.1:\(port)\(PushListener.path)" }
    var httpsURL: String { "https://127.0.0.1:\(port)\(PushListener.path)" }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

extension HandoffCity {
    /// Records and ingests `count` completed ID card applications (routed to document authority,
    /// cash office and DMS).
    mutating func completeCases(_ count: Int, in store: any SyncStore, prefix: String = "case") async throws {
        for number in 1...count {
            let caseId = "\(prefix)-\(number)"
            try await store.upsertCase(HandoffCity.idCardCase(caseId), assignedKit: kit.kitId)
            let reply = try await store.ingest(
                envelopes: try idCardApplication(caseId), kitId: kit.kitId, engine: server.engine)
            #expect(reply.outcomes.allSatisfy { $0 == .applied })
        }
    }

    /// The DMS's reference consumer (the push consumer of these tests).
    func dmsReceiver(secret: PushSecret) -> PushReceiver {
        PushReceiver(
            consumer: ReferenceConsumer(procedure: .dms, key: dms.key, serverKey: dossierKey.publicKey),
            secret: secret)
    }
}

/// Runs `body` with a push sender and shuts its HTTP client down afterwards, also when `body` throws.
func withPushSender<Result>(_ settings: PushSettings, _ body: (PushSender) async throws -> Result) async throws
    -> Result
{
    let sender = try PushSender(settings: settings)
    do {
        let result = try await body(sender)
        await sender.shutdown()
        return result
    } catch {
        await sender.shutdown()
        throw error
    }
}
