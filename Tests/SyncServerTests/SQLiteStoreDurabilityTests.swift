import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Issue #19: the server's embedded store answers a kit only after the commit is on disk. The
/// pragmas are read back from the writer connection, so `synchronous=OFF` patched in fails here
/// (the SIGKILL tests cannot notice it: the page cache survives a killed process).
@Suite("SQLite sync store: commit settings read back")
struct SQLiteStoreDurabilityTests {
    @Test("the writer connection uses WAL, synchronous=FULL and secure_delete")
    func writerIsDurable() async throws {
        let state = try StateDirectory.prepare(temporaryPath("server-durability"))
        let store = try SQLiteSyncStore(path: state.appending("sync-server.sqlite"))
        let durability = try await store.durability()
        await store.close()
        #expect(durability.commitsAreDurable, "\(durability)")
        #expect(durability.synchronous == 2, "\(durability)")
        #expect(durability.journalMode == "wal", "\(durability)")
        #expect(durability.secureDelete, "\(durability)")
    }

    @Test("SQLiteDurability tells a durable setting from the ones that lose commits")
    func durabilityJudgement() {
        #expect(SQLiteDurability(journalMode: "wal", synchronous: 2, secureDelete: true).commitsAreDurable)
        #expect(SQLiteDurability(journalMode: "WAL", synchronous: 3, secureDelete: false).commitsAreDurable)
        #expect(!SQLiteDurability(journalMode: "wal", synchronous: 1, secureDelete: true).commitsAreDurable)
        #expect(!SQLiteDurability(journalMode: "wal", synchronous: 0, secureDelete: true).commitsAreDurable)
        #expect(!SQLiteDurability(journalMode: "memory", synchronous: 2, secureDelete: true).commitsAreDurable)
        #expect(
            SQLiteDurability(journalMode: "wal", synchronous: 0, secureDelete: false).description
                == "journal_mode=wal synchronous=OFF secure_delete=OFF")
    }
}
