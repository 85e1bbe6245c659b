import Crypto
import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Retention (ARCHITECTURE.md step 10): once every receiver accepted and the retention period
/// is over, the evidence is deleted — sealed payloads and dossier copies — and the deletion is
/// in the audit trail; headers, chain hashes and signatures stay.
@Suite("Hand-off: evidence retention")
struct HandoffRetentionTests {
    @Test("after acceptance with retention 0 the SQLite file and WAL hold no evidence bytes")
    func retentionDeletesEvidence() async throws {
        var city = HandoffCity()
        let location = try await StoreLocation.fresh(.sqlite)
        defer { location.remove() }
        let store = try await location.open()
        try await city.prepare(store)
        try await store.upsertCase(HandoffCity.idCardCase("case-del"), assignedKit: city.kit.kitId)
        let envelopes = try city.idCardApplication("case-del")
        _ = try await store.ingest(envelopes: envelopes, kitId: city.kit.kitId, engine: city.server.engine)
        try await city.assembly(store).buildPending()
        let records = try await store.dossiers(rejectedOnly: false)
        #expect(records.count == 3)
        // Markers: pieces of the sealed payloads and of every dossier copy.
        var markers: [[UInt8]] = []
        for bytes in envelopes {
            let envelope = try TransactionEnvelope(decoding: Array(bytes))
            markers.append(Array(envelope.ciphertext.prefix(24)))
        }
        for record in records {
            let container = try #require(try await store.dossier(id: record.dossierId)?.container)
            // Past the manifest: a piece of the last sealed file.
            markers.append(Array(container.suffix(1024 + 512).prefix(24)))
        }
        #expect(Self.found(markers, in: location.sqlitePath) > 0, "the markers are there before retention")
        // Not everybody accepted yet: nothing is deleted.
        #expect(try await store.deleteExpiredEvidence(retentionDays: 0, now: Date()).cases.isEmpty)
        for record in records.dropLast() {
            #expect(
                try await store.acknowledgeDossier(
                    id: record.dossierId, consumer: record.consumer,
                    acknowledgement: HandoffAcknowledgement(outcome: .accepted), at: Date()) == .recorded)
        }
        #expect(try await store.deleteExpiredEvidence(retentionDays: 0, now: Date()).cases.isEmpty)
        let last = try #require(records.last)
        #expect(
            try await store.acknowledgeDossier(
                id: last.dossierId, consumer: last.consumer,
                acknowledgement: HandoffAcknowledgement(outcome: .accepted), at: Date()) == .recorded)
        // Within a 30-day retention period nothing goes.
        #expect(try await store.deleteExpiredEvidence(retentionDays: 30, now: Date()).cases.isEmpty)
        let deletion = try await store.deleteExpiredEvidence(retentionDays: 0, now: Date().addingTimeInterval(1))
        #expect(deletion == EvidenceDeletion(cases: ["case-del"], transactions: 5, dossiers: 3))
        #expect(
            try await store.deleteExpiredEvidence(retentionDays: 0, now: Date().addingTimeInterval(2)).cases.isEmpty)
        await store.close()
        #expect(Self.found(markers, in: location.sqlitePath) == 0, "no evidence bytes after retention")
        // Headers, hashes and signatures stay: the chain still links.
        let reopened = try await location.open()
        let audit = try await reopened.auditLog(limit: 50)
        #expect(audit.contains { $0.action == "evidence-deleted" && $0.detail.hasPrefix("case case-del") })
        let record = try #require(try await reopened.dossier(id: last.dossierId))
        #expect(record.container == nil)
        #expect(record.record.evidenceDeletedAt != nil)
        await reopened.close()
        let kept = try Self.keptProof(location.sqlitePath)
        #expect(kept.count == 5)
        var previous = TransactionHeader.genesisHash
        for (envelope, row) in zip(envelopes, kept) {
            let original = try TransactionEnvelope(decoding: Array(envelope))
            #expect(row.header == original.header.encoded())
            #expect(row.signature == original.signature)
            #expect(row.chainHash == original.hash)
            #expect(original.header.prevHash == previous)
            previous = row.chainHash
        }
    }

    @Test("retention on each store: evidence gone, headers and hashes kept, logged", arguments: StoreBackend.available)
    func retentionOnEachStore(_ backend: StoreBackend) async throws {
        var city = HandoffCity()
        try await withFreshStore(backend) { store, _ in
            try await city.prepare(store)
            try await store.upsertCase(HandoffCity.idCardCase("case-ret"), assignedKit: city.kit.kitId)
            _ = try await store.ingest(
                envelopes: try city.idCardApplication("case-ret"), kitId: city.kit.kitId, engine: city.server.engine)
            try await city.assembly(store).buildPending()
            let records = try await store.dossiers(rejectedOnly: false)
            // A revoked consumer's unconfirmed dossier does not hold retention back.
            try await store.revokeConsumer(name: city.cash.name)
            for record in records where record.consumer != city.cash.name {
                _ = try await store.acknowledgeDossier(
                    id: record.dossierId, consumer: record.consumer,
                    acknowledgement: HandoffAcknowledgement(outcome: .accepted), at: Date())
            }
            let deletion = try await store.deleteExpiredEvidence(retentionDays: 0, now: Date().addingTimeInterval(1))
            #expect(deletion == EvidenceDeletion(cases: ["case-ret"], transactions: 5, dossiers: 3))
            for record in records {
                let stored = try #require(try await store.dossier(id: record.dossierId))
                #expect(stored.container == nil && stored.record.evidenceDeletedAt != nil)
            }
            #expect(try await store.auditLog(limit: 20).contains { $0.action == "evidence-deleted" })
            // The duplicate answers still come from the kept rows.
            let retry = try await store.ingest(
                envelopes: [try city.kit.next(.caseCompleted, caseId: "case-ret")], kitId: city.kit.kitId,
                engine: city.server.engine)
            #expect(retry.results.first?.outcome == .conflict)
        }
    }

    /// How many markers occur in the database file and its WAL.
    static func found(_ markers: [[UInt8]], in path: String) -> Int {
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: path + suffix) { bytes += Array(data) }
        }
        return markers.filter { bytes.firstRange(of: $0) != nil }.count
    }

    static func keptProof(_ path: String) throws -> [(header: [UInt8], signature: [UInt8], chainHash: [UInt8])] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for h, s, c, e in db.execute("SELECT header, signature, chain_hash, length(envelope) FROM transactions ORDER BY seq"):
                assert e == 0
                print(h.hex(), s.hex(), c.hex())
            """,
            path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: " ").map { Hex.decode(String($0)) ?? [] }
            return (parts[0], parts[1], parts[2])
        }
    }
}
