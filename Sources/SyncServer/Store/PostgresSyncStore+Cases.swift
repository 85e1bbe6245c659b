import Foundation
import KitCore
import PostgresNIO

extension PostgresSyncStore {
    /// The columns of ``CaseProgress/overviewQuery`` in the order ``caseSummaries(_:)`` decodes.
    static let caseOverviewColumns = """
        case_id, version, assigned_kit, open_conflicts, evidence_deleted_at, last_activity, progress, open
        """

    public func caseOverview(progress: CaseProgress?, offset: Int, limit: Int) async throws(StoreError)
        -> CaseOverviewPage
    {
        try await withConnection { connection in
            var counts: [CaseProgress: Int] = [:]
            for try await (name, count) in try await connection.query(
                "SELECT progress, COUNT(*) FROM (\(unescaped: CaseProgress.overviewQuery)) AS o GROUP BY progress",
                logger: self.logger
            ).decode((String, Int64).self) {
                if let state = CaseProgress(rawValue: name) { counts[state] = Int(count) }
            }
            let filter = progress?.rawValue ?? ""
            let summaries = try await Self.caseSummaries(
                connection.query(
                    """
                    SELECT \(unescaped: Self.caseOverviewColumns) FROM (\(unescaped: CaseProgress.overviewQuery)) AS o
                    WHERE \(filter) = '' OR progress = \(filter)
                    ORDER BY case_id DESC LIMIT \(max(0, limit)) OFFSET \(max(0, offset))
                    """, logger: self.logger))
            let ids = summaries.map(\.summary.caseId)
            var dossiers: [String: [DossierRecord]] = [:]
            if !ids.isEmpty {
                for record in try await self.dossierRecords(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers WHERE case_id = ANY(\(ids))
                        ORDER BY consumer
                        """, logger: self.logger))
                {
                    dossiers[record.caseId, default: []].append(record)
                }
            }
            return CaseOverviewPage(
                cases: summaries.map {
                    var summary = $0.summary
                    summary.dossiers = dossiers[summary.caseId] ?? []
                    return summary
                }, counts: counts)
        }
    }

    public func caseDetail(caseId: String) async throws(StoreError) -> CaseDetail? {
        try await withConnection { connection in
            guard
                let found = try await Self.caseSummaries(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.caseOverviewColumns) FROM (\(unescaped: CaseProgress.overviewQuery)) AS o
                        WHERE case_id = \(caseId)
                        """, logger: self.logger)
                ).first
            else { return nil }
            var snapshot = ""
            for try await text in try await connection.query(
                "SELECT snapshot FROM cases WHERE case_id = \(caseId)", logger: self.logger
            ).decode(String.self) {
                snapshot = text
            }
            var withDossiers = found.summary
            withDossiers.dossiers = try await self.dossierRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers WHERE case_id = \(caseId)
                    ORDER BY consumer
                    """, logger: self.logger))
            var steps: [CaseStepRecord] = []
            for try await (kitId, seq, kind, outcome, receivedAt, deletedAt, header, held, head, clerkId, clerkName)
                in try await connection
                .query(
                    """
                    SELECT kit_id, seq, kind, outcome, received_at, evidence_deleted_at, header,
                        length(envelope) > 0, CASE WHEN length(envelope) > 0 THEN substr(envelope, 1, 1024) END,
                        recorded_by_id, recorded_by_name
                    FROM transactions WHERE case_id = \(caseId) ORDER BY received_at, kit_id, seq
                    """, logger: self.logger
                ).decode((String, Int64, String, String, Date, Date?, Data?, Bool, Data?, String?, String?).self)
            {
                steps.append(
                    CaseStepRecord(
                        kitId: kitId, seq: UInt64(clamping: seq), kind: kind, outcome: outcome, receivedAt: receivedAt,
                        kitTime: CaseEvidence.kitTime(
                            header: header.map(Array.init), envelopeHead: head.map(Array.init)),
                        evidenceHeld: held, evidenceDeletedAt: deletedAt,
                        recordedBy: clerkId.map { Clerk(id: $0, name: clerkName ?? $0) }))
            }
            let conflicts = try await self.conflictRecords(
                connection.query(
                    "SELECT \(unescaped: Self.conflictColumns) FROM conflicts WHERE case_id = \(caseId) ORDER BY id",
                    logger: self.logger))
            var views: [EvidenceViewRecord] = []
            for try await (at, viewer, kitId, seq, kind) in try await connection.query(
                "SELECT at, viewer, kit_id, seq, kind FROM evidence_views WHERE case_id = \(caseId) ORDER BY id DESC",
                logger: self.logger
            ).decode((Date, String, String, Int64, String).self) {
                views.append(
                    EvidenceViewRecord(
                        at: at, viewer: viewer, caseId: caseId, kitId: kitId, seq: UInt64(clamping: seq), kind: kind))
            }
            return CaseDetail(
                summary: withDossiers, title: CaseEvidence.title(snapshot: snapshot), open: found.open, steps: steps,
                conflicts: conflicts, views: views)
        }
    }

    public func evidenceForViewing(caseId: String, kitId: String, seq: UInt64, viewer: String, at: Date)
        async throws(StoreError) -> EvidenceLookup
    {
        let seqValue = Int64(clamping: seq)
        return try await write { connection in
            var found: (String, Data, Date?)?
            for try await row in try await connection.query(
                """
                SELECT kind, envelope, evidence_deleted_at FROM transactions
                WHERE case_id = \(caseId) AND kit_id = \(kitId) AND seq = \(seqValue)
                """, logger: self.logger
            ).decode((String, Data, Date?).self) {
                found = row
            }
            guard let row = found else { return .notFound }
            let (kind, envelope, deletedAt) = row
            guard !envelope.isEmpty else { return .deleted(at: deletedAt) }
            try await connection.query(
                """
                INSERT INTO evidence_views (at, viewer, case_id, kit_id, seq, kind)
                VALUES (\(at), \(viewer), \(caseId), \(kitId), \(seqValue), \(kind))
                """, logger: self.logger)
            try await self.audit(
                connection, actor: viewer, action: "evidence-viewed",
                detail: CaseEvidence.auditDetail(caseId: caseId, kitId: kitId, seq: seq, kind: kind))
            return .held(kind: kind, envelope: Array(envelope))
        }
    }

    static func caseSummaries(_ rows: PostgresRowSequence) async throws -> [(summary: CaseSummary, open: Bool)] {
        var summaries: [(summary: CaseSummary, open: Bool)] = []
        for try await (caseId, version, kit, conflicts, deletedAt, lastActivity, progress, open) in rows.decode(
            (String, Int64, String?, Int64, Date?, Date?, String, Bool).self)
        {
            summaries.append(
                (
                    CaseSummary(
                        caseId: caseId, version: UInt64(clamping: version), assignedKit: kit,
                        progress: CaseProgress(rawValue: progress) ?? .completed, openConflicts: Int(conflicts),
                        lastActivity: lastActivity, evidenceDeletedAt: deletedAt, dossiers: []), open
                ))
        }
        return summaries
    }
}
