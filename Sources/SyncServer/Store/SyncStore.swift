/// The sync server's storage: one protocol, one implementation per database (SQLite embedded,
/// PostgreSQL for production). Every implementation runs the same conformance tests.
public protocol SyncStore: Sendable {
    /// Short name of the backend, reported in `/v1/version` (`sqlite`, `postgresql`).
    var backendName: String { get }
    /// Names of the schema migrations applied, oldest first.
    func appliedMigrations() async throws(StoreError) -> [String]
    /// A cheap round trip to the database; throws when it cannot answer.
    func checkHealth() async throws(StoreError)
    /// Releases connections and files.
    func close() async
}

/// A storage failure, worded for IT staff.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database cannot be opened or created.
    case cannotOpen(location: String, reason: String)
    /// The schema cannot be brought up to date.
    case migrationFailed(name: String, reason: String)
    /// The database was reachable once but a query failed now.
    case unavailable(reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let location, let reason):
            return "database \(location) cannot be opened: \(reason)"
        case .migrationFailed(let name, let reason):
            return "database schema migration \(name) failed: \(reason)"
        case .unavailable(let reason):
            return "database does not answer: \(reason)"
        }
    }
}
