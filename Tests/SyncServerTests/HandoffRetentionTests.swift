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
        let verifier = EnvelopeVerifier(kitSigningKey: city.kit.signingKey.publicKey)
        for (envelope, row) in zip(envelopes, kept) {
            let original = try TransactionEnvelope(decoding: Array(envelope))
            #expect(row.header == original.header.encoded())
            #expect(row.signature == original.signature)
            #expect(row.chainHash == original.hash)
            #expect(original.header.prevHash == previous)
            // Format 2: the kit's signature and the link are checked again from the kept proof.
            let proof = try TransactionEnvelopeProof(decoding: row.proof)
            try verifier.verify(proof, previousHash: previous)
            #expect(proof.hash == row.chainHash)
            previous = row.chainHash
        }
    }

    @Test("after retention every kept proof verifies with the kit's key alone, across the format 1 upgrade")
    func keptProofsVerifyAcrossTheUpgrade() async throws {
        var city = HandoffCity()
        let location = try await StoreLocation.fresh(.sqlite)
        defer { location.remove() }
        let store = try await location.open()
        try await city.prepare(store)
        // A visit queued by the old software (format 1), then one sealed after the upgrade.
        try await store.upsertCase(HandoffCity.idCardCase("case-old"), assignedKit: city.kit.kitId)
        city.kit.formatVersion = 1
        let old = try city.idCardApplication("case-old")
        city.kit.formatVersion = TransactionEnvelope.currentFormatVersion
        try await store.upsertCase(HandoffCity.idCardCase("case-new"), assignedKit: city.kit.kitId)
        let new = try city.idCardApplication("case-new")
        let answers = try await store.ingest(envelopes: old + new, kitId: city.kit.kitId, engine: city.server.engine)
        #expect(answers.results.map(\.outcome) == Array(repeating: .applied, count: old.count + new.count))
        try await city.assembly(store).buildPending()
        for record in try await store.dossiers(rejectedOnly: false) {
            // The mixed chain verifies in every dossier, with the project's verifier.
            let container = try #require(try await store.dossier(id: record.dossierId)?.container)
            _ = try DossierVerifier(serverKey: city.dossierKey.publicKey).verify(container)
            _ = try await store.acknowledgeDossier(
                id: record.dossierId, consumer: record.consumer,
                acknowledgement: HandoffAcknowledgement(outcome: .accepted), at: Date())
        }
        let deletion = try await store.deleteExpiredEvidence(retentionDays: 0, now: Date().addingTimeInterval(1))
        #expect(Set(deletion.cases) == ["case-old", "case-new"])
        await store.close()
        let kept = try Self.keptProof(location.sqlitePath)
        #expect(kept.count == old.count + new.count)
        let verifier = EnvelopeVerifier(kitSigningKey: city.kit.signingKey.publicKey)
        var previous = TransactionHeader.genesisHash
        for row in kept {
            let proof = try TransactionEnvelopeProof(decoding: row.proof)
            #expect(proof.header.prevHash == previous)
            if proof.header.formatVersion == 1 {
                // Format 1 signed the deleted ciphertext: only the link by hash remains.
                #expect(throws: EnvelopeError.proofNeedsCiphertext) {
                    try verifier.verify(proof, previousHash: previous)
                }
            } else {
                try verifier.verify(proof, previousHash: previous)
                #expect(proof.hash == row.chainHash)
            }
            previous = row.chainHash
        }
        #expect(kept.filter { $0.proof[4] == 1 }.count == old.count)
        // A changed byte in a kept proof no longer verifies.
        var forged = try TransactionEnvelopeProof(decoding: try #require(kept.last).proof)
        forged.ciphertextDigest[0] ^= 1
        #expect(throws: EnvelopeError.signatureInvalid) {
            try verifier.verify(forged, previousHash: forged.header.prevHash)
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

    static func keptProof(_ path: String) throws -> [(
        header: [UInt8], signature: [UInt8], chainHash: [UInt8], proof: [UInt8]
    )] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for h, s, c, p, e in db.execute(
                    "SELECT header, signature, chain_hash, proof, length(envelope) FROM transactions ORDER BY seq"):
                assert e == 0
                print(h.hex(), s.hex(), c.hex(), p.hex())
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
            return (parts[0], parts[1], parts[2], parts[3])
        }
    }
}
