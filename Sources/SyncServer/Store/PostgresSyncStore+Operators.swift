import Foundation
import PostgresNIO

extension PostgresSyncStore {
    public func addOperator(_ account: OperatorAccount, password: OperatorPassword, by actor: String)
        async throws(StoreError)
    {
        try await write { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO operators (name, display_name, role, password, active, created_at)
                VALUES (\(account.name), \(account.displayName), \(account.role.rawValue), \(password.encoded),
                    \(account.active), \(account.createdAt))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard inserted == 1 else {
                throw StoreError.invalid(reason: "an operator named \(account.name) exists already")
            }
            try await self.audit(
                connection, actor: actor, action: "operator-added",
                detail: "\(account.name), role \(account.role.rawValue)")
        }
    }

    public func operators() async throws(StoreError) -> [OperatorAccount] {
        try await withConnection { connection in
            var accounts: [OperatorAccount] = []
            for try await (name, displayName, role, active, createdAt) in try await connection.query(
                "SELECT name, display_name, role, active, created_at FROM operators ORDER BY name", logger: self.logger
            ).decode((String, String, String, Bool, Date).self) {
                if let role = OperatorRole(rawValue: role) {
                    accounts.append(
                        OperatorAccount(
                            name: name, displayName: displayName, role: role, active: active, createdAt: createdAt))
                }
            }
            return accounts
        }
    }

    public func operatorCredential(name: String) async throws(StoreError) -> (OperatorAccount, OperatorPassword?)? {
        try await withConnection { connection in
            for try await (name, displayName, role, active, createdAt, password) in try await connection.query(
                "SELECT name, display_name, role, active, created_at, password FROM operators WHERE name = \(name)",
                logger: self.logger
            ).decode((String, String, String, Bool, Date, String).self) {
                guard let role = OperatorRole(rawValue: role) else { return nil }
                return (
                    OperatorAccount(
                        name: name, displayName: displayName, role: role, active: active, createdAt: createdAt),
                    OperatorPassword(encoded: password)
                )
            }
            return nil
        }
    }

    public func setOperatorActive(name: String, active: Bool, by actor: String) async throws(StoreError) -> Bool {
        try await write { connection in
            let changed = try await connection.query(
                "UPDATE operators SET active = \(active) WHERE name = \(name) RETURNING 1", logger: self.logger
            ).collect().count
            guard changed == 1 else { return false }
            try await connection.query(
                "DELETE FROM operator_sessions WHERE operator_name = \(name)", logger: self.logger)
            try await self.audit(
                connection, actor: actor, action: active ? "operator-enabled" : "operator-disabled", detail: name)
            return true
        }
    }

    public func setOperatorPassword(name: String, password: OperatorPassword, by actor: String)
        async throws(StoreError) -> Bool
    {
        try await write { connection in
            let changed = try await connection.query(
                "UPDATE operators SET password = \(password.encoded) WHERE name = \(name) RETURNING 1",
                logger: self.logger
            ).collect().count
            guard changed == 1 else { return false }
            try await connection.query(
                "DELETE FROM operator_sessions WHERE operator_name = \(name)", logger: self.logger)
            try await self.audit(connection, actor: actor, action: "operator-password-set", detail: name)
            return true
        }
    }

    public func startOperatorSession(
        idHash: [UInt8], operatorName: String?, expiresAt: Date, now: Date, maximumSessions: Int
    ) async throws(StoreError) {
        let keep = max(1, maximumSessions) - 1
        try await write { connection in
            try await connection.query("DELETE FROM operator_sessions WHERE expires_at <= \(now)", logger: self.logger)
            // Beyond the limit, the sessions closest to expiry give way.
            try await connection.query(
                """
                DELETE FROM operator_sessions WHERE id_hash IN (
                    SELECT id_hash FROM operator_sessions ORDER BY expires_at DESC, created_at DESC OFFSET \(keep))
                """, logger: self.logger)
            try await connection.query(
                """
                INSERT INTO operator_sessions (id_hash, created_at, expires_at, operator_name)
                VALUES (\(Data(idHash)), \(now), \(expiresAt), \(operatorName))
                """, logger: self.logger)
        }
    }

    public func operatorSession(idHash: [UInt8], now: Date) async throws(StoreError) -> OperatorIdentity? {
        try await withConnection { connection in
            var found = false
            var holder: String?
            for try await name in try await connection.query(
                "SELECT operator_name FROM operator_sessions WHERE id_hash = \(Data(idHash)) AND expires_at > \(now)",
                logger: self.logger
            ).decode(String?.self) {
                found = true
                holder = name
            }
            guard found else { return nil }
            guard let holder else { return .token }
            for try await (name, displayName, role, active, createdAt) in try await connection.query(
                "SELECT name, display_name, role, active, created_at FROM operators WHERE name = \(holder)",
                logger: self.logger
            ).decode((String, String, String, Bool, Date).self) {
                guard active, let role = OperatorRole(rawValue: role) else { return nil }
                return .account(
                    OperatorAccount(
                        name: name, displayName: displayName, role: role, active: active, createdAt: createdAt))
            }
            return nil
        }
    }

    public func endOperatorSession(idHash: [UInt8]) async throws(StoreError) {
        try await withConnection { connection in
            try await connection.query(
                "DELETE FROM operator_sessions WHERE id_hash = \(Data(idHash))", logger: self.logger)
        }
    }
}
