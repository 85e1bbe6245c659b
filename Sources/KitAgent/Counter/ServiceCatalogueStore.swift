import Foundation
import GRDB
import KitCore

/// The kit's copy of the city's service catalogue (issue #20), kept in the agent database's
/// `sync_state` beside the server limits: no personal data, so not encrypted, and readable
/// offline when a walk-in case is opened.
public struct ServiceCatalogueStore: Sendable {
    let database: AgentDatabase
    static let key = "service-catalogue"

    public init(database: AgentDatabase) {
        self.database = database
    }

    /// Keeps `catalogue` unless the kit holds the same or a newer version.
    public func keep(_ catalogue: ServiceCatalogue) throws(StorageError) {
        if let current = try load(), current.version >= catalogue.version { return }
        let json: String
        do { json = String(decoding: try JSONEncoder().encode(catalogue), as: UTF8.self) } catch {
            throw .failed(operation: "store service catalogue", reason: "\(error)")
        }
        do {
            try database.queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO sync_state (key, value) VALUES (?, ?)
                        ON CONFLICT(key) DO UPDATE SET value = excluded.value
                        """,
                    arguments: [Self.key, json])
            }
        } catch {
            throw StorageError(error, path: database.path, operation: "store service catalogue")
        }
    }

    /// The catalogue last handed out by the server; nil before the first checkout.
    public func load() throws(StorageError) -> ServiceCatalogue? {
        let json: String?
        do {
            json = try database.queue.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM sync_state WHERE key = ?", arguments: [Self.key])
            }
        } catch {
            throw StorageError(error, path: database.path, operation: "read service catalogue")
        }
        guard let json else { return nil }
        // A damaged copy is as good as none: the next checkout brings it again.
        return try? JSONDecoder().decode(ServiceCatalogue.self, from: Data(json.utf8))
    }
}
