import Crypto
import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import KitAgent
@testable import SyncServer

/// docs/envelope.md, "Format 1 and the upgrade": a kit updated while format 1 envelopes are still
/// queued sends them as they are and chains its new format 2 envelopes onto them; the server
/// applies both, on each store.
@Suite("Envelope format upgrade with a queue left by the old software")
struct EnvelopeUpgradeTests {
    @Test(arguments: QueueDrainTests.storages)
    func queuedFormat1EnvelopesAndNewFormat2OnesAreAllApplied(storage: ServerConfiguration.StorageKind) async throws {
        try await QueueDrainTests.withEnrolledKit(storage: storage) { rig in
            // What the old software queued, in the same database.
            let old = Outbox(
                database: rig.outbox.database, kitId: rig.outbox.kitId, sealer: rig.outbox.sealer, formatVersion: 1)
            for index in 0..<3 {
                _ = try old.enqueue(
                    caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Array("alt \(index)".utf8))
            }
            for index in 0..<3 {
                _ = try rig.outbox.enqueue(
                    caseId: "case-2", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Array("neu \(index)".utf8))
            }
            let verifier = try #require(rig.outbox.sealer).verifier
            #expect(try rig.outbox.verifyChain(with: verifier) == 6)
            let client = SyncClient(runtime: rig.runtime, logger: quietLogger())
            let summary = try await client.syncNow()
            #expect(summary.acknowledged == 6)
            #expect(summary.parked == 0)
            // Sent byte for byte as queued: format 1 first, then format 2; the server applied all.
            #expect(try rig.outbox.envelopes().map { $0.bytes[4] } == [1, 1, 1, 2, 2, 2])
            var applied: [UInt64] = []
            for caseId in ["case-1", "case-2"] {
                let detail = try #require(try await rig.store.caseDetail(caseId: caseId))
                applied += detail.steps.filter { $0.outcome == "applied" }.map(\.seq)
            }
            #expect(applied.sorted() == Array(1...6))
        }
    }
}
