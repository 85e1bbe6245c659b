import Foundation
import KitCore

/// The back office's view of cases ("Vorgänge"): where each case stands, one case with every
/// step, and the logged viewing of a step's evidence. Every ``SyncStore`` implements it.
public protocol CaseOverviewStore: Sendable {
    /// One page of cases, newest case id first, optionally only those in `progress`, with the
    /// number of cases in each state.
    func caseOverview(progress: CaseProgress?, offset: Int, limit: Int) async throws(StoreError) -> CaseOverviewPage
    /// One case with its steps, conflicts, dossiers and evidence views; nil when unknown.
    func caseDetail(caseId: String) async throws(StoreError) -> CaseDetail?
    /// Hands out one step's envelope for an operator to view and, in the same transaction, records
    /// the view (``EvidenceViewRecord``) and an `evidence-viewed` audit entry. Nothing is recorded
    /// when the step is unknown or its evidence was deleted.
    func evidenceForViewing(caseId: String, kitId: String, seq: UInt64, viewer: String, at: Date)
        async throws(StoreError) -> EvidenceLookup
}

/// Where a case stands, as the back office's case list names it. One state per case; the first
/// that applies wins: open conflict, evidence deleted, at the kit, rejected by a receiver,
/// accepted by every receiver, handed off, completed.
public enum CaseProgress: String, Sendable, Codable, CaseIterable {
    case conflict
    case evidenceDeleted
    case atKit
    case rejected
    case accepted
    case handedOff
    case completed

    /// The rule in Swift; the stores apply the same rule in SQL (``sqlCase``).
    public static func derive(
        open: Bool, openConflicts: Int, dossiers: Int, accepted: Int, rejected: Int, evidenceDeleted: Bool
    ) -> CaseProgress {
        if openConflicts > 0 { return .conflict }
        if evidenceDeleted { return .evidenceDeleted }
        if open { return .atKit }
        if rejected > 0 { return .rejected }
        if dossiers > 0 && accepted == dossiers { return .accepted }
        if dossiers > 0 { return .handedOff }
        return .completed
    }

    /// The same rule as an SQL `CASE` over the columns `open_conflicts`, `evidence_deleted_at`,
    /// `open`, `rejected`, `accepted` and `dossiers` (valid in SQLite and PostgreSQL).
    static let sqlCase = """
        CASE WHEN open_conflicts > 0 THEN 'conflict'
            WHEN evidence_deleted_at IS NOT NULL THEN 'evidenceDeleted'
            WHEN open THEN 'atKit'
            WHEN rejected > 0 THEN 'rejected'
            WHEN dossiers > 0 AND accepted = dossiers THEN 'accepted'
            WHEN dossiers > 0 THEN 'handedOff'
            ELSE 'completed' END
        """

    /// Per case: the counts and dates the state is derived from, and the state as `progress`
    /// (SQLite and PostgreSQL alike; `open` is an integer in one and a boolean in the other).
    static let overviewQuery = """
        SELECT per_case.*, \(sqlCase) AS progress FROM (
            SELECT c.case_id, c.version, c.assigned_kit, c.open,
                (SELECT COUNT(*) FROM conflicts f WHERE f.case_id = c.case_id AND f.resolution IS NULL)
                    AS open_conflicts,
                (SELECT COUNT(*) FROM handoff_dossiers d WHERE d.case_id = c.case_id) AS dossiers,
                (SELECT COUNT(*) FROM handoff_dossiers d WHERE d.case_id = c.case_id AND d.outcome = 'accepted')
                    AS accepted,
                (SELECT COUNT(*) FROM handoff_dossiers d WHERE d.case_id = c.case_id AND d.outcome = 'rejected')
                    AS rejected,
                (SELECT MAX(d.evidence_deleted_at) FROM handoff_dossiers d WHERE d.case_id = c.case_id)
                    AS evidence_deleted_at,
                (SELECT MAX(t.received_at) FROM transactions t WHERE t.case_id = c.case_id) AS last_activity
            FROM cases c) AS per_case
        """
}

/// One line of the case list.
public struct CaseSummary: Sendable, Equatable {
    public var caseId: String
    public var version: UInt64
    public var assignedKit: String?
    public var progress: CaseProgress
    public var openConflicts: Int
    /// When the last step of the case reached the server.
    public var lastActivity: Date?
    public var evidenceDeletedAt: Date?
    /// The case's hand-off records: who received it and how they answered.
    public var dossiers: [DossierRecord]

    public init(
        caseId: String, version: UInt64, assignedKit: String?, progress: CaseProgress, openConflicts: Int,
        lastActivity: Date?, evidenceDeletedAt: Date?, dossiers: [DossierRecord]
    ) {
        self.caseId = caseId
        self.version = version
        self.assignedKit = assignedKit
        self.progress = progress
        self.openConflicts = openConflicts
        self.lastActivity = lastActivity
        self.evidenceDeletedAt = evidenceDeletedAt
        self.dossiers = dossiers
    }
}

/// A page of the case list.
public struct CaseOverviewPage: Sendable, Equatable {
    public var cases: [CaseSummary]
    /// Cases per state over the whole store (not only this page).
    public var counts: [CaseProgress: Int]

    public init(cases: [CaseSummary], counts: [CaseProgress: Int]) {
        self.cases = cases
        self.counts = counts
    }

    /// All cases, or those in `progress`.
    public func total(_ progress: CaseProgress?) -> Int {
        progress.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
    }
}

/// One recorded transaction of a case, as the case page shows it (no payload).
public struct CaseStepRecord: Sendable, Equatable {
    public var kitId: String
    public var seq: UInt64
    public var kind: String
    /// `applied`, `conflict`, `rejected`, … (``IngestOutcome``).
    public var outcome: String
    public var receivedAt: Date
    /// The kit's wall clock when it committed the step (informative only).
    public var kitTime: Date?
    /// Whether the sealed payload is still held (not yet deleted by retention).
    public var evidenceHeld: Bool
    public var evidenceDeletedAt: Date?
    /// The clerk who recorded the step, as the kit stamped it into the sealed facts (issue #17);
    /// nil for steps from kits before clerks.
    public var recordedBy: Clerk?

    public init(
        kitId: String, seq: UInt64, kind: String, outcome: String, receivedAt: Date, kitTime: Date?,
        evidenceHeld: Bool, evidenceDeletedAt: Date?, recordedBy: Clerk? = nil
    ) {
        self.recordedBy = recordedBy
        self.kitId = kitId
        self.seq = seq
        self.kind = kind
        self.outcome = outcome
        self.receivedAt = receivedAt
        self.kitTime = kitTime
        self.evidenceHeld = evidenceHeld
        self.evidenceDeletedAt = evidenceDeletedAt
    }
}

/// One logged view of a step's evidence.
public struct EvidenceViewRecord: Sendable, Equatable, Codable {
    public var at: Date
    public var viewer: String
    public var caseId: String
    public var kitId: String
    public var seq: UInt64
    public var kind: String

    public init(at: Date, viewer: String, caseId: String, kitId: String, seq: UInt64, kind: String) {
        self.at = at
        self.viewer = viewer
        self.caseId = caseId
        self.kitId = kitId
        self.seq = seq
        self.kind = kind
    }
}

/// One case with everything the case page shows.
public struct CaseDetail: Sendable, Equatable {
    public var summary: CaseSummary
    /// The case's title from the snapshot back office saved ("Ummeldung").
    public var title: String?
    public var open: Bool
    public var steps: [CaseStepRecord]
    public var conflicts: [ConflictRecord]
    /// Evidence views, newest first.
    public var views: [EvidenceViewRecord]

    public init(
        summary: CaseSummary, title: String?, open: Bool, steps: [CaseStepRecord], conflicts: [ConflictRecord],
        views: [EvidenceViewRecord]
    ) {
        self.summary = summary
        self.title = title
        self.open = open
        self.steps = steps
        self.conflicts = conflicts
        self.views = views
    }
}

/// The answer to ``CaseOverviewStore/evidenceForViewing(caseId:kitId:seq:viewer:at:)``.
public enum EvidenceLookup: Sendable, Equatable {
    case notFound
    /// Retention deleted the payload on that date.
    case deleted(at: Date?)
    /// The envelope as the kit sealed it; the view is recorded.
    case held(kind: String, envelope: [UInt8])
}
