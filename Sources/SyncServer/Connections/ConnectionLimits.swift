import KitCore

/// How long a connection may take for each stage and how many connections the server keeps open:
/// the defences against slow or idle clients holding the server's descriptors (slowloris, TLS
/// handshakes never started) and against one address taking every connection.
///
/// Every value is a configuration key (`http.*`, `tls.handshakeTimeout`, `memory.trimInterval`)
/// with a default that suits kits on a mobile VPN link.
public struct ConnectionLimits: Sendable, Equatable {
    /// Seconds a kept-alive connection may wait for its next request before it is closed.
    public var idleTimeout: Double
    /// Seconds from the first byte of a request (for the first request: from the accept) until its
    /// whole header has arrived.
    public var headerTimeout: Double
    /// Seconds a request body may make no progress (no bytes arrive) before the connection is closed.
    public var bodyTimeout: Double
    /// Seconds from the accept until the TLS handshake has completed.
    public var tlsHandshakeTimeout: Double
    /// Most connections open at once; more are closed right after the accept. Kept below the
    /// process's descriptor limit (``DescriptorLimit``).
    public var maximumConnections: Int
    /// Most connections open at once from one client address.
    public var maximumConnectionsPerAddress: Int
    /// Seconds between returns of freed heap memory to the system (glibc `malloc_trim`); 0 turns it off.
    public var memoryTrimInterval: Double

    /// Configuration keys; the environment variable is `SYNC_SERVER_` + the key in upper case.
    public enum Key {
        public static let idleTimeout = "http.idleTimeout"
        public static let headerTimeout = "http.headerTimeout"
        public static let bodyTimeout = "http.bodyTimeout"
        public static let tlsHandshakeTimeout = "tls.handshakeTimeout"
        public static let maximumConnections = "http.maxConnections"
        public static let maximumConnectionsPerAddress = "http.maxConnectionsPerAddress"
        public static let memoryTrimInterval = "memory.trimInterval"
    }

    public init(
        idleTimeout: Double = 60, headerTimeout: Double = 10, bodyTimeout: Double = 30,
        tlsHandshakeTimeout: Double = 10, maximumConnections: Int = 4096, maximumConnectionsPerAddress: Int = 256,
        memoryTrimInterval: Double = 30
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
        self.memoryTrimInterval = memoryTrimInterval
    }

    /// Reads the keys from the configuration layers; unset keys keep their defaults.
    public init(_ config: LayeredConfiguration) throws(ConfigurationError) {
        self.init()
        if let value = try config.seconds(Key.idleTimeout, in: 0.1...3600) { idleTimeout = value }
        if let value = try config.seconds(Key.headerTimeout, in: 0.1...600) { headerTimeout = value }
        if let value = try config.seconds(Key.bodyTimeout, in: 0.1...3600) { bodyTimeout = value }
        if let value = try config.seconds(Key.tlsHandshakeTimeout, in: 0.1...600) { tlsHandshakeTimeout = value }
        if let value = try config.integer(Key.maximumConnections, in: 1...1_000_000) { maximumConnections = value }
        if let value = try config.integer(Key.maximumConnectionsPerAddress, in: 1...1_000_000) {
            maximumConnectionsPerAddress = value
        }
        if let value = try config.seconds(Key.memoryTrimInterval, in: 0...86_400) { memoryTrimInterval = value }
    }
}
