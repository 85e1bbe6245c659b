import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import KitAgent
@testable import SyncServer

/// Backpressure end to end (issue #18): a saturated server turns a kit's batch away with 503 and
/// Retry-After; the kit loses nothing, does not come back before the time named even when the
/// link monitor or the clerk asks, and drains once the server has room.
@Suite("A busy server: the kit honours Retry-After")
struct ServerBusyTests {
    static func until(
        _ what: String, within limit: Duration = .seconds(20), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func theKitComesBackOnlyAfterTheServersRetryAfter() async throws {
        // Every slot taken by another kit's batch, and no wait in line: each batch is turned away.
        let admission = IngestAdmission(limit: 1, wait: .zero)
        try await admission.enter(kitId: "kit-elsewhere")
        try await QueueDrainTests.withEnrolledKit(admission: admission) { rig in
            for index in 0..<3 {
                _ = try rig.outbox.enqueue(
                    caseId: "case-\(index % 2 + 1)", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: QueueDrainTests.randomBytes(20_000))
            }
            let client = SyncClient(runtime: rig.runtime, logger: quietLogger())
            // The answer is read: status, the server's Retry-After, nothing applied.
            do throws(SyncError) {
                _ = try await client.syncNow()
                Issue.record("the sync should have been turned away")
            } catch {
                guard case .serverBusy(let status, let retryAfter, _) = error else {
                    Issue.record("expected serverBusy, got \(error)")
                    return
                }
                #expect(status == 503)
                #expect(retryAfter == .seconds(1))
                #expect(error.problem(since: Date(), attempts: 1)?.isAlarm == false)
            }
            #expect(await admission.turnedAway == 1)
            #expect(try rig.outbox.stats().queueDepth == 3)
            #expect(try await rig.store.kits().first?.lastSeq ?? 0 == 0)

            // The service: its first attempt is turned away; asked again and again within the
            // Retry-After (the link flapping, the clerk pressing "sync"), it sends nothing.
            let link = LinkMonitor(
                serverURL: try #require(URL(string: "https://127.0.0.1:\(rig.port)")), interval: 60, timeout: 2,
                connection: ServerConnection(keys: rig.runtime.keys), logger: quietLogger())
            let service = SyncService(client: client, link: link, logger: quietLogger(), outbox: rig.outbox)
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await Self.until("the service's first attempt") { await admission.turnedAway == 2 }
            let busyAt = ContinuousClock.now
            while ContinuousClock.now - busyAt < .milliseconds(900) {
                await service.trigger()
                try await Task.sleep(for: .milliseconds(30))
            }
            #expect(await admission.turnedAway == 2)
            // Room again: the queue drains by itself, each transaction once.
            await admission.leave(kitId: "kit-elsewhere")
            try await Self.until("the queue to drain") { try rig.outbox.stats().queueDepth == 0 }
            #expect(try await rig.store.kits().first?.lastSeq == 3)
            // A busy server for one attempt is no alarm; after the drain nothing is shown.
            try await Self.until("no sync problem shown") { try rig.outbox.syncProblem() == nil }
        }
    }
}
