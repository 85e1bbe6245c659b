/// What `GET /v1/version` on the sync server answers: enough for a kit and for IT staff to tell
/// which server, which API and which storage they talk to.
public struct ServerVersionInfo: Codable, Sendable, Equatable {
    /// Always `"sync-server"`; lets a kit notice that a URL points at something else.
    public var service: String
    /// Server release, e.g. `0.1.0`.
    public var version: String
    /// Kit ↔ server API version (see ``KitVersion/apiVersion``).
    public var apiVersion: Int
    /// Storage backend in use: `sqlite` or `postgresql`.
    public var storage: String
    /// Names of the schema migrations applied to the server database, oldest first.
    public var schemaMigrations: [String]
    /// What the server accepts per ingest request (nil from servers before it announced them).
    public var limits: IngestLimits?

    public init(
        service: String, version: String, apiVersion: Int, storage: String, schemaMigrations: [String],
        limits: IngestLimits? = nil
    ) {
        self.limits = limits
        self.service = service
        self.version = version
        self.apiVersion = apiVersion
        self.storage = storage
        self.schemaMigrations = schemaMigrations
    }

    /// The service name a sync server reports.
    public static let serviceName = "sync-server"
}
