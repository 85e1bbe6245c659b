import Foundation
import PostgresNIO

extension PostgresSyncStore {
    /// Where the PostgreSQL database is and how to reach it. Read from a libpq-style connection
    /// URL (`postgresql://user:password@host:port/database?sslmode=require`, PostgreSQL manual
    /// §34.1.1 "Connection URIs") or set field by field.
    public struct Configuration: Sendable, Equatable {
        /// Transport security to the database (PostgreSQL manual §34.19.1 "sslmode").
        public enum TLSMode: String, Sendable, CaseIterable {
            /// Plain TCP (loopback or a private network only).
            case disable
            /// TLS when the server offers it, plain otherwise.
            case prefer
            /// TLS required, certificate and host name verified against the system trust store
            /// (libpq's `verify-full`; `require` and `verify-ca` are read as this too).
            case require
        }

        /// Host name or address; a value starting with `/` is the directory of the server's Unix
        /// socket (e.g. `/var/run/postgresql`).
        public var host: String
        public var port: Int
        public var username: String
        /// Nil: no password (trust or peer authentication).
        public var password: String?
        public var database: String
        public var tls: TLSMode
        /// Most connections one server process opens (PostgreSQL's own limit is shared by all
        /// server processes: keep processes × this below `max_connections`).
        public var maximumConnections: Int
        /// How long opening the store waits for a first connection.
        public var connectTimeout: Duration

        public init(
            host: String = "127.0.0.1", port: Int = 5432, username: String = "sync_server", password: String? = nil,
            database: String = "sync_server", tls: TLSMode = .prefer, maximumConnections: Int = 10,
            connectTimeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
            self.maximumConnections = maximumConnections
            self.connectTimeout = connectTimeout
        }

        /// Reads a connection URL: scheme `postgresql` or `postgres`; user, password, host, port
        /// and database from the URL (percent-encoded); query parameters `sslmode`
        /// (disable, allow, prefer, require, verify-ca, verify-full) and `host` (a socket
        /// directory). Anything else is refused, so a typo does not silently weaken the set-up.
        public init(url: String) throws(StoreError) {
            func refuse(_ reason: String) -> StoreError {
                .invalid(reason: "PostgreSQL URL \(Configuration.redacting(url)): \(reason)")
            }
            guard let components = URLComponents(string: url) else { throw refuse("not a URL") }
            guard let scheme = components.scheme?.lowercased(), scheme == "postgresql" || scheme == "postgres" else {
                throw refuse("the scheme must be postgresql://")
            }
            self.init()
            if let host = components.host, !host.isEmpty { self.host = host }
            if let port = components.port {
                guard (1...65535).contains(port) else { throw refuse("port \(port) is out of range") }
                self.port = port
            }
            if let user = components.user, !user.isEmpty { username = user }
            password = components.password
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            if !path.isEmpty {
                guard !path.contains("/") else { throw refuse("the database name must not contain '/'") }
                database = path
            } else {
                database = username
            }
            for item in components.queryItems ?? [] {
                let value = item.value ?? ""
                switch item.name {
                case "sslmode":
                    switch value {
                    case "disable": tls = .disable
                    case "allow", "prefer": tls = .prefer
                    case "require", "verify-ca", "verify-full": tls = .require
                    default: throw refuse("sslmode \(value) is not one of disable, prefer, require, verify-full")
                    }
                case "host":
                    guard value.hasPrefix("/") else { throw refuse("the host parameter must be a socket directory") }
                    host = value
                default:
                    throw refuse("unknown parameter \(item.name)")
                }
            }
        }

        /// The database as operators name it in messages, without the password.
        public var location: String {
            host.hasPrefix("/")
                ? "postgresql://\(username)@/\(database)?host=\(host)&port=\(port)"
                : "postgresql://\(username)@\(host):\(port)/\(database)"
        }

        /// PostgresNIO's configuration for these settings.
        func clientConfiguration() -> PostgresClient.Configuration {
            var configuration: PostgresClient.Configuration
            if host.hasPrefix("/") {
                let directory = host.hasSuffix("/") ? String(host.dropLast()) : host
                configuration = PostgresClient.Configuration(
                    unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: username, password: password,
                    database: database)
            } else {
                let mode: PostgresClient.Configuration.TLS
                switch tls {
                case .disable: mode = .disable
                case .prefer: mode = .prefer(.makeClientConfiguration())
                case .require: mode = .require(.makeClientConfiguration())
                }
                configuration = PostgresClient.Configuration(
                    host: host, port: port, username: username, password: password, database: database, tls: mode)
            }
            configuration.options.maximumConnections = max(1, maximumConnections)
            configuration.options.minimumConnections = 0
            configuration.options.connectTimeout = connectTimeout
            return configuration
        }

        /// The same settings for one connection outside the pool (the start-up probe).
        func connectionConfiguration() throws -> PostgresConnection.Configuration {
            var configuration: PostgresConnection.Configuration
            if host.hasPrefix("/") {
                let directory = host.hasSuffix("/") ? String(host.dropLast()) : host
                configuration = PostgresConnection.Configuration(
                    unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: username, password: password,
                    database: database)
            } else {
                let mode: PostgresConnection.Configuration.TLS
                switch tls {
                case .disable: mode = .disable
                case .prefer: mode = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: mode = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
                configuration = PostgresConnection.Configuration(
                    host: host, port: port, username: username, password: password, database: database, tls: mode)
            }
            let (seconds, attoseconds) = connectTimeout.components
            configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            return configuration
        }

        /// A URL with its password replaced, for error messages.
        static func redacting(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "(URL)"
        }
    }
}
