import Crypto
import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Issue #17 on every store: lost kits and their wipe, clerks per kit, the clerk who recorded a
/// step, the audit trail chained at write time, the rows of the audit export.
@Suite("Store conformance: data protection (SQLite, PostgreSQL)")
struct DataProtectionStoreTests {
    static let backends = StoreBackend.available
    static let anna = Clerk(id: "anna.schmidt", name: "Anna Schmidt")

    @Test(arguments: backends)
    func lostKitsClerksRecordedByAndTheChainedAuditTrail(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-07", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("2026-0001"), assignedKit: "kit-07")

            // Clerks: added, renamed, revoked once and for good.
            try await store.addClerk(kitId: "kit-07", clerk: Self.anna, by: "it", at: Date())
            try await store.addClerk(
                kitId: "kit-07", clerk: Clerk(id: "ben", name: "Ben"), by: "it", at: Date())
            try await store.addClerk(
                kitId: "kit-07", clerk: Clerk(id: "ben", name: "Ben Yılmaz"), by: "it", at: Date())
            await #expect(throws: StoreError.self) {
                try await store.addClerk(kitId: "kit-unknown", clerk: Self.anna, by: "it", at: Date())
            }
            #expect(try await store.revokeClerk(kitId: "kit-07", clerkId: "ben", by: "it", at: Date()))
            #expect(try await !store.revokeClerk(kitId: "kit-07", clerkId: "ben", by: "it", at: Date()))
            #expect(try await !store.revokeClerk(kitId: "kit-07", clerkId: "nobody", by: "it", at: Date()))
            await #expect(throws: StoreError.self) {
                try await store.addClerk(kitId: "kit-07", clerk: Clerk(id: "ben", name: "Ben"), by: "it", at: Date())
            }
            let clerks = try await store.clerks(kitId: "kit-07")
            #expect(clerks.map(\.clerkId) == ["anna.schmidt", "ben"])
            #expect(clerks.map(\.name) == ["Anna Schmidt", "Ben Yılmaz"])
            #expect(clerks.map { $0.revokedAt != nil } == [false, true])

            // The clerk stamped into the sealed facts reaches the case view.
            let stamped = StepPayload.stamp(Array("{}".utf8), recordedBy: Self.anna)
            let reply = try await store.ingest(
                envelopes: [try kit.next(.signatureCaptured, caseId: "2026-0001", payload: stamped)], kitId: "kit-07",
                engine: server.engine)
            #expect(reply.outcomes == [.applied])
            #expect(try await store.caseDetail(caseId: "2026-0001")?.steps.map(\.recordedBy) == [Self.anna])

            // Lost: the first order stays; a wipe report for another order changes nothing.
            try await store.markKitLost(kitId: "kit-07", orderId: "order-1", by: "it", at: Date())
            try await store.markKitLost(kitId: "kit-07", orderId: "order-2", by: "it", at: Date())
            await #expect(throws: StoreError.self) {
                try await store.markKitLost(kitId: "kit-unknown", orderId: "o", by: "it", at: Date())
            }
            #expect(try await store.kit(kitId: "kit-07")?.lostOrderId == "order-1")
            #expect(try await !store.recordKitWiped(kitId: "kit-07", orderId: "order-2", lastSeq: 1, at: Date()))
            #expect(try await store.recordKitWiped(kitId: "kit-07", orderId: "order-1", lastSeq: 1, at: Date()))
            #expect(try await !store.recordKitWiped(kitId: "kit-07", orderId: "order-1", lastSeq: 1, at: Date()))
            let record = try #require(try await store.kit(kitId: "kit-07"))
            #expect(!record.active)
            #expect(record.wipedLastSeq == 1)
            #expect(record.lossStatus?.hasSuffix("letzte seq 1") == true)

            // The export rows, and the audit trail chained entry by entry.
            let rows = try #require(try await store.auditExportRows(kitId: "kit-07", from: nil, to: nil))
            #expect(rows.signingKey == Array(kit.signingKey.publicKey.x963Representation))
            #expect(rows.transactions.map(\.seq) == [1])
            #expect(rows.transactions.first?.recordedBy == Self.anna)
            #expect(rows.transactions.first?.chainHash != nil)
            var previous = AuditChain.genesis
            for entry in rows.auditLog {
                #expect(entry.prevHash == previous, "entry \(entry.id) \(entry.action)")
                let hash = AuditChain.entryHash(
                    prev: previous, atMillis: try #require(entry.atMillis), actor: entry.actor,
                    action: entry.action, detail: entry.detail)
                #expect(entry.entryHash == hash)
                previous = hash
            }
            let actions = rows.auditLog.map(\.action)
            for action in ["enrolled", "clerk-added", "clerk-revoked", "kit-lost", "kit-wiped"] {
                #expect(actions.contains(action), "\(action)")
            }
            #expect(try await store.auditExportRows(kitId: "kit-unknown", from: nil, to: nil) == nil)
            let future = try #require(
                try await store.auditExportRows(kitId: "kit-07", from: Date().addingTimeInterval(3600), to: nil))
            #expect(future.transactions.isEmpty && future.auditLog.isEmpty)
        }
    }
}
