import Crypto
import Foundation
import GRDB
import KitAgent
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Issue #17, acceptance 2: a kit marked lost hands over its queue at its next contact, then
/// wipes itself; real sync server over loopback with mutual TLS.
@Suite("Lost kit: queue handed over, then wiped")
struct LostKitTests {
    static let secret = "Mainzer-Rad-2026"

    /// Every file below `path` with its bytes.
    static func files(below path: String) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = path + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            result[relative] = Array(FileManager.default.contents(atPath: full) ?? Data())
        }
        return result
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }

    @Test func aLostKitSendsItsFivePendingTransactionsThenWipesItself() async throws {
        let serverState = temporaryPath("lost-server")
        let configuration = try await SyncExactlyOnceTests.configuration(
            .sqlite, state: serverState, port: 0, tls: true)
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let store = try await server.openStore()
        let serverKeys = try ServerKeys.loadOrCreate(in: try server.stateDirectory())
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-lost", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        try await store.upsertCase(SyncClientTests.caseSnapshot("case-1"), assignedKit: "kit-lost")

        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
            let caPEM = try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8)
            let directory = try StateDirectory.prepare(temporaryPath("lost-kit"))
            try await Enrollment.enroll(
                stateDirectory: directory, serverURL: url, kitId: "kit-lost", token: token, caCertificatePEM: caPEM)
            let agentConfiguration = AgentConfiguration(stateDirectory: directory.path, serverURL: url)
            let runtime = try KitRuntime(configuration: agentConfiguration, directory: directory, lockCost: .testing)
            let outbox = try #require(runtime.outbox)
            try await runtime.lock.initialize(secret: Self.secret)
            let client = SyncClient(runtime: runtime, logger: quietLogger())
            // First contact: the case arrives, the server's order key is pinned.
            #expect(try await client.syncNow().casesRefreshed == 1)
            #expect(FileManager.default.fileExists(atPath: directory.path + "/keys/server-order-key.pem"))

            for _ in 0..<5 {
                _ = try outbox.enqueue(
                    caseId: "case-1", kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                    payload: Array("{}".utf8))
            }
            #expect(try outbox.stats().queueDepth == 5)
            // What a thief could copy before the wipe.
            let copy = temporaryPath("lost-kit-copy")
            try FileManager.default.copyItem(atPath: directory.path, toPath: copy)
            let keyMaterial = try Self.files(below: directory.path + "/keys")
            let signingKey = try #require(keyMaterial["signing.key"])
            let tlsKey = try #require(keyMaterial["tls-client.key"])
            let wrappedStorageKey = try #require(keyMaterial["key-slots.json"])

            try await store.markKitLost(kitId: "kit-lost", orderId: "order-7", by: "it-leitstelle", at: Date())
            // Not yet wiped: the fleet shows the order waiting.
            #expect(try await store.kit(kitId: "kit-lost")?.lossStatus?.contains("Löschauftrag") == true)

            let summary = try await client.syncNow()
            #expect(summary.acknowledged == 5)
            #expect(summary.wiped)
            #expect(summary.casesRefreshed == 0)

            // The server has the five and shows the wipe.
            let record = try #require(try await store.kit(kitId: "kit-lost"))
            #expect(record.lastSeq == 5)
            #expect(record.wipedLastSeq == 5)
            #expect(record.wipedAt != nil)
            #expect(!record.active)
            #expect(record.lossStatus?.hasPrefix("gelöscht am ") == true)
            #expect(record.lossStatus?.hasSuffix("letzte seq 5") == true)
            let actions = try await store.auditLog(limit: 50).map(\.action)
            #expect(actions.contains("kit-lost"))
            #expect(actions.contains("kit-wiped"))

            // The state directory holds no key material any more.
            let after = try Self.files(below: directory.path)
            let keyFiles = after.keys.filter { $0.hasPrefix("keys/") }.sorted()
            #expect(keyFiles == ["keys/kit-id", "keys/wiped.json"])
            for (name, bytes) in after {
                #expect(!Self.contains(bytes, signingKey), "signing key still in \(name)")
                #expect(!Self.contains(bytes, tlsKey), "TLS key still in \(name)")
                #expect(!Self.contains(bytes, Array(wrappedStorageKey.prefix(64))), "storage key still in \(name)")
                #expect(!Self.contains(bytes, Array("Mustermann".utf8)), "case data in clear in \(name)")
            }

            // A restarted agent can decrypt nothing and creates no new keys.
            let restarted = try KitRuntime(configuration: agentConfiguration, directory: directory, lockCost: .testing)
            #expect(restarted.outbox == nil)
            #expect(restarted.outboxProblem == KitWipe.wipedSentence)
            await #expect(throws: UnlockError.wiped) { try await restarted.lock.unlock(secret: Self.secret) }
            await #expect(throws: UnlockError.wiped) {
                try await restarted.lock.initialize(secret: "Neues-Geheimnis-1")
            }
            #expect(UnlockError.wiped.description.contains("als verloren gemeldet"))
            #expect(try restarted.cases.summaries().isEmpty)
            await #expect(throws: CaseStoreError.self) { try await restarted.cases.snapshot(caseId: "case-1") }
            await #expect(throws: SyncError.wiped) {
                try await SyncClient(runtime: restarted, logger: quietLogger()).syncNow()
            }
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/keys/signing.key"))

            try await Self.copyIsUnreadableWithoutSecretAndServerKey(
                copy: copy, serverDataKey: serverKeys.dataKey, url: url)
        }
        await store.close()
    }

    /// Acceptance 2, last sentence: everything on the kit (every key file, the database) is not
    /// enough; the clerk's secret opens the cases and only the server's private key the queue.
    static func copyIsUnreadableWithoutSecretAndServerKey(
        copy: String, serverDataKey: P256.KeyAgreement.PrivateKey, url: URL
    ) async throws {
        let directory = try StateDirectory.prepare(copy)
        let runtime = try KitRuntime(
            configuration: AgentConfiguration(stateDirectory: copy, serverURL: url), directory: directory,
            lockCost: .testing)
        let outbox = try #require(runtime.outbox)
        let envelopes = try outbox.envelopes().map { try TransactionEnvelope(decoding: $0.bytes) }
        #expect(envelopes.count == 5)
        let everything = try files(below: copy)
        for (name, bytes) in everything {
            #expect(!contains(bytes, Array("Mustermann".utf8)), "case data in clear in \(name)")
        }
        // Every P-256 scalar the kit holds (signing key, TLS key) as an HPKE recipient: nothing opens.
        let kitScalars = [everything["keys/signing.key"], everything["keys/tls-client.key"]].compactMap { $0 }
        #expect(kitScalars.count == 2)
        for scalar in kitScalars {
            let opener = EnvelopeOpener(dataKey: try P256.KeyAgreement.PrivateKey(rawRepresentation: scalar))
            for envelope in envelopes {
                #expect(throws: EnvelopeError.cannotOpen) { try opener.open(envelope) }
            }
        }
        // Every file (and its SHA-256) as the AES key of the case store: nothing opens.
        let sealedCases = try await DatabaseQueue(path: copy + "/agent.sqlite").read { db in
            try Data.fetchAll(db, sql: "SELECT sealed FROM cases")
        }
        #expect(sealedCases.count == 1)
        var candidates = kitScalars.map { SymmetricKey(data: $0) }
        candidates += everything.values.map { SymmetricKey(data: Data(SHA256.hash(data: $0))) }
        for key in candidates {
            for sealed in sealedCases {
                let box = try AES.GCM.SealedBox(combined: sealed)
                #expect(throws: (any Error).self) { try AES.GCM.open(box, using: key) }
            }
        }
        // Locked, the case store refuses; a wrong secret is refused.
        await #expect(throws: CaseStoreError.self) { try await runtime.cases.snapshot(caseId: "case-1") }
        await #expect(throws: UnlockError.self) { try await runtime.lock.unlock(secret: "Falsches-Geheimnis") }
        // The positive controls: the server's key opens the queue, the clerk's secret the cases.
        let serverOpener = EnvelopeOpener(dataKey: serverDataKey)
        for envelope in envelopes {
            // Recorded while the set-up clerk had the kit: the stamp says so.
            #expect(StepPayload.recordedBy(try serverOpener.open(envelope)) == Clerk.firstClerk)
        }
        try await runtime.lock.unlock(secret: secret)
        #expect(try await runtime.cases.snapshot(caseId: "case-1").citizen.familyName == "Mustermann")
    }
}
