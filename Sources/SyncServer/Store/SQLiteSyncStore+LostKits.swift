import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    public func kit(kitId: String) async throws(StoreError) -> KitRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM kits WHERE kit_id = ?", arguments: [kitId]).map(Self.kitRecord)
        }
    }

    public func markKitLost(kitId: String, orderId: String, by actor: String, at: Date) async throws(StoreError) {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT lost_at FROM kits WHERE kit_id = ?", arguments: [kitId])
            else { throw StoreError.invalid(reason: "kit \(kitId) is not enrolled") }
            guard (row["lost_at"] as Date?) == nil else { return }
            try db.execute(
                sql: "UPDATE kits SET lost_at = ?, lost_order_id = ? WHERE kit_id = ?", arguments: [at, orderId, kitId])
            try Self.audit(
                db, actor: actor, action: "kit-lost", detail: "kit \(kitId): wipe order \(orderId) at next contact")
        }
    }

    public func recordKitWiped(kitId: String, orderId: String, lastSeq: UInt64, at: Date) async throws(StoreError)
        -> Bool
    {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE kits SET wiped_at = ?, wiped_last_seq = ?, active = 0
                    WHERE kit_id = ? AND lost_order_id = ? AND wiped_at IS NULL
                    """,
                arguments: [at, lastSeq, kitId, orderId])
            guard db.changesCount == 1 else { return false }
            try Self.audit(
                db, actor: "kit \(kitId)", action: "kit-wiped", detail: "kit \(kitId): wiped, last seq \(lastSeq)")
            return true
        }
    }
}
