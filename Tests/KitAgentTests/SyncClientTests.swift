import Crypto
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import SyncServer
import Testing
import X509

/// The kit's sync client against a real sync server process-in-process over loopback HTTP.
@Suite("Kit sync client against a running sync server")
struct SyncClientTests {
    static func caseSnapshot(_ id: String) -> CaseSnapshot {
        CaseSnapshot(
            caseId: id, version: 1, title: "Ummeldung",
            citizen: .init(
                citizenId: "c-\(id)", givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1940-08-12",
                address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln")),
            steps: [.identify, .sign, .complete])
    }

    /// SQLite always; PostgreSQL when installed, or when CI is set (then a missing PostgreSQL fails).
    static var storages: [ServerConfiguration.StorageKind] {
        PostgresCluster.shouldRun ? [.sqlite, .postgresql] : [.sqlite]
    }

    /// Enrollment, replay and checkout over mutual TLS, on each store.
    @Test(arguments: storages)
    func enrollReplayCheckoutAndRetryAfterLostAnswers(storage: ServerConfiguration.StorageKind) async throws {
        let serverState = temporaryPath("server")
        let configuration = try await SyncExactlyOnceTests.configuration(
            storage, state: serverState, port: 0, tls: true)
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let store = try await server.openStore()
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-sync", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        for id in ["case-1", "case-2", "case-3"] {
            try await store.upsertCase(Self.caseSnapshot(id), assignedKit: "kit-sync")
        }

        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
            let caPEM = try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8)
            let directory = try StateDirectory.prepare(temporaryPath("kit"))
            // Before enrollment the outbox cannot seal: it says why.
            let before = try KitRuntime(
                configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
                lockCost: .testing)
            #expect(before.outbox == nil)
            #expect(before.outboxProblem?.contains("enroll") == true)

            // A wrong token is refused clearly.
            await #expect(throws: AgentError.self) {
                try await Enrollment.enroll(
                    stateDirectory: directory, serverURL: url, kitId: "kit-sync", token: "wrong",
                    caCertificatePEM: caPEM)
            }
            // Over https the kit needs the CA out of band, and a server with another CA is not trusted
            // (the token is not spent on it).
            await #expect(throws: AgentError.self) {
                try await Enrollment.enroll(
                    stateDirectory: directory, serverURL: url, kitId: "kit-sync", token: token, caCertificatePEM: nil)
            }
            let otherCA = try KitCertificateAuthority.loadOrCreate(keysDirectory: temporaryPath("other-ca"))
            do {
                try await Enrollment.enroll(
                    stateDirectory: directory, serverURL: url, kitId: "kit-sync", token: token,
                    caCertificatePEM: otherCA.certificatePEM)
                Issue.record("enrolled with a server whose CA was not pinned")
            } catch let error as AgentError {
                #expect(error.description.contains("TLS handshake failed"))
            }
            let credentials = try await Enrollment.enroll(
                stateDirectory: directory, serverURL: url, kitId: "kit-sync", token: token, caCertificatePEM: caPEM)
            #expect(credentials.kitId == "kit-sync")
            let identity = try #require(try KitTLSIdentity.load(from: try KitKeyStore(stateDirectory: directory)))
            #expect(identity.clientCertificate.issuer == identity.authority.subject)
            for file in ["tls-client.key", "tls-client.pem", "server-ca.pem"] {
                let mode = try FileManager.default.attributesOfItem(atPath: directory.path + "/keys/" + file)
                #expect((mode[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            }

            let runtime = try KitRuntime(
                configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
                lockCost: .testing)
            let outbox = try #require(runtime.outbox)
            #expect(runtime.kitId == "kit-sync")
            try await runtime.lock.initialize(secret: "Mainzer-Rad-2026")
            for index in 0..<250 {
                _ = try outbox.enqueue(
                    caseId: "case-\(index % 3 + 1)", kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                    payload: Array("{}".utf8))
            }
            let client = SyncClient(runtime: runtime, logger: quietLogger(), batchSize: 100)
            let summary = try await client.syncNow()
            #expect(summary.acknowledged == 250)
            #expect(summary.parked == 0)
            #expect(summary.casesRefreshed == 3)
            #expect(try outbox.stats().queueDepth == 0)
            #expect(try await runtime.cases.snapshot(caseId: "case-2") == Self.caseSnapshot("case-2"))

            // Lost answers: the kit thinks 10 transactions were never answered and sends them
            // again; the server answers duplicate and applies nothing twice.
            for seq in UInt64(241)...250 { try outbox.record(answer: "", for: seq, state: .pending) }
            let retry = try await client.syncNow()
            #expect(retry.acknowledged == 10)
            #expect(try outbox.entry(seq: 245).answer == "duplicate")
            let kits = try await store.kits()
            #expect(kits.first?.lastSeq == 250)
            #expect(kits.first?.report?.agentVersion == KitVersion.release)
            // The fleet view shows the queue after the answers, not before the last batch.
            #expect(kits.first?.report?.queueDepth == 0)
            #expect(store.backendName == storage.rawValue)

            // A conflict is parked and does not block what comes after it.
            _ = try outbox.enqueue(
                caseId: "case-unknown", kind: TransactionKind.caseCompleted.rawValue, baseVersion: 1, payload: [])
            _ = try outbox.enqueue(
                caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1, payload: [])
            let mixed = try await client.syncNow()
            #expect(mixed.parked == 1)
            #expect(mixed.acknowledged == 1)
            #expect(try outbox.entry(seq: 251).state == .parked)
            #expect(try outbox.entry(seq: 251).parkReason?.contains("unknown to the server") == true)
            #expect(try outbox.entry(seq: 252).state == .acknowledged)
        }
        await store.close()
    }

    @Test func unreachableServerIsATypedError() async throws {
        let silent = try ListeningSocket()
        let directory = try StateDirectory.prepare(temporaryPath("kit-offline"))
        let url = try AgentConfiguration.parseServerURL("http://127.0.0.1:\(silent.port)")
        let keys = try KitKeyStore(stateDirectory: directory)
        try keys.installServerDataKey(P256.KeyAgreement.PrivateKey().publicKey)
        try KitCredentials(kitId: "kit-x", apiToken: "t", serverURL: url.absoluteString).save(to: keys)
        let runtime = try KitRuntime(
            configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
            lockCost: .testing)
        _ = try #require(runtime.outbox).enqueue(caseId: "c", kind: "case.completed", baseVersion: 1, payload: [])
        let client = SyncClient(runtime: runtime, logger: quietLogger(), timeout: 0.5)
        do {
            try await client.syncNow()
            Issue.record("sync succeeded without a server")
        } catch {
            guard case .unreachable = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
        // Nothing was lost: the transaction waits to be sent again. The request may have reached a
        // server that did not answer, so it counts as sent.
        #expect(try #require(runtime.outbox).stats().queueDepth == 1)
        #expect(try #require(runtime.outbox).entry(seq: 1).state == .sent)
    }

    @Test func aBatchThatFoundNoServerStaysPending() async throws {
        let directory = try StateDirectory.prepare(temporaryPath("kit-refused"))
        let url = try AgentConfiguration.parseServerURL("http://127.0.0.1:9")  // nothing listens on discard
        let keys = try KitKeyStore(stateDirectory: directory)
        try keys.installServerDataKey(P256.KeyAgreement.PrivateKey().publicKey)
        try KitCredentials(kitId: "kit-x", apiToken: "t", serverURL: url.absoluteString).save(to: keys)
        let runtime = try KitRuntime(
            configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
            lockCost: .testing)
        let outbox = try #require(runtime.outbox)
        _ = try outbox.enqueue(caseId: "c", kind: "case.completed", baseVersion: 1, payload: [])
        let client = SyncClient(runtime: runtime, logger: quietLogger(), timeout: 2)
        await #expect(throws: SyncError.self) { try await client.syncNow() }
        let entry = try outbox.entry(seq: 1)
        #expect(entry.state == .pending)
        // `attempts` counts requests the server saw: one that never left the kit is not an attempt
        // (so a batch recorded while the server was away reads "sent once" after delivery).
        #expect(entry.attempts == 0)
        await #expect(throws: SyncError.self) { try await client.syncNow() }
        #expect(try outbox.entry(seq: 1).attempts == 0)
    }
}
