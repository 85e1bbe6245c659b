import Foundation

/// `POST /v1/ingest`: a batch of envelopes from one kit, in seq order, plus the kit's report for
/// the fleet view.
public struct IngestBatch: Codable, Sendable, Equatable {
    public var kitId: String
    /// Encoded envelopes (docs/envelope.md), base64 in JSON.
    public var envelopes: [Data]
    /// Device health and queue depth at the time of sending.
    public var report: KitReport?

    public init(kitId: String, envelopes: [Data], report: KitReport? = nil) {
        self.kitId = kitId
        self.envelopes = envelopes
        self.report = report
    }

    /// Most envelopes accepted in one batch.
    public static let maximumEnvelopes = 500
}

/// What a kit reports with every sync: queue and devices (fleet view, BSI SYS.3.1.A10 logging).
public struct KitReport: Codable, Sendable, Equatable {
    public var agentVersion: String
    public var queueDepth: Int
    public var oldestWaitingAt: Date?
    public var lastSeq: UInt64
    public var devices: [DeviceHealthSummary]
    /// Set while the kit's syncs keep failing for a reason other than a missing link (a jammed
    /// queue): the fleet view raises an alarm.
    public var syncProblem: SyncProblem?

    public init(
        agentVersion: String, queueDepth: Int, oldestWaitingAt: Date?, lastSeq: UInt64, devices: [DeviceHealthSummary],
        syncProblem: SyncProblem? = nil
    ) {
        self.agentVersion = agentVersion
        self.queueDepth = queueDepth
        self.oldestWaitingAt = oldestWaitingAt
        self.lastSeq = lastSeq
        self.devices = devices
        self.syncProblem = syncProblem
    }
}

/// One device's health in a kit report.
public struct DeviceHealthSummary: Codable, Sendable, Equatable {
    public var device: String
    public var state: String
    public var detail: String?

    public init(device: String, state: String, detail: String? = nil) {
        self.device = device
        self.state = state
        self.detail = detail
    }
}

/// The server's answer to a batch: one result per envelope it looked at, in order, and the seq it
/// expects next from this kit. Processing stops at the first envelope that is refused (gap,
/// broken chain, bad signature); the kit re-sends from `expectedSeq`.
public struct IngestReply: Codable, Sendable, Equatable {
    public var results: [IngestResult]
    public var expectedSeq: UInt64

    public init(results: [IngestResult], expectedSeq: UInt64) {
        self.results = results
        self.expectedSeq = expectedSeq
    }
}

/// The server's answer for one envelope (ARCHITECTURE.md, "Data flow" step 6).
public struct IngestResult: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var txId: String?
    public var outcome: IngestOutcome
    /// For a duplicate: the outcome first given.
    public var originalOutcome: IngestOutcome?
    /// For a conflict.
    public var conflict: ConflictReason?
    /// For a conflict: the server's current version of the contested record.
    public var currentVersion: UInt64?
    /// Human-readable reason for conflict, rejected and refused.
    public var reason: String?

    public init(
        seq: UInt64, txId: String?, outcome: IngestOutcome, originalOutcome: IngestOutcome? = nil,
        conflict: ConflictReason? = nil, currentVersion: UInt64? = nil, reason: String? = nil
    ) {
        self.seq = seq
        self.txId = txId
        self.outcome = outcome
        self.originalOutcome = originalOutcome
        self.conflict = conflict
        self.currentVersion = currentVersion
        self.reason = reason
    }
}

/// What happened to one envelope.
public enum IngestOutcome: String, Codable, Sendable, CaseIterable {
    /// Verified and its effect applied.
    case applied
    /// Seen before (same kit and seq, or same txId): nothing applied again; see `originalOutcome`.
    case duplicate
    /// Recorded, but its effect contradicts the server's state: waits for back office.
    case conflict
    /// Recorded, but permanently unacceptable (unknown case or kind, unreadable payload).
    case rejected
    /// Not recorded at all: gap, broken chain or bad signature. The kit must not skip it.
    case refused
}

/// Why a step conflicts with the server's state (ARCHITECTURE.md, "Conflict rules").
public enum ConflictReason: String, Codable, Sendable, CaseIterable {
    case caseClosed = "case_closed"
    case doublePayment = "double_payment"
    case staleBase = "stale_base"
    case doubleIssuance = "double_issuance"
    case incomplete
    /// The kit found the envelope with this seq damaged in its own queue and sent a tombstone in
    /// its place: the step is lost and must be redone or documented by the back office.
    case damagedOnKit = "damaged_on_kit"
    /// An address change without an applied identity check of the same case that matched the
    /// citizen with the same card (card binding).
    case identityUnverified = "identity_unverified"
    /// A second address change for a case whose address change was already applied.
    case addressAlreadyChanged = "address_already_changed"
    /// A walk-in case opened at the counter names a citizen the register knows with other data
    /// (another address, or another name or date of birth for the record the kit found): the case
    /// is opened and its steps applied, the back office decides which data is right.
    case registerDisagrees = "register_disagrees"
}
