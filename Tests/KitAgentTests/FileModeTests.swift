import Foundation
import KitAgent
import KitCore
import KitTestSupport
import SyncServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Databases and key files are readable by their owner only, whatever the umask the program
/// was started with. The umask is process-wide, so these run one after the other.
@Suite("File modes: databases and keys 0600 whatever the umask", .serialized)
struct FileModeTests {
    static func mode(_ path: String) -> Int? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test(arguments: [0o022, 0o000] as [mode_t])
    func serverAndKitFilesAreOwnerOnly(umask newMask: mode_t) async throws {
        let previous = umask(newMask)
        defer { umask(previous) }

        let serverState = try StateDirectory.prepare(temporaryPath("modes-server"))
        let store = try SQLiteSyncStore(path: serverState.appending("sync-server.sqlite"))
        let keys = try ServerKeys.loadOrCreate(in: serverState)
        _ = try ServerTLSIdentity.loadOrCreate(
            keysDirectory: keys.directory, authority: keys.authority, hostnames: ["localhost"])
        let serverFiles = [
            "sync-server.sqlite", "sync-server.sqlite-wal", "sync-server.sqlite-shm", "keys/admin.token",
            "keys/data-key.pem", "keys/kit-ca.key", "keys/tls-server.key",
        ]
        for file in serverFiles {
            #expect(Self.mode(serverState.appending(file)) == 0o600, "\(file) with umask \(String(newMask, radix: 8))")
        }
        #expect(Self.mode(serverState.appending("keys")) == 0o700)
        await store.close()

        let kitState = try StateDirectory.prepare(temporaryPath("modes-kit"))
        let database = try AgentDatabase(path: kitState.appending("agent.sqlite"))
        let kitKeys = try KitKeyStore(stateDirectory: kitState)
        _ = try kitKeys.signingKey()
        _ = try kitKeys.kitId(configured: nil)
        for file in ["agent.sqlite", "agent.sqlite-wal", "agent.sqlite-shm", "keys/signing.key", "keys/kit-id"] {
            #expect(Self.mode(kitState.appending(file)) == 0o600, "\(file) with umask \(String(newMask, radix: 8))")
        }
        _ = database
    }
}
