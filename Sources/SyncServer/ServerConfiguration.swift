import Foundation
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
    /// The PostgreSQL database when ``storage`` is ``StorageKind/postgresql``.
    public var postgres: PostgresSyncStore.Configuration?
    /// TLS with kit client certificates. Only for local development may it be turned off
    /// (`tls.enabled=false`): kits then authenticate with their API token alone over plain HTTP.
    public var tlsEnabled: Bool
    /// Host names and IP addresses the server's TLS certificate is issued for (`tls.hostnames`).
    public var tlsHostnames: [String]
    /// Validity of the kit client certificates issued at enrollment, in days.
    public var clientCertificateDays: Int
    /// What one ingest request may carry (`ingest.maxRequestBytes`), announced to kits.
    public var ingestLimits: IngestLimits
    /// Ingest batches decided at once (`ingest.maxConcurrentBatches`, default two per core); more
    /// wait in line (``IngestAdmission``).
    public var ingestMaxConcurrentBatches = 2 * ProcessInfo.processInfo.activeProcessorCount
    /// Seconds a batch waits in line before the kit is told 503 with Retry-After
    /// (`ingest.admissionWait`, default 2; 0 turns away at once).
    public var ingestAdmissionWait = 2.0
    /// Connection timeouts and limits (`http.idleTimeout`, `http.maxConnections`, …).
    public var connections = ConnectionLimits()
    /// Days after every receiving procedure accepted a case's dossiers until its evidence is
    /// deleted (`handoff.retentionDays`, default 30; 0 deletes at the next retention run).
    public var handoffRetentionDays = 30
    /// Seconds between runs of the hand-off maintenance (waiting dossiers built, expired evidence
    /// deleted; `handoff.maintenanceInterval`, default 300).
    public var handoffMaintenanceInterval = 300.0
    /// Push delivery to consumers with a push endpoint (`handoff.push*`).
    public var push = PushSettings()

    /// The storage backends a server can use.
    public enum StorageKind: String, Sendable, Equatable, CaseIterable {
        /// SQLite file `sync-server.sqlite` in the state directory (embedded default).
        case sqlite
        /// A PostgreSQL database shared by several server processes (`postgres.url`).
        case postgresql
    }

    /// Configuration keys, as used in the JSON file; the environment variable is
    /// `SYNC_SERVER_` + the key in upper case with `.` → `_` (e.g. `SYNC_SERVER_HTTP_PORT`).
    public enum Key {
        public static let host = "http.host"
        public static let port = "http.port"
        public static let stateDirectory = "stateDirectory"
        public static let storage = "storage"
        public static let logLevel = "log.level"
        /// `postgresql://user@host:port/database?sslmode=require` (password better in the file below).
        public static let postgresURL = "postgres.url"
        /// A file holding the database password (mode 0600), read when the URL has none.
        public static let postgresPasswordFile = "postgres.passwordFile"
        /// Most connections of this server process.
        public static let postgresMaxConnections = "postgres.maxConnections"
        /// `true` (default) or `false` for local development only.
        public static let tlsEnabled = "tls.enabled"
        /// Comma-separated host names and IP addresses kits use to reach the server.
        public static let tlsHostnames = "tls.hostnames"
        /// Validity of kit client certificates in days (default 365).
        public static let clientCertificateDays = "tls.clientCertificateDays"
        /// Most bytes of one ingest request body (default 64 MiB); kits fill requests up to it and
        /// refuse to record a transaction that would not fit alone.
        public static let ingestMaxRequestBytes = "ingest.maxRequestBytes"
        /// Ingest batches decided at once (default two per core); the rest wait in line.
        public static let ingestMaxConcurrentBatches = "ingest.maxConcurrentBatches"
        /// Seconds a batch waits for a slot before "busy, come back" (503 Retry-After; default 2).
        public static let ingestAdmissionWait = "ingest.admissionWait"
        /// Days to keep a case's evidence after all its receivers accepted (default 30, 0 allowed).
        public static let handoffRetentionDays = "handoff.retentionDays"
        /// Seconds between hand-off maintenance runs (default 300).
        public static let handoffMaintenanceInterval = "handoff.maintenanceInterval"
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
        logLevel: Logger.Level = .info,
        postgres: PostgresSyncStore.Configuration? = nil,
        tlsEnabled: Bool = true,
        tlsHostnames: [String] = ServerConfiguration.defaultTLSHostnames,
        clientCertificateDays: Int = 365,
        ingestLimits: IngestLimits = .default
    ) {
        self.ingestLimits = ingestLimits
        self.host = host
        self.port = port
        self.stateDirectory = stateDirectory
        self.storage = storage
        self.logLevel = logLevel
        self.postgres = postgres
        self.tlsEnabled = tlsEnabled
        self.tlsHostnames = tlsHostnames
        self.clientCertificateDays = clientCertificateDays
    }

    /// Names in the server certificate when none are configured.
    public static let defaultTLSHostnames = ["localhost", "127.0.0.1"]

    /// `https` with TLS, `http` without.
    public var scheme: String { tlsEnabled ? "https" : "http" }

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
        if let enabled = try config.choice(Key.tlsEnabled, from: ["true", "false"]) {
            tlsEnabled = enabled == "true"
        }
        if let names = config.string(Key.tlsHostnames) {
            let list = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            guard !list.isEmpty else {
                throw .invalidValue(
                    key: Key.tlsHostnames, value: names, expected: "comma-separated host names or IP addresses")
            }
            tlsHostnames = list
        }
        if let days = try config.integer(Key.clientCertificateDays, in: 1...3650) {
            clientCertificateDays = days
        }
        // At least room for the request frame and a small envelope; at most 1 GiB.
        if let bytes = try config.integer(
            Key.ingestMaxRequestBytes, in: (IngestLimits.requestOverhead + 1024)...(1 << 30))
        {
            ingestLimits = IngestLimits(maxRequestBytes: bytes)
        }
        if let batches = try config.integer(Key.ingestMaxConcurrentBatches, in: 1...1024) {
            ingestMaxConcurrentBatches = batches
        }
        if let seconds = try config.seconds(Key.ingestAdmissionWait, in: 0...60) {
            ingestAdmissionWait = seconds
        }
        if let days = try config.integer(Key.handoffRetentionDays, in: 0...3650) {
            handoffRetentionDays = days
        }
        if let seconds = try config.seconds(Key.handoffMaintenanceInterval, in: 1...86_400) {
            handoffMaintenanceInterval = seconds
        }
        if let url = config.string(Key.postgresURL) {
            do {
                var postgres = try PostgresSyncStore.Configuration(url: url)
                if postgres.password == nil, let path = config.string(Key.postgresPasswordFile) {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw ConfigurationError.fileUnreadable(path: path, reason: "cannot read the password file")
                    }
                    postgres.password = String(decoding: data, as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                if let connections = try config.integer(Key.postgresMaxConnections, in: 1...500) {
                    postgres.maximumConnections = connections
                }
                self.postgres = postgres
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw .invalidValue(
                    key: Key.postgresURL, value: PostgresSyncStore.Configuration.redacting(url),
                    expected: String(describing: error))
            }
        }
        connections = try ConnectionLimits(config)
        push = try PushSettings(config)
        if storage == .postgresql && postgres == nil {
            throw .missing(key: Key.postgresURL, hint: "storage=postgresql needs the database's URL")
        }
    }
}
