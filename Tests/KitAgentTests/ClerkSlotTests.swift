import Crypto
import CryptoExtras
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Issue #17, acceptance 1: two clerks on one kit, each with an own key slot; every step and the
/// server's case view say who recorded it; hand-overs are transactions; a clerk revoked on the
/// server loses the key slot at the kit's next contact. Real sync server over loopback.
@Suite("Clerks on one kit: own key slots, recorded by, revocation")
struct ClerkSlotTests {
    static let anna = Clerk(id: "anna.schmidt", name: "Anna Schmidt")
    static let ben = Clerk(id: "ben.yilmaz", name: "Ben Yılmaz")
    static let annaSecret = "Annas-Geheimnis-1"
    static let benSecret = "Bens-Geheimnis-22"

    @Test func twoClerksRecordUnderTheirNamesAndARevokedClerkLosesTheSlot() async throws {
        let serverState = temporaryPath("clerk-server")
        let configuration = try await SyncExactlyOnceTests.configuration(
            .sqlite, state: serverState, port: 0, tls: true)
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let store = try await server.openStore()
        let serverKeys = try ServerKeys.loadOrCreate(in: try server.stateDirectory())
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-07", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        try await store.upsertCase(SyncClientTests.caseSnapshot("case-1"), assignedKit: "kit-07")

        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
            let caPEM = try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8)
            let directory = try StateDirectory.prepare(temporaryPath("clerk-kit"))
            try await Enrollment.enroll(
                stateDirectory: directory, serverURL: url, kitId: "kit-07", token: token, caCertificatePEM: caPEM)
            for clerk in [Self.anna, Self.ben] {
                try await store.addClerk(kitId: "kit-07", clerk: clerk, by: "it", at: Date())
            }
            let runtime = try KitRuntime(
                configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
                lockCost: .testing)
            let outbox = try #require(runtime.outbox)
            let client = SyncClient(runtime: runtime, logger: quietLogger())

            // Anna sets the kit up; IT adds Ben's slot while the kit is unlocked.
            try await runtime.initialize(secret: Self.annaSecret, clerk: Self.anna)
            try await runtime.lock.addClerk(Self.ben, secret: Self.benSecret)
            #expect(try await runtime.lock.clerks() == [Self.anna, Self.ben])
            #expect(try await client.syncNow().casesRefreshed == 1)
            _ = try outbox.enqueue(
                caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                payload: Array("{}".utf8))
            await runtime.lock.lock()
            #expect(runtime.lock.session.current == nil)

            // Ben cannot unlock with Anna's secret, nor Anna with Ben's.
            await #expect(throws: UnlockError.self) {
                try await runtime.unlock(secret: Self.annaSecret, clerkId: Self.ben.id)
            }
            await #expect(throws: UnlockError.self) {
                try await runtime.unlock(secret: Self.benSecret, clerkId: Self.anna.id)
            }
            try await runtime.unlock(secret: Self.benSecret, clerkId: Self.ben.id)
            #expect(await runtime.lock.status.clerk == Self.ben)
            _ = try outbox.enqueue(
                caseId: "case-1", kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                payload: Array("{}".utf8))
            let summary = try await client.syncNow()
            #expect(summary.acknowledged == 3)
            #expect(summary.parked == 0)

            // Each transaction names its clerk inside the sealed facts; the hand-over is its own.
            let opener = EnvelopeOpener(dataKey: serverKeys.dataKey)
            let opened = try outbox.envelopes().map { row in
                let envelope = try TransactionEnvelope(decoding: row.bytes)
                return (envelope.header, try opener.open(envelope))
            }
            #expect(opened.map(\.0.kind) == ["signature.captured", "kit.handed-over", "identity.checked"])
            #expect(opened.map { StepPayload.recordedBy($0.1) } == [Self.anna, Self.ben, Self.ben])
            let handOver = try StepPayload.facts(StepPayload.HandOver.self, from: opened[1].1)
            #expect(handOver == StepPayload.HandOver(from: Self.anna, to: Self.ben))
            #expect(opened[1].0.caseId == "kit:kit-07")

            // The server's case view shows who recorded each step.
            let detail = try #require(try await store.caseDetail(caseId: "case-1"))
            #expect(detail.steps.map(\.recordedBy) == [Self.anna, Self.ben])

            // Anna is revoked on the server: her slot goes at the next contact.
            #expect(try await store.revokeClerk(kitId: "kit-07", clerkId: Self.anna.id, by: "it", at: Date()))
            #expect(try await client.syncNow().clerksRemoved == 1)
            #expect(try await runtime.lock.clerks() == [Self.ben])
            await runtime.lock.lock()
            await #expect(throws: UnlockError.unknownClerk(Self.anna.id)) {
                try await runtime.unlock(secret: Self.annaSecret, clerkId: Self.anna.id)
            }
            await #expect(throws: UnlockError.self) { try await runtime.unlock(secret: Self.annaSecret, clerkId: nil) }
            // Nor can she be given a slot again on this kit.
            try await runtime.unlock(secret: Self.benSecret, clerkId: Self.ben.id)
            await #expect(throws: UnlockError.clerkRevoked(Self.anna.id)) {
                try await runtime.lock.addClerk(Self.anna, secret: Self.annaSecret, revoked: runtime.revokedClerks())
            }
            await #expect(throws: StoreError.self) {
                try await store.addClerk(kitId: "kit-07", clerk: Self.anna, by: "it", at: Date())
            }
            let actions = try await store.auditLog(limit: 50).map(\.action)
            #expect(actions.contains("clerk-added"))
            #expect(actions.contains("clerk-revoked"))
        }
        await store.close()
    }

    @Test func aRelabelledSlotDoesNotOpen() async throws {
        // A slot's clerk id is bound as associated data: renaming Anna's slot to Ben in the file
        // must not let Anna's secret unlock as Ben.
        let directory = try StateDirectory.prepare(temporaryPath("clerk-relabel"))
        let lock = KitLock(keys: try KitKeyStore(stateDirectory: directory), cost: .testing)
        try await lock.initialize(secret: Self.annaSecret, clerk: Self.anna)
        let path = directory.path + "/keys/key-slots.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: Self.anna.id, with: Self.ben.id)
            .replacingOccurrences(of: "Anna Schmidt", with: "Ben")
            .write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        await lock.lock()
        await #expect(throws: UnlockError.self) { try await lock.unlock(secret: Self.annaSecret, clerkId: Self.ben.id) }
    }

    @Test func aKitFromBeforeClerksStillUnlocksWithItsSecret() async throws {
        // storage.key.sealed of the single-secret format is read as the slot of clerk "bisher".
        let directory = try StateDirectory.prepare(temporaryPath("clerk-legacy"))
        let keys = try KitKeyStore(stateDirectory: directory)
        let salt = [UInt8](repeating: 7, count: 16)
        let wrapping = try KDF.Scrypt.deriveKey(
            from: Array("Altes-Geheimnis".utf8), salt: salt, outputByteCount: 32, rounds: 1 << 10, blockSize: 8,
            parallelism: 1)
        let storageKey = SymmetricKey(size: .bits256)
        let sealed = try AES.GCM.seal(
            storageKey.withUnsafeBytes { Data($0) }, using: wrapping,
            authenticating: Data("buergeramtskoffer storage key v1".utf8)
        ).combined
        struct Legacy: Encodable {
            var version = 1
            var kdf = "scrypt"
            var cost = KitLock.KDFCost.testing
            var salt: Data
            var sealed: Data?
        }
        let path = keys.directory + "/storage.key.sealed"
        FileManager.default.createFile(
            atPath: path, contents: try JSONEncoder().encode(Legacy(salt: Data(salt), sealed: sealed)),
            attributes: [.posixPermissions: 0o600])
        let lock = KitLock(keys: keys, cost: .testing)
        try await lock.unlock(secret: "Altes-Geheimnis")
        #expect(lock.session.current?.id == "bisher")
        // Adding a clerk moves the old slot into the slot file.
        try await lock.addClerk(Self.anna, secret: Self.annaSecret)
        #expect(!FileManager.default.fileExists(atPath: path))
        await lock.lock()
        try await lock.unlock(secret: "Altes-Geheimnis")
        try await lock.unlock(secret: Self.annaSecret, clerkId: Self.anna.id)
    }
}
