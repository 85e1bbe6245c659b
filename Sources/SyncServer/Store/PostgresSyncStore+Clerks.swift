import Foundation
import KitCore
import PostgresNIO

extension PostgresSyncStore {
    public func addClerk(kitId: String, clerk: Clerk, by actor: String, at: Date) async throws(StoreError) {
        try await write { connection in
            guard
                try await connection.query("SELECT 1 FROM kits WHERE kit_id = \(kitId)", logger: self.logger)
                    .collect().count == 1
            else { throw StoreError.invalid(reason: "kit \(kitId) is not enrolled") }
            let existing = try await connection.query(
                "SELECT revoked_at FROM kit_clerks WHERE kit_id = \(kitId) AND clerk_id = \(clerk.id) FOR UPDATE",
                logger: self.logger
            ).collect()
            if let row = existing.first {
                guard try row.decode(Date?.self) == nil else {
                    throw StoreError.invalid(reason: "clerk \(clerk.id) was revoked on kit \(kitId) and stays revoked")
                }
                try await connection.query(
                    "UPDATE kit_clerks SET name = \(clerk.name) WHERE kit_id = \(kitId) AND clerk_id = \(clerk.id)",
                    logger: self.logger)
            } else {
                try await connection.query(
                    """
                    INSERT INTO kit_clerks (kit_id, clerk_id, name, added_at)
                    VALUES (\(kitId), \(clerk.id), \(clerk.name), \(at))
                    """, logger: self.logger)
            }
            try await self.audit(
                connection, actor: actor, action: "clerk-added", detail: "kit \(kitId): clerk \(clerk.id)")
        }
    }

    public func revokeClerk(kitId: String, clerkId: String, by actor: String, at: Date) async throws(StoreError)
        -> Bool
    {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE kit_clerks SET revoked_at = \(at)
                WHERE kit_id = \(kitId) AND clerk_id = \(clerkId) AND revoked_at IS NULL RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard changed == 1 else { return false }
            try await self.audit(
                connection, actor: actor, action: "clerk-revoked",
                detail: "kit \(kitId): clerk \(clerkId), key slot removed at next contact")
            return true
        }
    }

    public func clerks(kitId: String) async throws(StoreError) -> [KitClerk] {
        try await withConnection { connection in
            var clerks: [KitClerk] = []
            for try await (clerkId, name, revokedAt) in try await connection.query(
                "SELECT clerk_id, name, revoked_at FROM kit_clerks WHERE kit_id = \(kitId) ORDER BY clerk_id",
                logger: self.logger
            ).decode((String, String, Date?).self) {
                clerks.append(KitClerk(clerkId: clerkId, name: name, revokedAt: revokedAt))
            }
            return clerks
        }
    }
}
