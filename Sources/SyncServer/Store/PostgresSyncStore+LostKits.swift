import Foundation
import KitCore
import PostgresNIO

extension PostgresSyncStore {
    public func kit(kitId: String) async throws(StoreError) -> KitRecord? {
        try await withConnection { connection in
            try await self.kitRecords(
                connection.query(
                    "SELECT \(unescaped: Self.kitColumns) FROM kits WHERE kit_id = \(kitId)", logger: self.logger)
            ).first
        }
    }

    public func markKitLost(kitId: String, orderId: String, by actor: String, at: Date) async throws(StoreError) {
        try await write { connection in
            let known = try await connection.query(
                "SELECT lost_at FROM kits WHERE kit_id = \(kitId) FOR UPDATE", logger: self.logger
            ).collect()
            guard let row = known.first else { throw StoreError.invalid(reason: "kit \(kitId) is not enrolled") }
            guard try row.decode(Date?.self) == nil else { return }
            try await connection.query(
                "UPDATE kits SET lost_at = \(at), lost_order_id = \(orderId) WHERE kit_id = \(kitId)",
                logger: self.logger)
            try await self.audit(
                connection, actor: actor, action: "kit-lost",
                detail: "kit \(kitId): wipe order \(orderId) at next contact")
        }
    }

    public func recordKitWiped(kitId: String, orderId: String, lastSeq: UInt64, at: Date) async throws(StoreError)
        -> Bool
    {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE kits SET wiped_at = \(at), wiped_last_seq = \(Int64(clamping: lastSeq)), active = FALSE
                WHERE kit_id = \(kitId) AND lost_order_id = \(orderId) AND wiped_at IS NULL RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard changed == 1 else { return false }
            try await self.audit(
                connection, actor: "kit \(kitId)", action: "kit-wiped",
                detail: "kit \(kitId): wiped, last seq \(lastSeq)")
            return true
        }
    }
}
