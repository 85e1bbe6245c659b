import Foundation
import KitCore
import KitDrivers
import Logging

/// How the kit agent runs: where its state lives, which sync server it talks to, which loopback
/// port its local API uses.
///
/// Read from flags, `KIT_AGENT_*` environment variables and an optional JSON file (see
/// ``LayeredConfiguration``).
public struct AgentConfiguration: Sendable, Equatable {
    /// Folder for the outbox, the encrypted case store, keys and runtime files.
    public var stateDirectory: String
    /// Base URL of the sync server, e.g. `https://sync.stadt.example:8443`.
    public var serverURL: URL
    /// Loopback port of the local API; 0 lets the system choose.
    public var apiPort: Int
    /// Seconds between two probes of the sync server.
    public var probeInterval: Double
    /// Seconds a probe may take before the server counts as unreachable.
    public var probeTimeout: Double
    /// Minimum level of log messages.
    public var logLevel: Logger.Level
    /// The kit's identity; when not configured, a random one is created and kept.
    public var kitId: String?
    /// PEM file with the sync server's data public key (payloads are sealed to it); when not
    /// configured, the key installed at enrollment (`keys/server-data-key.pem`) is used.
    public var serverDataKeyFile: String?
    /// Seconds without activity after which the kit locks itself.
    public var lockIdleTimeout: Double
    /// Seconds a kit may go without reaching its sync server before it refuses new unlocks
    /// (issue #17: a lost kit stops working even if it never comes online); default 14 days.
    public var maximumOfflineInterval: Double = 14 * 86400
    /// Seconds an acknowledged transaction's sealed payload is kept (re-send to a server restored
    /// from backup) before it is shredded.
    public var outboxRetention: Double
    /// Folder with the Änderungsterminal's certificate chains and key (one chain: cvca.cvcert, dv.cvcert,
    /// terminal.cvcert, terminal.pkcs8; or a store with `chains/` and `links/`, see
    /// `NPATerminalCredentialStore`). Not configured: `<state directory>/terminal-credentials` if it
    /// exists (where `kit-agent terminal-certificates import` puts them); else nil and ID-card steps refuse.
    public var cardTerminalCredentials: String?
    /// `kit-agent doctor` and the fleet report warn when the terminal certificate expires within this many days.
    public var terminalCertificateWarnDays = 14
    /// PC/SC reader for the ID card; nil: the first one pcscd lists.
    public var cardReaderName: String?
    /// The camera for the biometric photo: the head of a GStreamer pipeline (`camera.source`),
    /// by default the first video4linux camera; `kit-sim camera` prints the one for the simulator.
    public var cameraSource = CameraSource.videoForLinux(device: "/dev/video0")
    /// Name of the VPN interface to watch (e.g. `wg0`); nil: only the server probe tells.
    public var vpnInterface: String?
    /// The EC terminal (ZVT over TCP or serial); nil: no terminal, payments refuse.
    public var terminalAddress: PaymentTerminalAddress?
    /// The running agent renews the kit's TLS client certificate once fewer days than this are
    /// left (after a successful sync); `kit-agent doctor` warns from the same point.
    public var certificateRenewalDays = 30
    /// The terminal's six-digit ZVT password (000000 on most terminals).
    public var terminalPassword: Int

    /// Configuration keys; the environment variable is `KIT_AGENT_` + the key in upper case with
    /// `.` → `_` (e.g. `KIT_AGENT_SERVER_URL`).
    public enum Key {
        public static let stateDirectory = "stateDirectory"
        public static let serverURL = "server.url"
        public static let apiPort = "api.port"
        public static let probeInterval = "link.probeInterval"
        public static let probeTimeout = "link.probeTimeout"
        public static let logLevel = "log.level"
        public static let kitId = "kit.id"
        public static let serverDataKeyFile = "server.dataKeyFile"
        public static let lockIdleTimeout = "lock.idleTimeout"
        public static let maximumOfflineInterval = "lock.maximumOffline"
        public static let outboxRetention = "outbox.retention"
        public static let vpnInterface = "link.vpnInterface"
        public static let cardTerminalCredentials = "card.terminalCredentials"
        public static let cardReaderName = "card.reader"
        public static let cameraSource = "camera.source"
        public static let terminalCertificateWarnDays = "card.terminalCertificateWarnDays"
        public static let terminalAddress = "terminal.zvt.address"
        public static let terminalPassword = "terminal.zvt.password"
        public static let certificateRenewalDays = "tls.renewBeforeDays"
    }

    /// The environment prefix for ``LayeredConfiguration``.
    public static let environmentPrefix = "kitAgent"
    /// State directory used when none is configured.
    public static let defaultStateDirectory = "/var/lib/kit-agent"
    /// The terminal-credential store inside the state directory (used when `card.terminalCredentials` is not set).
    public static func defaultTerminalCredentials(stateDirectory: String) -> String {
        (stateDirectory as NSString).appendingPathComponent("terminal-credentials")
    }

    /// The configured terminal-credential folder, else the state directory's store if it exists.
    public static func terminalCredentials(configured: String?, stateDirectory: String) -> String? {
        if let configured, !configured.isEmpty { return configured }
        let fallback = defaultTerminalCredentials(stateDirectory: stateDirectory)
        return FileManager.default.fileExists(atPath: fallback) ? fallback : nil
    }

    /// Local API port used when none is configured.
    public static let defaultAPIPort = 7420

    public init(
        stateDirectory: String = AgentConfiguration.defaultStateDirectory,
        serverURL: URL,
        apiPort: Int = AgentConfiguration.defaultAPIPort,
        probeInterval: Double = 5,
        probeTimeout: Double = 3,
        logLevel: Logger.Level = .info,
        kitId: String? = nil,
        serverDataKeyFile: String? = nil,
        lockIdleTimeout: Double = 900,
        outboxRetention: Double = 7 * 24 * 3600,
        vpnInterface: String? = nil,
        terminalAddress: PaymentTerminalAddress? = nil,
        terminalPassword: Int = 0
    ) {
        self.stateDirectory = stateDirectory
        self.serverURL = serverURL
        self.apiPort = apiPort
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.logLevel = logLevel
        self.kitId = kitId
        self.serverDataKeyFile = serverDataKeyFile
        self.lockIdleTimeout = lockIdleTimeout
        self.outboxRetention = outboxRetention
        self.vpnInterface = vpnInterface
        self.terminalAddress = terminalAddress
        self.terminalPassword = terminalPassword
    }

    /// Reads the configuration layers and validates every value. The server URL is required.
    public init(_ config: LayeredConfiguration) throws(ConfigurationError) {
        guard let text = config.string(Key.serverURL) else {
            throw .missing(
                key: Key.serverURL,
                hint: "give --server URL, KIT_AGENT_SERVER_URL or server.url in the configuration file")
        }
        self.init(serverURL: try Self.parseServerURL(text))
        if let directory = config.string(Key.stateDirectory) { stateDirectory = directory }
        if let port = try config.integer(Key.apiPort, in: 0...65535) { apiPort = port }
        if let interval = try config.seconds(Key.probeInterval, in: 0.1...3600) { probeInterval = interval }
        if let timeout = try config.seconds(Key.probeTimeout, in: 0.1...120) { probeTimeout = timeout }
        if let id = config.string(Key.kitId) {
            guard !id.isEmpty, id.count <= 64,
                id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else {
                throw .invalidValue(key: Key.kitId, value: id, expected: "1 to 64 characters A-Z a-z 0-9 - _ .")
            }
            kitId = id
        }
        serverDataKeyFile = config.string(Key.serverDataKeyFile)
        if let idle = try config.seconds(Key.lockIdleTimeout, in: 10...86400) { lockIdleTimeout = idle }
        if let offline = try config.seconds(Key.maximumOfflineInterval, in: 1...(365 * 86400)) {
            maximumOfflineInterval = offline
        }
        if let retention = try config.seconds(Key.outboxRetention, in: 0...(365 * 86400)) {
            outboxRetention = retention
        }
        if let name = config.string(Key.vpnInterface), !name.isEmpty {
            // Linux interface names: at most 15 bytes, no '/' or whitespace.
            guard name.utf8.count <= 15, !name.contains("/"), name != ".", name != "..",
                !name.contains(where: \.isWhitespace)
            else {
                throw .invalidValue(
                    key: Key.vpnInterface, value: name, expected: "a network interface name such as wg0")
            }
            vpnInterface = name
        }
        if let folder = config.string(Key.cardTerminalCredentials), !folder.isEmpty {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw .invalidValue(
                    key: Key.cardTerminalCredentials, value: folder,
                    expected: "a folder with cvca.cvcert, dv.cvcert, terminal.cvcert and terminal.pkcs8, or chains/")
            }
            cardTerminalCredentials = folder
        } else {
            cardTerminalCredentials = Self.terminalCredentials(configured: nil, stateDirectory: stateDirectory)
        }
        if config.string(Key.terminalCertificateWarnDays) != nil {
            terminalCertificateWarnDays = try config.integer(Key.terminalCertificateWarnDays, in: 1...365) ?? 14
        }
        if let reader = config.string(Key.cardReaderName), !reader.isEmpty { cardReaderName = reader }
        if let camera = config.string(Key.cameraSource), !camera.isEmpty {
            cameraSource = CameraSource(pipelineHead: camera)
        }
        if let address = config.string(Key.terminalAddress), !address.isEmpty {
            terminalAddress = try PaymentTerminalAddress.parse(address, key: Key.terminalAddress)
        }
        if let password = config.string(Key.terminalPassword) {
            guard password.count == 6, password.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(password)
            else {
                throw .invalidValue(key: Key.terminalPassword, value: "(hidden)", expected: "six digits, e.g. 000000")
            }
            terminalPassword = value
        }
        if let days = try config.integer(Key.certificateRenewalDays, in: 1...300) { certificateRenewalDays = days }
        if let level = try config.choice(Key.logLevel, from: Logger.Level.allCases.map(\.rawValue)),
            let parsed = Logger.Level(rawValue: level)
        {
            logLevel = parsed
        }
    }

    /// Refuses a configured server URL that is not the enrolled one: the queue is sealed to the
    /// enrolled server's data key and sent with its credentials, so a different `--server` would
    /// change only the link check and leave the queue going elsewhere. Not enrolled yet: anything goes.
    public func checkEnrolledServer(_ credentials: KitCredentials?) throws(AgentError) {
        guard let credentials else { return }
        guard Self.sameServer(serverURL.absoluteString, credentials.serverURL) else {
            throw .serverNotEnrolled(configured: serverURL.absoluteString, enrolled: credentials.serverURL)
        }
    }

    /// Equal up to letter case of scheme and host, a trailing slash and the default port.
    static func sameServer(_ first: String, _ second: String) -> Bool {
        func normal(_ text: String) -> String? {
            guard var parts = URLComponents(string: text) else { return nil }
            parts.scheme = parts.scheme?.lowercased()
            parts.host = parts.host?.lowercased()
            if (parts.scheme == "https" && parts.port == 443) || (parts.scheme == "http" && parts.port == 80) {
                parts.port = nil
            }
            while parts.path.hasSuffix("/") { parts.path.removeLast() }
            return parts.string
        }
        return normal(first) != nil && normal(first) == normal(second)
    }

    /// Accepts `http://` and `https://` URLs with a host and no query or fragment.
    public static func parseServerURL(_ text: String) throws(ConfigurationError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw .invalidValue(key: Key.serverURL, value: text, expected: "an http:// or https:// URL with a host")
        }
        return url
    }
}
