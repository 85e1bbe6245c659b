import Foundation
import GRDB

extension SQLiteSyncStore {
    public func addOperator(_ account: OperatorAccount, password: OperatorPassword, by actor: String)
        async throws(StoreError)
    {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM operators WHERE name = ?", arguments: [account.name]) == nil
            else { throw StoreError.invalid(reason: "an operator named \(account.name) exists already") }
            try db.execute(
                sql: """
                    INSERT INTO operators (name, display_name, role, password, active, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    account.name, account.displayName, account.role.rawValue, password.encoded, account.active,
                    account.createdAt,
                ])
            try Self.audit(
                db, actor: actor, action: "operator-added", detail: "\(account.name), role \(account.role.rawValue)")
        }
    }

    public func operators() async throws(StoreError) -> [OperatorAccount] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, display_name, role, active, created_at FROM operators ORDER BY name"
            ).compactMap(Self.operatorAccount)
        }
    }

    public func operatorCredential(name: String) async throws(StoreError) -> (OperatorAccount, OperatorPassword?)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT name, display_name, role, active, created_at, password FROM operators WHERE name = ?",
                    arguments: [name]),
                let account = Self.operatorAccount(row)
            else { return nil }
            return (account, OperatorPassword(encoded: row["password"]))
        }
    }

    public func setOperatorActive(name: String, active: Bool, by actor: String) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE operators SET active = ? WHERE name = ?", arguments: [active, name])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM operator_sessions WHERE operator_name = ?", arguments: [name])
            try Self.audit(db, actor: actor, action: active ? "operator-enabled" : "operator-disabled", detail: name)
            return true
        }
    }

    public func setOperatorPassword(name: String, password: OperatorPassword, by actor: String)
        async throws(StoreError) -> Bool
    {
        try await write { db in
            try db.execute(
                sql: "UPDATE operators SET password = ? WHERE name = ?", arguments: [password.encoded, name])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM operator_sessions WHERE operator_name = ?", arguments: [name])
            try Self.audit(db, actor: actor, action: "operator-password-set", detail: name)
            return true
        }
    }

    public func startOperatorSession(
        idHash: [UInt8], operatorName: String?, expiresAt: Date, now: Date, maximumSessions: Int
    ) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM operator_sessions WHERE expires_at <= ?", arguments: [now])
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operator_sessions") ?? 0
            let excess = count - max(1, maximumSessions) + 1
            if excess > 0 {
                try db.execute(
                    sql: """
                        DELETE FROM operator_sessions WHERE id_hash IN
                            (SELECT id_hash FROM operator_sessions ORDER BY expires_at, created_at LIMIT ?)
                        """,
                    arguments: [excess])
            }
            try db.execute(
                sql:
                    "INSERT INTO operator_sessions (id_hash, created_at, expires_at, operator_name) VALUES (?, ?, ?, ?)",
                arguments: [Data(idHash), now, expiresAt, operatorName])
        }
    }

    public func operatorSession(idHash: [UInt8], now: Date) async throws(StoreError) -> OperatorIdentity? {
        try await read { db in
            guard
                let session = try Row.fetchOne(
                    db, sql: "SELECT operator_name FROM operator_sessions WHERE id_hash = ? AND expires_at > ?",
                    arguments: [Data(idHash), now])
            else { return nil }
            guard let name = session["operator_name"] as String? else { return .token }
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT name, display_name, role, active, created_at FROM operators WHERE name = ?",
                    arguments: [name]),
                let account = Self.operatorAccount(row), account.active
            else { return nil }
            return .account(account)
        }
    }

    public func endOperatorSession(idHash: [UInt8]) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM operator_sessions WHERE id_hash = ?", arguments: [Data(idHash)])
        }
    }

    static func operatorAccount(_ row: Row) -> OperatorAccount? {
        guard let role = OperatorRole(rawValue: row["role"]) else { return nil }
        return OperatorAccount(
            name: row["name"], displayName: row["display_name"], role: role, active: row["active"],
            createdAt: row["created_at"])
    }
}
