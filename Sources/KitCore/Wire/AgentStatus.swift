import Foundation

/// The kit agent's own view of itself and of its link to the sync server, as served by the local
/// API (`GET /v1/status`) and printed by `kit-agent status`.
public struct AgentStatus: Codable, Sendable, Equatable {
    /// Agent release.
    public var agentVersion: String
    /// Process id of the running agent.
    public var processID: Int32
    /// When the agent started (wall clock, informative).
    public var startedAt: Date
    /// Where the agent keeps its state.
    public var stateDirectory: String
    /// What the agent knows about the sync server.
    public var server: ServerLinkStatus
    /// The kit's identity.
    public var kitId: String?
    /// Whether the clerk has unlocked the kit (case data readable).
    public var unlocked: Bool?
    /// The clerk who unlocked the kit and records the steps now (issue #17); nil while locked.
    public var clerk: Clerk?
    /// The outbox: what still has to reach the server.
    public var queue: QueueStats?
    /// Why the outbox cannot record transactions now (e.g. no server data key), if so.
    public var outboxProblem: String?
    /// Card payments whose outcome is not recorded yet (the kit keeps asking the terminal).
    public var unresolvedPayments: Int?
    /// Set while the queue does not drain although the server answers (a jam): what, since when.
    public var syncProblem: SyncProblem?
    /// The same for the clerk's status bar, in German.
    public var syncProblemMessage: String?

    public init(
        agentVersion: String,
        processID: Int32,
        startedAt: Date,
        stateDirectory: String,
        server: ServerLinkStatus,
        kitId: String? = nil,
        unlocked: Bool? = nil,
        queue: QueueStats? = nil,
        outboxProblem: String? = nil,
        unresolvedPayments: Int? = nil,
        syncProblem: SyncProblem? = nil
    ) {
        self.syncProblem = syncProblem
        self.syncProblemMessage = syncProblem.map(\.kind.clerkMessage)
        self.agentVersion = agentVersion
        self.processID = processID
        self.startedAt = startedAt
        self.stateDirectory = stateDirectory
        self.server = server
        self.kitId = kitId
        self.unlocked = unlocked
        self.queue = queue
        self.outboxProblem = outboxProblem
        self.unresolvedPayments = unresolvedPayments
    }
}

/// The result of the agent's probes of the sync server.
public struct ServerLinkStatus: Codable, Sendable, Equatable {
    /// Reachability as of the last probe.
    public enum Reachability: String, Codable, Sendable {
        /// No probe has finished yet.
        case unknown
        /// The last probe got a valid `/v1/version` answer from a sync server.
        case reachable
        /// The last probe failed; ``ServerLinkStatus/lastError`` says why.
        case unreachable
        /// A server answered, but with an API version this agent does not speak.
        case incompatible
    }

    /// Base URL the agent syncs with.
    public var url: String
    /// Reachability as of the last probe.
    public var reachability: Reachability
    /// When the last probe finished.
    public var lastProbeAt: Date?
    /// When a probe last succeeded.
    public var lastReachableAt: Date?
    /// Round-trip time of the last successful probe, in milliseconds.
    public var roundTripMilliseconds: Double?
    /// The server's version answer from the last successful probe.
    public var serverVersion: ServerVersionInfo?
    /// Why the last probe failed, in words IT staff can act on.
    public var lastError: String?
    /// Consecutive failed probes since the last success.
    public var consecutiveFailures: Int
    /// The watched VPN interface (`link.vpnInterface`), if one is configured.
    public var vpnInterface: String?
    /// Its state: `up`, `down` or `absent`.
    public var vpnInterfaceState: String?

    public init(
        url: String,
        reachability: Reachability = .unknown,
        lastProbeAt: Date? = nil,
        lastReachableAt: Date? = nil,
        roundTripMilliseconds: Double? = nil,
        serverVersion: ServerVersionInfo? = nil,
        lastError: String? = nil,
        consecutiveFailures: Int = 0
    ) {
        self.url = url
        self.reachability = reachability
        self.lastProbeAt = lastProbeAt
        self.lastReachableAt = lastReachableAt
        self.roundTripMilliseconds = roundTripMilliseconds
        self.serverVersion = serverVersion
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
    }
}
