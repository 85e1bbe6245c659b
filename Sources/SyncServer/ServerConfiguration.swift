import KitCore
import Logging

/// How a sync server runs: where it listens, where its state lives, which store it uses.
///
/// Read from flags, `SYNC_SERVER_*` environment variables and an optional JSON file (see
/// ``LayeredConfiguration``); every value has a default that suits the embedded set-up.
public struct ServerConfiguration: Sendable, Equatable {
    /// Address to listen on. The default keeps the server on loopback until an operator opens it.
    public var host: String
    /// TCP port to listen on; 0 lets the system choose (tests).
    public var port: Int
    /// Folder for the database and keys.
    public var stateDirectory: String
    /// Which storage backend holds cases, envelopes and answers.
    public var storage: StorageKind
    /// Minimum level of log messages.
    public var logLevel: Logger.Level

    /// The storage backends a server can use.
    public enum StorageKind: String, Sendable, Equatable, CaseIterable {
        /// SQLite file `sync-server.sqlite` in the state directory (embedded default).
        case sqlite
    }

    /// Configuration keys, as used in the JSON file; the environment variable is
    /// `SYNC_SERVER_` + the key in upper case with `.` → `_` (e.g. `SYNC_SERVER_HTTP_PORT`).
    public enum Key {
        public static let host = "http.host"
        public static let port = "http.port"
        public static let stateDirectory = "stateDirectory"
        public static let storage = "storage"
        public static let logLevel = "log.level"
    }

    /// The environment prefix for ``LayeredConfiguration``.
    public static let environmentPrefix = "syncServer"
    /// Port used when none is configured.
    public static let defaultPort = 8480
    /// State directory used when none is configured.
    public static let defaultStateDirectory = "/var/lib/sync-server"

    public init(
        host: String = "127.0.0.1",
        port: Int = ServerConfiguration.defaultPort,
        stateDirectory: String = ServerConfiguration.defaultStateDirectory,
        storage: StorageKind = .sqlite,
        logLevel: Logger.Level = .info
    ) {
        self.host = host
        self.port = port
        self.stateDirectory = stateDirectory
        self.storage = storage
        self.logLevel = logLevel
    }

    /// Reads the configuration layers and validates every value.
    public init(_ config: LayeredConfiguration) throws(ConfigurationError) {
        self.init()
        if let host = config.string(Key.host) { self.host = host }
        if let port = try config.integer(Key.port, in: 0...65535) { self.port = port }
        if let directory = config.string(Key.stateDirectory) { self.stateDirectory = directory }
        if let storage = try config.choice(Key.storage, from: StorageKind.allCases.map(\.rawValue)),
            let kind = StorageKind(rawValue: storage)
        {
            self.storage = kind
        }
        if let level = try config.choice(Key.logLevel, from: Logger.Level.allCases.map(\.rawValue)),
            let parsed = Logger.Level(rawValue: level)
        {
            self.logLevel = parsed
        }
    }
}
