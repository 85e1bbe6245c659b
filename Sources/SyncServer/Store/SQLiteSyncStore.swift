import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so an answer the
/// server has sent survives a power cut of the server machine.
public final class SQLiteSyncStore: SyncStore {
    public let backendName = "sqlite"
    private let pool: DatabasePool
    private let path: String

    /// Opens (or creates) the database file and applies all pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.label = "sync-server"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(location: path, reason: SQLiteSyncStore.reason(error))
        }
        let migrator = SQLiteSyncStore.migrator
        for name in migrator.migrations {
            do {
                try migrator.migrate(pool, upTo: name)
            } catch {
                throw .migrationFailed(name: name, reason: SQLiteSyncStore.reason(error))
            }
        }
    }

    public func appliedMigrations() async throws(StoreError) -> [String] {
        do {
            let migrator = SQLiteSyncStore.migrator
            let applied = try await pool.read { db in try migrator.appliedIdentifiers(db) }
            return migrator.migrations.filter { applied.contains($0) }
        } catch {
            throw .unavailable(reason: SQLiteSyncStore.reason(error))
        }
    }

    public func checkHealth() async throws(StoreError) {
        do {
            _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        } catch {
            throw .unavailable(reason: SQLiteSyncStore.reason(error))
        }
    }

    public func close() async {
        try? pool.close()
    }

    /// The schema, as named migrations. Never edit a shipped migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-server-instance") { db in
            try db.create(table: "server_instance") { table in
                table.primaryKey("id", .text)
                table.column("created_at", .datetime).notNull()
            }
            try db.execute(
                sql: "INSERT INTO server_instance (id, created_at) VALUES (?, ?)",
                arguments: [UUID().uuidString.lowercased(), Date()])
        }
        return migrator
    }

    private static func reason(_ error: any Error) -> String {
        if let dbError = error as? DatabaseError {
            return dbError.message ?? dbError.resultCode.description
        }
        return String(describing: error)
    }
}
