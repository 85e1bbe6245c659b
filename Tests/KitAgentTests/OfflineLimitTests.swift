import Foundation
import KitAgent
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Issue #17, acceptance 4: a kit that has not reached its sync server for longer than allowed
/// refuses new unlocks with a German sentence until it has been online again.
@Suite("Offline too long: unlock refused until the server was reached")
struct OfflineLimitTests {
    static let secret = "Mainzer-Rad-2026"

    @Test func unlockIsRefusedAfterTwoSecondsOfflineAndWorksAgainAfterASync() async throws {
        let serverState = temporaryPath("offline-server")
        let configuration = try await SyncExactlyOnceTests.configuration(
            .sqlite, state: serverState, port: 0, tls: true)
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let store = try await server.openStore()
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-offline", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))

        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
            let caPEM = try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8)
            let directory = try StateDirectory.prepare(temporaryPath("offline-kit"))
            try await Enrollment.enroll(
                stateDirectory: directory, serverURL: url, kitId: "kit-offline", token: token,
                caCertificatePEM: caPEM)
            var agentConfiguration = AgentConfiguration(stateDirectory: directory.path, serverURL: url)
            agentConfiguration.maximumOfflineInterval = 2
            let runtime = try KitRuntime(configuration: agentConfiguration, directory: directory, lockCost: .testing)
            try await runtime.lock.initialize(secret: Self.secret)
            await runtime.lock.lock()
            // Just enrolled: within the limit.
            try await runtime.lock.unlock(secret: Self.secret)
            await runtime.lock.lock()

            try await Task.sleep(for: .milliseconds(2500))
            for _ in 0..<2 {
                do {
                    try await runtime.lock.unlock(secret: Self.secret)
                    Issue.record("unlocked after more than 2 s offline")
                } catch let error as UnlockError {
                    guard case .offlineTooLong(_, let limit) = error else {
                        Issue.record("unexpected error \(error)")
                        continue
                    }
                    #expect(limit == 2)
                    #expect(error.description.hasPrefix("Der Koffer war seit "))
                    #expect(error.description.contains("nicht mehr mit dem Server verbunden (erlaubt sind 2 Sekunden)"))
                    #expect(error.description.contains("danach lässt er sich wieder entsperren"))
                }
            }
            // No wrong-secret attempt was counted for the refusals.
            #expect(await runtime.lock.status.failedAttempts == 0)

            _ = try await SyncClient(runtime: runtime, logger: quietLogger()).syncNow()
            try await runtime.lock.unlock(secret: Self.secret)
            #expect(await runtime.lock.status.unlocked)
        }
        await store.close()
    }

    @Test func aClockSetBackBeforeTheLastContactCountsAsOffline() async throws {
        let directory = try StateDirectory.prepare(temporaryPath("offline-clock"))
        let lock = KitLock(keys: try KitKeyStore(stateDirectory: directory), cost: .testing, maximumOffline: 3600)
        try await lock.initialize(secret: Self.secret)
        await lock.recordServerContact(at: Date())
        await #expect(throws: UnlockError.self) {
            try await lock.unlock(secret: Self.secret, now: Date().addingTimeInterval(-86400))
        }
        try await lock.unlock(secret: Self.secret, now: Date().addingTimeInterval(60))
    }

    @Test func aKitWithoutARecordedContactStartsTheClockInsteadOfLockingOut() async throws {
        let directory = try StateDirectory.prepare(temporaryPath("offline-new"))
        let lock = KitLock(keys: try KitKeyStore(stateDirectory: directory), cost: .testing, maximumOffline: 3600)
        try await lock.initialize(secret: Self.secret)
        try await lock.unlock(secret: Self.secret)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/keys/last-contact"))
        await #expect(throws: UnlockError.self) {
            try await lock.unlock(secret: Self.secret, now: Date().addingTimeInterval(7200))
        }
    }

    @Test func theGermanDurationsReadNaturally() {
        #expect(UnlockError.germanDuration(14 * 86400) == "14 Tage")
        #expect(UnlockError.germanDuration(3600) == "1 Stunde")
        #expect(UnlockError.germanDuration(2) == "2 Sekunden")
    }
}
