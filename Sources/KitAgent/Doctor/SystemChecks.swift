import Foundation
import KitCore

/// Free space where the outbox lives: a full disk would stop the kit from recording steps.
public struct DiskSpaceCheck: DoctorCheck {
    public let name = "disk"
    let path: String
    /// Below this the check fails.
    let minimumFreeBytes: Int64
    /// Below this the check warns.
    let warningFreeBytes: Int64

    public init(path: String, minimumFreeBytes: Int64 = 500 << 20, warningFreeBytes: Int64 = 2 << 30) {
        self.path = path
        self.minimumFreeBytes = minimumFreeBytes
        self.warningFreeBytes = max(warningFreeBytes, minimumFreeBytes)
    }

    public func run() async -> DoctorFinding {
        // The state directory may not exist yet on a new kit: measure the nearest existing folder.
        var probe = path
        while !FileManager.default.fileExists(atPath: probe), probe != "/" {
            probe = (probe as NSString).deletingLastPathComponent
            if probe.isEmpty { probe = "/" }
        }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfFileSystem(forPath: probe)
        } catch {
            return .failure(name, "cannot read the free space of \(probe): \(error)", fix: "check the state directory")
        }
        guard let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value,
            let size = (attributes[.systemSize] as? NSNumber)?.int64Value
        else {
            return .warning(name, "the file system of \(probe) does not report its free space", fix: "check with df")
        }
        let text = "\(Self.format(free)) free of \(Self.format(size)) at \(probe)"
        if free < minimumFreeBytes {
            return .failure(
                name, "disk almost full: " + text,
                fix: "free space on that disk (at least \(Self.format(minimumFreeBytes))); the kit cannot record "
                    + "steps on a full disk; sync so acknowledged payloads can be shredded")
        }
        if free < warningFreeBytes {
            return .warning(name, "disk space low: " + text, fix: "free space on that disk soon")
        }
        return .ok(name, text)
    }

    static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// The system clock against the server's (HTTP `Date` of the version probe). Nothing the kit
/// decides depends on the wall clock (envelopes are ordered by seq and a monotonic clock), but
/// receipts, logs and the clerk's screen show it.
public struct ClockCheck: DoctorCheck {
    public let name = "clock"
    /// The server's clock, nil when the server was not reachable.
    let serverDate: @Sendable () async -> Date?
    let tolerance: TimeInterval

    public init(tolerance: TimeInterval = 120, serverDate: @escaping @Sendable () async -> Date?) {
        self.serverDate = serverDate
        self.tolerance = tolerance
    }

    public func run() async -> DoctorFinding {
        let now = Date()
        let local = ISO8601DateFormatter().string(from: now)
        // A clock before this program was built is certainly wrong (dead RTC battery).
        if now < Date(timeIntervalSince1970: 1_767_225_600) {  // 2026-01-01
            return .failure(
                name, "the system clock says \(local), before this release was built",
                fix: "set the time (timedatectl set-ntp true, or timedatectl set-time)")
        }
        guard let server = await serverDate() else {
            return .skipped(name, "system clock \(local); the server's clock is not reachable for comparison")
        }
        let skew = now.timeIntervalSince(server)
        if abs(skew) > tolerance {
            return .warning(
                name,
                String(
                    format: "the system clock is %.0f s %@ the server's", abs(skew), skew > 0 ? "ahead of" : "behind"),
                fix: "enable time synchronisation: timedatectl set-ntp true (systemd-timesyncd on the VPN)")
        }
        return .ok(name, String(format: "system clock within %.0f s of the server's", abs(skew)))
    }
}

/// The VPN interface the kit reaches the city's network through (`link.vpnInterface`): its flags
/// and, for WireGuard, the peer's latest handshake and transfer counters (`wg show`), because a
/// WireGuard interface is "up" as soon as it is configured, whether or not its peer ever answered.
public struct VPNInterfaceCheck: DoctorCheck {
    public let name = "vpn"
    let interface: String?
    let sysfsRoot: String
    let reader: WireGuardStatusReader
    /// WireGuard starts a new handshake every 2 minutes while traffic flows and refuses a session
    /// older than REJECT_AFTER_TIME (180 s): an older handshake means no traffic or no answer.
    static let staleHandshakeAfter: TimeInterval = 180

    /// Whether an unreadable handshake (not root) is a warning: yes for `kit-agent doctor`, no for
    /// the running agent's device health, which runs as the service user and cannot read it.
    let handshakeNeedsReading: Bool

    public init(
        interface: String?, sysfsRoot: String = "/sys/class/net",
        reader: WireGuardStatusReader = WireGuardStatusReader(),
        handshakeNeedsReading: Bool = true
    ) {
        self.interface = interface
        self.sysfsRoot = sysfsRoot
        self.reader = reader
        self.handshakeNeedsReading = handshakeNeedsReading
    }

    public func run() async -> DoctorFinding {
        guard let interface else {
            return .skipped(name, "no VPN interface configured (link.vpnInterface)")
        }
        let state = VPNInterfaceState.read(interface, root: sysfsRoot)
        switch state {
        case .up:
            switch reader.peers(of: interface) {
            case .success(let peers): return Self.judge(interface: interface, peers: peers, now: Date())
            case .failure(.notPermitted) where !handshakeNeedsReading:
                return .ok(name, state.describe(interface) + " (its WireGuard handshake can only be read as root)")
            case .failure(.notPermitted):
                return .warning(
                    name, state.describe(interface) + "; its WireGuard handshake can only be read as root",
                    fix: "run sudo wg show \(interface), or the doctor as root (sudo kit-agent doctor)")
            case .failure(.notWireGuard(let reason)):
                return .ok(name, state.describe(interface) + " (\(reason): handshake not checked)")
            case .failure(.unreadable(let reason)):
                return .warning(
                    name, state.describe(interface) + "; " + reason, fix: "check with sudo wg show \(interface)")
            }
        case .down:
            return .failure(
                name, state.describe(interface),
                fix: "check the mobile connection, then the VPN: wg show \(interface); ip link set \(interface) up")
        case .absent:
            return .failure(
                name, state.describe(interface),
                fix: "start the VPN (systemctl start wg-quick@\(interface)) or correct link.vpnInterface")
        }
    }

    /// The rule for an interface that is up: no handshake ever fails, an old one warns with its age,
    /// a recent one is fine. With several peers the one with the latest handshake counts.
    static func judge(interface: String, peers: [WireGuardPeerStatus], now: Date) -> DoctorFinding {
        let name = "vpn"
        guard
            let peer = peers.max(by: {
                ($0.latestHandshake ?? .distantPast) < ($1.latestHandshake ?? .distantPast)
            })
        else {
            return .failure(
                name, "WireGuard interface \(interface) is up but has no peer",
                fix: "add the server as peer to the VPN configuration (/etc/wireguard/\(interface).conf), then "
                    + "systemctl restart wg-quick@\(interface)")
        }
        let key = String(peer.publicKey.prefix(8)) + "…"
        let endpoint = peer.endpoint.map { " at \($0)" } ?? " (no endpoint)"
        let transfer =
            "received \(DiskSpaceCheck.format(Int64(clamping: peer.receivedBytes))), "
            + "sent \(DiskSpaceCheck.format(Int64(clamping: peer.sentBytes)))"
        guard let handshake = peer.latestHandshake else {
            let port = peer.endpoint.flatMap { $0.split(separator: ":").last }.map(String.init) ?? "51820"
            return .failure(
                name,
                "VPN peer \(key)\(endpoint) never answered: interface \(interface) is up but no handshake "
                    + "was ever completed (\(transfer))",
                fix: "check the endpoint address, the keys on both sides (wg show \(interface)) and that UDP "
                    + "\(port) reaches the server through the mobile network and firewalls")
        }
        let age = max(0, now.timeIntervalSince(handshake))
        let detail = "latest handshake with \(key)\(endpoint) \(format(age: age)) ago, \(transfer)"
        if age > staleHandshakeAfter {
            return .warning(
                name, detail,
                fix: "no traffic or no answer for more than 3 minutes: run kit-agent sync; if the handshake stays "
                    + "old, check the endpoint and UDP reachability (wg show \(interface))")
        }
        return .ok(name, "VPN interface \(interface) is up, " + detail)
    }

    static func format(age: TimeInterval) -> String {
        let seconds = Int(age)
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        if seconds < 172_800 { return "\(seconds / 3600) h" }
        return "\(seconds / 86_400) days"
    }
}

/// The outbox: how much waits, since when, and whether anything is parked for a person.
public struct QueueCheck: DoctorCheck {
    public let name = "queue"
    let stateDirectory: String
    /// Pending older than this warns (the kit should have met its server by then).
    let staleAfter: TimeInterval

    public init(stateDirectory: String, staleAfter: TimeInterval = 24 * 3600) {
        self.stateDirectory = stateDirectory
        self.staleAfter = staleAfter
    }

    public func run() async -> DoctorFinding {
        let stats: QueueStats
        do {
            stats = try Outbox.Reader(stateDirectory: stateDirectory).stats()
        } catch {
            return .failure(
                name, "the outbox cannot be read: \(error)",
                fix: "check the state directory \(stateDirectory) (kit-agent run creates it)")
        }
        let parked = stats.byState["parked"] ?? 0
        var detail = "\(stats.queueDepth) waiting, \(parked) parked, last seq \(stats.lastSeq)"
        if let problem = (try? Outbox.Reader(stateDirectory: stateDirectory).syncProblem()) ?? nil {
            return .failure(
                name,
                detail + "; the queue does not drain: \(problem.reason) (\(problem.attempts) attempt(s) since "
                    + "\(problem.since.formatted(.iso8601)))",
                fix: Self.fix(for: problem))
        }
        if let oldest = stats.oldestUnacknowledgedAt {
            let hours = Date().timeIntervalSince(oldest) / 3600
            detail += String(format: ", oldest unacknowledged %.1f h old", hours)
            if hours * 3600 > staleAfter {
                return .warning(
                    name, detail,
                    fix: "the kit has not reached its server for a day: check the VPN and run kit-agent sync")
            }
        }
        if parked > 0 {
            return .warning(
                name, detail,
                fix: "parked transactions wait for the back office: sync-server conflicts list, then resolve them")
        }
        return .ok(name, detail)
    }

    /// What IT does about a jam.
    static func fix(for problem: SyncProblem) -> String {
        switch problem.kind {
        case .tooLarge:
            return "raise ingest.maxRequestBytes on the sync server above the transaction's size "
                + "(GET /v1/version shows the limit), then kit-agent sync"
        case .requestRefused:
            return "read the server's reason above and its log (kit request refused); then kit-agent sync"
        case .envelopeRefused:
            return "the server refuses a transaction of this kit: sync-server log (ingest refused an envelope), "
                + "kit-agent queue show \(problem.seq.map(String.init) ?? "SEQ")"
        case .badAnswer:
            return "the server or a proxy in between answers wrongly: check kit-agent status and the server log"
        case .damagedEntry:
            return "a queue entry was damaged on the kit and sent as a tombstone: the back office resolves its "
                + "conflict; check the kit's disk (smartctl) and kit-agent queue list"
        case .storage:
            return "the kit's database fails: check disk space and the disk, then restart kit-agent"
        case .serverBusy:
            return "the sync server keeps answering busy (429/503): its log (store failures, ingest saturated) "
                + "and its disk; the kit retries by itself"
        }
    }
}
