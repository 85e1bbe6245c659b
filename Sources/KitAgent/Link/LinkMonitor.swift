import AsyncHTTPClient
import Foundation
import KitCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle

/// Watches the link to the sync server by probing `GET /v1/version` at a fixed interval, and
/// remembers the outcome for the status page, the doctor and (later) the sync client.
///
/// A probe checks that the answer really comes from a sync server speaking our API version, so a
/// captive portal or a wrong URL is reported as such and not as "reachable".
///
/// With a VPN interface configured (`link.vpnInterface`, e.g. `wg0`) the monitor also watches
/// `/sys/class/net/<name>` every quarter second: the interface going down makes the link
/// unreachable at once (no probe timeout to wait for), and coming up probes immediately, so the
/// queue starts to drain within a second of the tunnel's return.
public actor LinkMonitor: Service {
    private let serverURL: URL
    private let interval: Duration
    private let timeout: TimeAmount
    private let connection: ServerConnection
    private let logger: Logger
    private var current: ServerLinkStatus
    private var reachableHandlers: [@Sendable () async -> Void] = []
    private let vpnInterface: String?
    private let sysfsRoot: String
    private var interfaceState: VPNInterfaceState?

    /// Registers work to run whenever the link changes to reachable (e.g. start a sync).
    public func onReachable(_ handler: @escaping @Sendable () async -> Void) {
        reachableHandlers.append(handler)
    }

    public init(
        serverURL: URL, interval: Double, timeout: Double, vpnInterface: String? = nil,
        sysfsRoot: String = "/sys/class/net", client: HTTPClient = .shared, logger: Logger
    ) {
        self.init(
            serverURL: serverURL, interval: interval, timeout: timeout, vpnInterface: vpnInterface,
            sysfsRoot: sysfsRoot, connection: ServerConnection(client: client), logger: logger)
    }

    /// A monitor that probes over the kit's TLS connection (client certificate, pinned kit CA).
    public init(
        serverURL: URL, interval: Double, timeout: Double, vpnInterface: String? = nil,
        sysfsRoot: String = "/sys/class/net", connection: ServerConnection, logger: Logger
    ) {
        self.serverURL = serverURL
        self.vpnInterface = vpnInterface
        self.sysfsRoot = sysfsRoot
        self.interval = .milliseconds(Int64(interval * 1000))
        self.timeout = .milliseconds(Int64(timeout * 1000))
        self.connection = connection
        self.logger = logger
        self.current = ServerLinkStatus(url: serverURL.absoluteString)
        self.current.vpnInterface = vpnInterface
    }

    /// The outcome of the last probe.
    public var status: ServerLinkStatus { current }

    /// Probes until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        await self.probe()
                        do {
                            try await Task.sleep(for: self.interval)
                        } catch {
                            return
                        }
                    }
                }
                if self.vpnInterface != nil {
                    group.addTask {
                        while !Task.isCancelled {
                            await self.watchInterface()
                            do {
                                try await Task.sleep(for: .milliseconds(250))
                            } catch {
                                return
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads the VPN interface once; a change down ends reachability now, a change up probes now.
    public func watchInterface() async {
        guard let vpnInterface else { return }
        let state = VPNInterfaceState.read(vpnInterface, root: sysfsRoot)
        guard state != interfaceState else { return }
        let previous = interfaceState
        interfaceState = state
        current.vpnInterfaceState = state.rawValue
        logger.notice(
            "VPN interface changed",
            metadata: [
                "interface": "\(vpnInterface)", "from": "\(previous?.rawValue ?? "-")", "to": "\(state.rawValue)",
            ])
        if state == .up {
            // Connections opened before the tunnel went down may be half-dead (their packets were
            // dropped meanwhile; TCP would only notice after retransmission timeouts): start afresh.
            await connection.shutdown()
            if previous != nil { await probe() }
        } else {
            markInterfaceDown(state, name: vpnInterface)
        }
    }

    private func markInterfaceDown(_ state: VPNInterfaceState, name: String) {
        let previous = current.reachability
        current.reachability = .unreachable
        current.roundTripMilliseconds = nil
        current.lastError = state.describe(name)
        if previous != .unreachable {
            logger.notice("server link changed", metadata: ["from": "\(previous.rawValue)", "to": "unreachable"])
        }
    }

    /// Probes the server once now and returns the new status.
    @discardableResult
    public func probe() async -> ServerLinkStatus {
        if let vpnInterface {
            let state = VPNInterfaceState.read(vpnInterface, root: sysfsRoot)
            interfaceState = state
            current.vpnInterfaceState = state.rawValue
            if state != .up {
                current.lastProbeAt = Date()
                current.consecutiveFailures += 1
                markInterfaceDown(state, name: vpnInterface)
                return current
            }
        }
        let started = ContinuousClock.now
        let outcome: Result<ServerVersionInfo, LinkProblem>
        do {
            let client = try await connection.client(for: serverURL.absoluteString)
            outcome = await Self.fetchVersion(from: serverURL, client: client, timeout: timeout)
        } catch {
            outcome = .failure(.notEnrolled(error.description))
        }
        let elapsed = ContinuousClock.now - started
        let now = Date()
        let previous = current.reachability
        current.lastProbeAt = now
        switch outcome {
        case .success(let info):
            current.reachability = info.apiVersion == KitVersion.apiVersion ? .reachable : .incompatible
            current.serverVersion = info
            current.lastReachableAt = now
            current.roundTripMilliseconds =
                Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            current.consecutiveFailures = 0
            current.lastError =
                current.reachability == .incompatible
                ? "server speaks API version \(info.apiVersion), this agent speaks \(KitVersion.apiVersion): update one of them"
                : nil
        case .failure(let problem):
            current.reachability = .unreachable
            current.roundTripMilliseconds = nil
            current.consecutiveFailures += 1
            current.lastError = problem.description
        }
        if previous != current.reachability {
            logger.notice(
                "server link changed",
                metadata: ["from": "\(previous.rawValue)", "to": "\(current.reachability.rawValue)"])
            if current.reachability == .reachable {
                for handler in reachableHandlers { await handler() }
            }
        }
        return current
    }

    /// Fetches and validates `/v1/version`.
    static func fetchVersion(
        from serverURL: URL, client: HTTPClient, timeout: TimeAmount
    ) async -> Result<ServerVersionInfo, LinkProblem> {
        await fetchVersionAndDate(from: serverURL, client: client, timeout: timeout).result
    }

    /// Fetches and validates `/v1/version`, and reads the server's clock from the HTTP `Date`
    /// header (RFC 9110 §6.6.1) of any answer.
    public static func fetchVersionAndDate(
        from serverURL: URL, client: HTTPClient = .shared, timeout: TimeAmount
    ) async -> (result: Result<ServerVersionInfo, LinkProblem>, serverDate: Date?) {
        var serverDate: Date?
        let result = await fetchVersion(from: serverURL, client: client, timeout: timeout) { date in
            serverDate = date
        }
        return (result, serverDate)
    }

    private static func fetchVersion(
        from serverURL: URL, client: HTTPClient, timeout: TimeAmount, date: (Date?) -> Void
    ) async -> Result<ServerVersionInfo, LinkProblem> {
        let url = serverURL.appendingPathComponent("v1/version").absoluteString
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "kit-agent/\(KitVersion.release)")
        do {
            let response = try await client.execute(request, timeout: timeout)
            date(response.headers.first(name: "Date").flatMap(Self.httpDate))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else {
                return .failure(.unexpectedStatus(Int(response.status.code)))
            }
            guard
                let info = try? WireCoding.decoder().decode(ServerVersionInfo.self, from: Data(body.readableBytesView)),
                info.service == ServerVersionInfo.serviceName
            else {
                return .failure(.notASyncServer)
            }
            return .success(info)
        } catch {
            return .failure(LinkProblem(error))
        }
    }
}

extension LinkMonitor {
    /// Parses an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// Why a probe of the sync server failed, in words IT staff can act on.
public enum LinkProblem: Error, Equatable, CustomStringConvertible {
    /// Nothing listens at the server's address and port.
    case connectionRefused
    /// The server did not answer within the probe timeout.
    case timeout
    /// The host name does not resolve.
    case unknownHost
    /// Something answered with an HTTP status other than 200.
    case unexpectedStatus(Int)
    /// Something answered 200, but not with a sync server's version document.
    case notASyncServer
    /// The TLS handshake failed: the server's certificate is not from the pinned kit CA, or the
    /// server refused the kit's certificate.
    case tlsHandshake(String)
    /// The kit cannot speak TLS to the server yet (not enrolled).
    case notEnrolled(String)
    /// Any other network failure.
    case other(String)

    init(_ error: any Error) {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout, .deadlineExceeded, .readTimeout:
                self = .timeout
                return
            case .bodyLengthMismatch:
                self = .notASyncServer
                return
            default:
                break
            }
        }
        let text = String(describing: error)
        let lowered = text.lowercased()
        if error is NIOSSLError || lowered.contains("certificate") || lowered.contains("handshake")
            || lowered.contains("ssl")
        {
            self = .tlsHandshake(text)
        } else if lowered.contains("connectionrefused") || lowered.contains("connection refused") {
            self = .connectionRefused
        } else if lowered.contains("nxdomain") || lowered.contains("resolve") || lowered.contains("lookup") {
            self = .unknownHost
        } else if lowered.contains("econnrefused") {
            self = .connectionRefused
        } else {
            self = .other(text)
        }
    }

    /// Whether the request certainly never reached the server (no connection was made), so what it
    /// carried is not "sent". A timeout or a broken TLS session may have delivered it.
    public var nothingWasSent: Bool {
        switch self {
        case .connectionRefused, .unknownHost: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .connectionRefused:
            return "connection refused: sync-server is not running at that address, or a firewall rejects it"
        case .timeout: return "no answer within the probe timeout: VPN link down or server overloaded"
        case .unknownHost: return "server host name does not resolve: check server.url and DNS on the VPN"
        case .unexpectedStatus(let code): return "server answered HTTP \(code) to /v1/version: check server.url"
        case .notASyncServer: return "the address answers, but not as a sync-server: check server.url (captive portal?)"
        case .tlsHandshake(let text):
            return
                "TLS handshake failed (\(text)): the server's certificate is not from the kit CA pinned at enrollment, "
                + "or the server refused this kit's certificate (expired or from another server); check the server "
                + "URL or enroll again"
        case .notEnrolled(let text): return text
        case .other(let text): return "network error: \(text)"
        }
    }
}
