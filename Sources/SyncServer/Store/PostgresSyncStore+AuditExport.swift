import Foundation
import KitCore
import PostgresNIO

extension PostgresSyncStore {
    public func auditExportRows(kitId: String, from: Date?, to: Date?) async throws(StoreError) -> AuditExportRows? {
        try await withConnection { connection in
            guard
                let kit = try await self.kitRecords(
                    connection.query(
                        "SELECT \(unescaped: Self.kitColumns) FROM kits WHERE kit_id = \(kitId)", logger: self.logger)
                ).first
            else { return nil }
            var signingKey: [UInt8] = []
            for try await key in try await connection.query(
                "SELECT signing_key FROM kits WHERE kit_id = \(kitId)", logger: self.logger
            ).decode(Data.self) {
                signingKey = Array(key)
            }
            let lower = from ?? Date(timeIntervalSince1970: 0)
            let upper = to ?? Date(timeIntervalSince1970: 32_503_680_000)
            var transactions: [AuditTransactionRow] = []
            let rows = try await connection.query(
                """
                SELECT seq, tx_id, case_id, kind, outcome, answer, envelope, header, signature, prev_hash, chain_hash,
                    received_at, recorded_by_id, recorded_by_name, proof
                FROM transactions WHERE kit_id = \(kitId) AND received_at >= \(lower) AND received_at <= \(upper)
                ORDER BY seq
                """, logger: self.logger)
            for try await row in rows {
                let columns = row.makeRandomAccess()
                let clerkId = try columns[12].decode(String?.self)
                let clerkName = try columns[13].decode(String?.self)
                transactions.append(
                    AuditTransactionRow(
                        seq: UInt64(clamping: try columns[0].decode(Int64.self)),
                        txId: try columns[1].decode(String.self),
                        caseId: try columns[2].decode(String.self), kind: try columns[3].decode(String.self),
                        outcome: try columns[4].decode(String.self), answer: try columns[5].decode(String.self),
                        envelope: Array(try columns[6].decode(Data?.self) ?? Data()),
                        header: try columns[7].decode(Data?.self).map(Array.init),
                        signature: try columns[8].decode(Data?.self).map(Array.init),
                        proof: try columns[14].decode(Data?.self).map(Array.init),
                        prevHash: try columns[9].decode(Data?.self).map(Array.init),
                        chainHash: try columns[10].decode(Data?.self).map(Array.init),
                        receivedAt: try columns[11].decode(Date.self),
                        recordedBy: clerkId.map { Clerk(id: $0, name: clerkName ?? $0) }))
            }
            var audit: [AuditLogRow] = []
            for try await (id, at, millis, actor, action, detail, prev, hash) in try await connection.query(
                """
                SELECT id, at, at_millis, actor, action, detail, prev_hash, entry_hash FROM audit_log
                WHERE at >= \(lower) AND at <= \(upper) ORDER BY id
                """, logger: self.logger
            ).decode((Int64, Date, Int64?, String, String, String, Data?, Data?).self) {
                audit.append(
                    AuditLogRow(
                        id: id, at: at, atMillis: millis, actor: actor, action: action, detail: detail,
                        prevHash: prev.map(Array.init), entryHash: hash.map(Array.init)))
            }
            return AuditExportRows(kit: kit, signingKey: signingKey, transactions: transactions, auditLog: audit)
        }
    }
}
