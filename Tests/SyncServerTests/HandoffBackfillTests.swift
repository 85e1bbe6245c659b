import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// A procedure registered after cases were completed gets them only when asked (`consumers add
/// --backfill`, `consumers backfill NAME`), and only while the server still holds their evidence.
@Suite("Hand-off: a late-registered procedure and the cases before it")
struct HandoffBackfillTests {
    @Test(
        "backfill routes the procedure's earlier cases once, skips other procedures' and deleted evidence",
        arguments: StoreBackend.available)
    func backfill(_ backend: StoreBackend) async throws {
        var city = HandoffCity()
        let location = try await StoreLocation.fresh(backend)
        defer { location.remove() }
        let store = try await location.open()
        // Only the DMS and the cash office exist when the cases complete.
        try await city.kit.enrol(in: store)
        try await city.dms.register(in: store)
        try await city.cash.register(in: store)
        for caseId in ["case-a", "case-b"] {
            try await store.upsertCase(HandoffCity.idCardCase(caseId), assignedKit: city.kit.kitId)
            let reply = try await store.ingest(
                envelopes: try city.idCardApplication(caseId), kitId: city.kit.kitId, engine: city.server.engine)
            #expect(reply.outcomes.allSatisfy { $0 == .applied })
        }
        // case-a is handed off, accepted by both and its evidence deleted (retention 0).
        let assembly = city.assembly(store)
        try await assembly.buildPending()
        for consumer in [city.dms, city.cash] {
            let id = HandoffRouting.dossierId(caseId: "case-a", consumer: consumer.name)
            _ = try await store.acknowledgeDossier(
                id: id, consumer: consumer.name, acknowledgement: HandoffAcknowledgement(outcome: .accepted), at: Date()
            )
        }
        let deleted = try await store.deleteExpiredEvidence(retentionDays: 0, now: Date())
        #expect(deleted.cases == ["case-a"])

        // The document authority registers late: nothing reaches it by itself.
        try await city.documents.register(in: store)
        #expect(try await store.dossierFeedCount(consumer: city.documents.name) == 0)
        // Backfill: case-b (fingerprints, evidence held) — not case-a (evidence deleted).
        #expect(try await store.backfillHandoff(consumer: city.documents.name) == 1)
        #expect(try await store.backfillHandoff(consumer: city.documents.name) == 0)
        try await assembly.buildPending()
        let feed = try await store.dossierFeed(consumer: city.documents.name, after: 0, limit: 10)
        #expect(feed.map(\.caseId) == ["case-b"])
        #expect(feed.first?.sha256 != nil)
        // Nothing doubled for the others.
        let all = try await store.dossiers(rejectedOnly: false)
        #expect(all.filter { $0.caseId == "case-b" }.count == 3)
        // A register procedure gets nothing: neither case changed an address.
        try await city.register.register(in: store)
        #expect(try await store.backfillHandoff(consumer: city.register.name) == 0)
        // Unknown or revoked consumers are named.
        await #expect(throws: StoreError.self) { _ = try await store.backfillHandoff(consumer: "nobody") }
        try await store.revokeConsumer(name: city.register.name)
        await #expect(throws: StoreError.self) { _ = try await store.backfillHandoff(consumer: city.register.name) }
        await store.close()
    }
}

extension SyncStore {
    /// How many dossiers a consumer has recorded (built or not).
    func dossierFeedCount(consumer: String) async throws -> Int {
        try await dossiers(rejectedOnly: false).filter { $0.consumer == consumer }.count
    }
}
