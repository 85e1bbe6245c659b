import AsyncHTTPClient
import Foundation
import KitCore
import NIOCore

/// One probe of the sync server shared by the server and clock checks.
public actor ServerProbe {
    let serverURL: URL?
    let connection: ServerConnection
    let timeout: TimeAmount
    private var outcome: (result: Result<ServerVersionInfo, LinkProblem>, serverDate: Date?, milliseconds: Int)?

    /// A probe over `connection`: the kit's mTLS client (its certificate, the pinned kit CA) for
    /// `https://` servers, exactly as the sync client connects.
    public init(serverURL: URL?, connection: ServerConnection, timeout: TimeAmount = .seconds(5)) {
        self.serverURL = serverURL
        self.connection = connection
        self.timeout = timeout
    }

    /// A probe without client certificate (plain HTTP servers, tests).
    public init(serverURL: URL?, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(5)) {
        self.init(serverURL: serverURL, connection: ServerConnection(client: client), timeout: timeout)
    }

    func probe() async -> (result: Result<ServerVersionInfo, LinkProblem>, serverDate: Date?, milliseconds: Int)? {
        guard let serverURL else { return nil }
        if let outcome { return outcome }
        let started = ContinuousClock.now
        let client: HTTPClient
        do {
            client = try await connection.client(for: serverURL.absoluteString)
        } catch {
            outcome = (.failure(.notEnrolled(error.description)), nil, 0)
            return outcome
        }
        let (result, date) = await LinkMonitor.fetchVersionAndDate(from: serverURL, client: client, timeout: timeout)
        let elapsed = ContinuousClock.now - started
        let milliseconds =
            Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        outcome = (result, date, milliseconds)
        return outcome
    }

    /// The server's clock from the probe, nil when it did not answer.
    public func serverDate() async -> Date? {
        await probe()?.serverDate
    }
}

/// The sync server: reachable over the VPN, and speaking this agent's API version.
public struct ServerCheck: DoctorCheck {
    public let name = "server"
    let probe: ServerProbe

    public init(probe: ServerProbe) {
        self.probe = probe
    }

    public func run() async -> DoctorFinding {
        guard let outcome = await probe.probe(), let url = probe.serverURL?.absoluteString else {
            return .skipped(name, "no server configured (server.url); the kit is not enrolled yet")
        }
        switch outcome.result {
        case .success(let info) where info.apiVersion == KitVersion.apiVersion:
            return .ok(
                name, "\(url) answers: sync-server \(info.version) (\(info.storage)), in \(outcome.milliseconds) ms")
        case .success(let info):
            return .failure(
                name, "\(url) speaks API version \(info.apiVersion), this agent \(KitVersion.apiVersion)",
                fix: "update the older of kit-agent and sync-server")
        case .failure(let problem):
            let fix: String
            switch problem {
            case .connectionRefused: fix = "start sync-server, or correct the port in server.url"
            case .timeout: fix = "check the VPN (kit-agent doctor: vpn) and the mobile connection"
            case .unknownHost: fix = "check server.url and the DNS server the VPN hands out"
            case .unexpectedStatus, .notASyncServer: fix = "server.url points at something else: correct it"
            case .tlsHandshake:
                fix =
                    "the server's certificate is not from the kit CA pinned at enrollment, or it refused this "
                    + "kit's certificate: check server.url; if the server was set up anew, enroll the kit again"
            case .notEnrolled:
                fix = "enroll the kit: kit-agent enroll --server URL --kit-id ID --token TOKEN --ca-file CA"
            case .other: fix = "check server.url, the VPN and the server's logs"
            }
            return .failure(name, "\(url): \(problem.description)", fix: fix)
        }
    }
}

/// The kit-agent service itself: running, and answering on its local API.
public struct AgentServiceCheck: DoctorCheck {
    public let name = "agent"
    let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public func run() async -> DoctorFinding {
        do {
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let status = try await client.status(refresh: false)
            let lock = status.unlocked == true ? "unlocked" : "locked"
            return .ok(
                name, "running (pid \(status.processID)), \(lock), server \(status.server.reachability.rawValue)")
        } catch {
            return .failure(
                name, "kit-agent is not running for \(stateDirectory): \(error)",
                fix: "systemctl start kit-agent (journalctl -u kit-agent shows why it stopped)")
        }
    }
}
