import Crypto
import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Hand-off, transactional outbox (ARCHITECTURE.md step 9): the records commit with the case's
/// completion, each dossier is built exactly once — builder run twice, concurrently, after a
/// crash between completion and build — and its bytes never change.
@Suite("Hand-off: dossier exactly once")
struct HandoffExactlyOnceTests {
    @Test(
        "completion records the routed consumers; a crash before building loses nothing",
        arguments: StoreBackend.available)
    func exactlyOnceAcrossCrash(_ backend: StoreBackend) async throws {
        var city = HandoffCity()
        let location = try await StoreLocation.fresh(backend)
        defer { location.remove() }
        var store = try await location.open()
        try await city.prepare(store)
        try await store.upsertCase(HandoffCity.idCardCase("case-id-1"), assignedKit: city.kit.kitId)
        let envelopes = try city.idCardApplication("case-id-1")
        // Everything but the completion: nothing to hand off yet.
        var reply = try await store.ingest(
            envelopes: Array(envelopes.dropLast()), kitId: city.kit.kitId, engine: city.server.engine)
        #expect(reply.outcomes == [.applied, .applied, .applied, .applied])
        #expect(try await store.dossiersAwaitingBuild(limit: 10).isEmpty)
        reply = try await store.ingest(
            envelopes: [try #require(envelopes.last)], kitId: city.kit.kitId, engine: city.server.engine)
        #expect(reply.outcomes == [.applied])
        // The records committed with the completion: document authority, cash office, DMS.
        let waiting = try await store.dossiersAwaitingBuild(limit: 10)
        #expect(waiting.count == 3)
        // The crash: the process dies before any builder ran; a new one opens the same database.
        await store.close()
        store = try await location.open()
        // A retried completion (lost answer) records nothing twice.
        reply = try await store.ingest(
            envelopes: [try #require(envelopes.last)], kitId: city.kit.kitId, engine: city.server.engine)
        #expect(reply.outcomes == [.duplicate])
        #expect(try await store.dossiersAwaitingBuild(limit: 10).count == 3)
        // Two builders at once, then a third run.
        let assemblyA = city.assembly(store)
        let assemblyB = city.assembly(store)
        async let builtA = assemblyA.buildPending()
        async let builtB = assemblyB.buildPending()
        let built = try await builtA + builtB
        #expect(built == 3)
        #expect(try await city.assembly(store).buildPending() == 0)
        let records = try await store.dossiers(rejectedOnly: false)
        #expect(records.count == 3)
        #expect(Set(records.map(\.consumer)) == ["ausweisbehoerde", "stadtkasse", "e-akte"])
        #expect(Set(records.compactMap(\.position)).count == 3)
        // Same id, same bytes: storing another build changes nothing.
        for record in records {
            let stored = try #require(try await store.dossier(id: record.dossierId)?.container)
            let consumer = try #require(city.consumers.first { $0.name == record.consumer })
            let verified = try DossierVerifier(serverKey: city.dossierKey.publicKey).verify(stored)
            #expect(verified.manifest.dossierId == record.dossierId)
            #expect(verified.manifest.steps.map(\.kind).last == TransactionKind.caseCompleted.rawValue)
            #expect(verified.manifest.steps.count == 5)
            let again = try await store.storeBuiltDossier(
                dossierId: record.dossierId, container: Array(stored.reversed()), at: Date())
            #expect(again == stored)
            #expect(record.dossierId == HandoffRouting.dossierId(caseId: "case-id-1", consumer: record.consumer))
            // The consumer opens the evidence; the fingerprints carry the marker.
            let fingerprints = try #require(verified.manifest.steps.first { $0.kind == "fingerprints.captured" })
            let payload = try verified.open(fingerprints.payload, with: consumer.key)
            #expect(payload.firstRange(of: HandoffCity.evidenceMarker) != nil)
            let snapshot = try JSONDecoder().decode(
                CaseSnapshot.self, from: Data(try verified.open(verified.manifest.caseSnapshot, with: consumer.key)))
            #expect(snapshot.caseId == "case-id-1")
            // Another consumer's key opens nothing.
            let stranger = P256.KeyAgreement.PrivateKey()
            #expect((try? verified.open(fingerprints.payload, with: stranger)) == nil)
        }
        for consumer in city.consumers {
            let feed = try await store.dossierFeed(consumer: consumer.name, after: 0, limit: 10)
            #expect(feed.count == (consumer.procedure == .register ? 0 : 1))
        }
        await store.close()
    }

    @Test(
        "a completed case with an open conflict is handed off when the conflict is resolved",
        arguments: StoreBackend.available)
    func handedOffAfterResolution(_ backend: StoreBackend) async throws {
        var city = HandoffCity()
        try await withFreshStore(backend) { store, _ in
            try await city.prepare(store)
            try await store.upsertCase(
                makeCase("case-pay", steps: [.identify, .pay, .complete], feeCents: 1000), assignedKit: city.kit.kitId)
            let payment = StepPayload.Payment(approved: true, amountCents: 1000, trace: "1")
            let envelopes = [
                try city.kit.identityCheck(caseId: "case-pay"),
                try city.kit.next(.paymentOutcome, caseId: "case-pay", facts: payment),
                // Paid twice: a double_payment conflict stays open.
                try city.kit.next(.paymentOutcome, caseId: "case-pay", facts: payment),
                try city.kit.next(.caseCompleted, caseId: "case-pay"),
            ]
            let reply = try await store.ingest(envelopes: envelopes, kitId: city.kit.kitId, engine: city.server.engine)
            #expect(reply.outcomes == [.applied, .applied, .conflict, .applied])
            #expect(try await store.dossiersAwaitingBuild(limit: 10).isEmpty)
            let conflict = try #require(try await store.conflicts(openOnly: true).first)
            #expect(try await store.resolveConflict(id: conflict.id, resolution: .accept, by: "test", at: Date()))
            // Cash office and DMS now.
            #expect(try await store.dossiersAwaitingBuild(limit: 10).count == 2)
            #expect(try await city.assembly(store).buildPending() == 2)
        }
    }
}
