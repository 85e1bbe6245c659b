import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    public func caseOverview(progress: CaseProgress?, offset: Int, limit: Int) async throws(StoreError)
        -> CaseOverviewPage
    {
        try await read { db in
            var counts: [CaseProgress: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT progress, COUNT(*) AS n FROM (\(CaseProgress.overviewQuery)) AS o GROUP BY progress")
            {
                if let state = CaseProgress(rawValue: row["progress"]) { counts[state] = row["n"] as Int }
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (\(CaseProgress.overviewQuery)) AS o WHERE ? IS NULL OR progress = ?
                    ORDER BY case_id DESC LIMIT ? OFFSET ?
                    """,
                arguments: [progress?.rawValue, progress?.rawValue, max(0, limit), max(0, offset)])
            let ids = rows.map { $0["case_id"] as String }
            var dossiers: [String: [DossierRecord]] = [:]
            if !ids.isEmpty {
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                for record in try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM handoff_dossiers WHERE case_id IN (\(marks)) ORDER BY consumer",
                    arguments: StatementArguments(ids)
                ).compactMap(Self.dossierRecord) {
                    dossiers[record.caseId, default: []].append(record)
                }
            }
            return CaseOverviewPage(
                cases: rows.map { Self.caseSummary($0, dossiers: dossiers[$0["case_id"] as String] ?? []) },
                counts: counts)
        }
    }

    public func caseDetail(caseId: String) async throws(StoreError) -> CaseDetail? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM (\(CaseProgress.overviewQuery)) AS o WHERE case_id = ?", arguments: [caseId]
                ),
                let snapshot = try String.fetchOne(
                    db, sql: "SELECT snapshot FROM cases WHERE case_id = ?", arguments: [caseId])
            else { return nil }
            let dossiers = try Row.fetchAll(
                db, sql: "SELECT * FROM handoff_dossiers WHERE case_id = ? ORDER BY consumer", arguments: [caseId]
            ).compactMap(Self.dossierRecord)
            let steps = try Row.fetchAll(
                db,
                sql: """
                    SELECT kit_id, seq, kind, outcome, received_at, evidence_deleted_at, header,
                        recorded_by_id, recorded_by_name, length(envelope) > 0 AS held,
                        CASE WHEN length(envelope) > 0 THEN substr(envelope, 1, 1024) END AS head
                    FROM transactions WHERE case_id = ? ORDER BY received_at, kit_id, seq
                    """,
                arguments: [caseId]
            ).map { row in
                CaseStepRecord(
                    kitId: row["kit_id"], seq: row["seq"], kind: row["kind"], outcome: row["outcome"],
                    receivedAt: row["received_at"],
                    kitTime: CaseEvidence.kitTime(
                        header: (row["header"] as Data?).map(Array.init),
                        envelopeHead: (row["head"] as Data?).map(Array.init)),
                    evidenceHeld: row["held"], evidenceDeletedAt: row["evidence_deleted_at"],
                    recordedBy: (row["recorded_by_id"] as String?).map {
                        Clerk(id: $0, name: row["recorded_by_name"] ?? $0)
                    })
            }
            let conflicts = try Row.fetchAll(
                db, sql: "SELECT * FROM conflicts WHERE case_id = ? ORDER BY id", arguments: [caseId]
            ).map(Self.conflictRecord)
            let views = try Row.fetchAll(
                db, sql: "SELECT * FROM evidence_views WHERE case_id = ? ORDER BY id DESC", arguments: [caseId]
            ).map {
                EvidenceViewRecord(
                    at: $0["at"], viewer: $0["viewer"], caseId: $0["case_id"], kitId: $0["kit_id"], seq: $0["seq"],
                    kind: $0["kind"])
            }
            return CaseDetail(
                summary: Self.caseSummary(row, dossiers: dossiers), title: CaseEvidence.title(snapshot: snapshot),
                open: row["open"], steps: steps, conflicts: conflicts, views: views)
        }
    }

    public func evidenceForViewing(caseId: String, kitId: String, seq: UInt64, viewer: String, at: Date)
        async throws(StoreError) -> EvidenceLookup
    {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT kind, envelope, evidence_deleted_at FROM transactions
                        WHERE case_id = ? AND kit_id = ? AND seq = ?
                        """,
                    arguments: [caseId, kitId, seq])
            else { return .notFound }
            let envelope = Array(row["envelope"] as Data)
            guard !envelope.isEmpty else { return .deleted(at: row["evidence_deleted_at"]) }
            let kind: String = row["kind"]
            try db.execute(
                sql: "INSERT INTO evidence_views (at, viewer, case_id, kit_id, seq, kind) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [at, viewer, caseId, kitId, seq, kind])
            try Self.audit(
                db, actor: viewer, action: "evidence-viewed",
                detail: CaseEvidence.auditDetail(caseId: caseId, kitId: kitId, seq: seq, kind: kind))
            return .held(kind: kind, envelope: envelope)
        }
    }

    static func caseSummary(_ row: Row, dossiers: [DossierRecord]) -> CaseSummary {
        CaseSummary(
            caseId: row["case_id"], version: row["version"], assignedKit: row["assigned_kit"],
            progress: CaseProgress(rawValue: row["progress"]) ?? .completed, openConflicts: row["open_conflicts"],
            lastActivity: row["last_activity"], evidenceDeletedAt: row["evidence_deleted_at"], dossiers: dossiers)
    }
}
