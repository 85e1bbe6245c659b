import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    public func auditExportRows(kitId: String, from: Date?, to: Date?) async throws(StoreError) -> AuditExportRows? {
        try await read { db in
            guard let kitRow = try Row.fetchOne(db, sql: "SELECT * FROM kits WHERE kit_id = ?", arguments: [kitId])
            else { return nil }
            let lower = from ?? .distantPast
            let upper = to ?? .distantFuture
            let transactions = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, tx_id, case_id, kind, outcome, answer, envelope, header, signature, prev_hash,
                        chain_hash, received_at, recorded_by_id, recorded_by_name, proof
                    FROM transactions WHERE kit_id = ? AND received_at >= ? AND received_at <= ? ORDER BY seq
                    """,
                arguments: [kitId, lower, upper]
            ).map { row in
                AuditTransactionRow(
                    seq: row["seq"], txId: row["tx_id"], caseId: row["case_id"], kind: row["kind"],
                    outcome: row["outcome"], answer: row["answer"], envelope: Array(row["envelope"] as Data? ?? Data()),
                    header: (row["header"] as Data?).map(Array.init),
                    signature: (row["signature"] as Data?).map(Array.init),
                    proof: (row["proof"] as Data?).map(Array.init),
                    prevHash: (row["prev_hash"] as Data?).map(Array.init),
                    chainHash: (row["chain_hash"] as Data?).map(Array.init), receivedAt: row["received_at"],
                    recordedBy: (row["recorded_by_id"] as String?).map {
                        Clerk(id: $0, name: row["recorded_by_name"] ?? $0)
                    })
            }
            let audit = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, at, at_millis, actor, action, detail, prev_hash, entry_hash FROM audit_log
                    WHERE at >= ? AND at <= ? ORDER BY id
                    """,
                arguments: [lower, upper]
            ).map { row in
                AuditLogRow(
                    id: row["id"], at: row["at"], atMillis: row["at_millis"], actor: row["actor"],
                    action: row["action"],
                    detail: row["detail"], prevHash: (row["prev_hash"] as Data?).map(Array.init),
                    entryHash: (row["entry_hash"] as Data?).map(Array.init))
            }
            return AuditExportRows(
                kit: Self.kitRecord(kitRow), signingKey: Array(kitRow["signing_key"] as Data),
                transactions: transactions, auditLog: audit)
        }
    }
}
