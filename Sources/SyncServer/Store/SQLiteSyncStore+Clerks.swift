import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    public func addClerk(kitId: String, clerk: Clerk, by actor: String, at: Date) async throws(StoreError) {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM kits WHERE kit_id = ?", arguments: [kitId]) != nil else {
                throw StoreError.invalid(reason: "kit \(kitId) is not enrolled")
            }
            if let revoked = try Row.fetchOne(
                db, sql: "SELECT revoked_at FROM kit_clerks WHERE kit_id = ? AND clerk_id = ?",
                arguments: [kitId, clerk.id])
            {
                guard (revoked["revoked_at"] as Date?) == nil else {
                    throw StoreError.invalid(reason: "clerk \(clerk.id) was revoked on kit \(kitId) and stays revoked")
                }
                try db.execute(
                    sql: "UPDATE kit_clerks SET name = ? WHERE kit_id = ? AND clerk_id = ?",
                    arguments: [clerk.name, kitId, clerk.id])
            } else {
                try db.execute(
                    sql: "INSERT INTO kit_clerks (kit_id, clerk_id, name, added_at) VALUES (?, ?, ?, ?)",
                    arguments: [kitId, clerk.id, clerk.name, at])
            }
            try Self.audit(db, actor: actor, action: "clerk-added", detail: "kit \(kitId): clerk \(clerk.id)")
        }
    }

    public func revokeClerk(kitId: String, clerkId: String, by actor: String, at: Date) async throws(StoreError)
        -> Bool
    {
        try await write { db in
            try db.execute(
                sql: "UPDATE kit_clerks SET revoked_at = ? WHERE kit_id = ? AND clerk_id = ? AND revoked_at IS NULL",
                arguments: [at, kitId, clerkId])
            guard db.changesCount == 1 else { return false }
            try Self.audit(
                db, actor: actor, action: "clerk-revoked",
                detail: "kit \(kitId): clerk \(clerkId), key slot removed at next contact")
            return true
        }
    }

    public func clerks(kitId: String) async throws(StoreError) -> [KitClerk] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT clerk_id, name, revoked_at FROM kit_clerks WHERE kit_id = ? ORDER BY clerk_id",
                arguments: [kitId]
            ).map { KitClerk(clerkId: $0["clerk_id"], name: $0["name"], revokedAt: $0["revoked_at"]) }
        }
    }
}
