import Foundation
import KitCore
import PostgresNIO

extension PostgresSyncStore {
    public func addConsumer(_ consumer: HandoffConsumer, tokenHash: [UInt8], push: PushEndpoint?)
        async throws(StoreError)
    {
        try await write { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO handoff_consumers
                    (name, procedure, public_key, token_hash, active, created_at, push_url, push_secret)
                VALUES (\(consumer.name), \(consumer.procedure.rawValue), \(Data(consumer.publicKey)),
                    \(Data(tokenHash)), TRUE, \(consumer.createdAt), \(push?.url),
                    \(push.map { Data($0.secret.bytes) }))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard inserted == 1 else {
                throw StoreError.invalid(reason: "a consumer named \(consumer.name) exists already")
            }
            try await self.audit(
                connection, actor: "operator", action: "consumer-added",
                detail: "consumer \(consumer.name) (\(consumer.procedure.rawValue))"
                    + (push.map { ", push to \($0.url)" } ?? ""))
        }
    }

    public func setPushEndpoint(consumer: String, push: PushEndpoint?) async throws(StoreError) {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE handoff_consumers SET push_url = \(push?.url), push_secret = \(push.map { Data($0.secret.bytes) })
                WHERE name = \(consumer) AND active RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard changed == 1 else { throw StoreError.invalid(reason: "no active consumer named \(consumer)") }
            try await self.audit(
                connection, actor: "operator", action: "consumer-push-changed",
                detail: "consumer \(consumer): " + (push.map { "push to \($0.url)" } ?? "pull only"))
        }
    }

    public func pushURLs() async throws(StoreError) -> [String: String] {
        try await withConnection { connection in
            var urls: [String: String] = [:]
            for try await (name, url) in try await connection.query(
                "SELECT name, push_url FROM handoff_consumers WHERE push_url IS NOT NULL", logger: self.logger
            ).decode((String, String).self) {
                urls[name] = url
            }
            return urls
        }
    }

    public func claimDuePushes(now: Date, lease: TimeInterval) async throws(StoreError) -> [PushClaim] {
        try await write { connection in
            var candidates: [(String, String, String, Int64, Data, Int64, Date?, String, Data)] = []
            for try await row in try await connection.query(
                """
                SELECT d.dossier_id, d.case_id, d.consumer, d.position, d.container, d.push_attempts,
                    d.push_first_failure_at, c.push_url, c.push_secret
                FROM handoff_dossiers d JOIN handoff_consumers c ON c.name = d.consumer
                WHERE \(unescaped: Self.undeliveredCondition) AND d.push_dead_at IS NULL
                    AND d.position = (
                        SELECT MIN(o.position) FROM handoff_dossiers o
                        WHERE o.consumer = d.consumer AND o.position IS NOT NULL AND o.container IS NOT NULL
                            AND o.outcome IS NULL AND o.push_delivered_at IS NULL AND o.push_dead_at IS NULL)
                    AND (d.push_next_at IS NULL OR d.push_next_at <= \(now))
                ORDER BY d.consumer
                """, logger: self.logger
            ).decode((String, String, String, Int64, Data, Int64, Date?, String, Data).self) {
                candidates.append(row)
            }
            var claims: [PushClaim] = []
            for (dossierId, caseId, consumer, position, container, attempts, firstFailure, url, secretBytes)
                in candidates
            {
                // Another server process may have claimed it since the read: the row lock makes
                // this update wait for it and then see its lease.
                let claimed = try await connection.query(
                    """
                    UPDATE handoff_dossiers SET push_next_at = \(now.addingTimeInterval(lease))
                    WHERE dossier_id = \(dossierId) AND push_delivered_at IS NULL AND push_dead_at IS NULL
                        AND outcome IS NULL AND (push_next_at IS NULL OR push_next_at <= \(now))
                    RETURNING 1
                    """, logger: self.logger
                ).collect().count
                guard claimed == 1, let secret = try? PushSecret(String(decoding: secretBytes, as: UTF8.self)) else {
                    continue
                }
                claims.append(
                    PushClaim(
                        dossierId: dossierId, caseId: caseId, consumer: consumer, position: position,
                        container: Array(container), endpoint: PushEndpoint(url: url, secret: secret),
                        attempts: Int(attempts), firstFailureAt: firstFailure))
            }
            return claims
        }
    }

    public func recordPushDelivered(dossierId: String, at: Date) async throws(StoreError) {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE handoff_dossiers SET push_delivered_at = \(at), push_next_at = NULL
                WHERE dossier_id = \(dossierId) AND push_delivered_at IS NULL RETURNING 1
                """, logger: self.logger
            ).collect().count
            if changed == 1 {
                try await self.audit(
                    connection, actor: "server", action: "dossier-pushed", detail: "dossier \(dossierId)")
            }
        }
    }

    public func recordPushFailure(dossierId: String, reason: String, at: Date, retryAt: Date?)
        async throws(StoreError)
    {
        let reason = String(reason.prefix(500))
        let deadAt: Date? = retryAt == nil ? at : nil
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE handoff_dossiers SET push_attempts = push_attempts + 1,
                    push_first_failure_at = COALESCE(push_first_failure_at, \(at)), push_last_error = \(reason),
                    push_next_at = \(retryAt), push_dead_at = \(deadAt)
                WHERE dossier_id = \(dossierId) AND push_delivered_at IS NULL AND push_dead_at IS NULL RETURNING 1
                """, logger: self.logger
            ).collect().count
            if retryAt == nil && changed == 1 {
                try await self.audit(
                    connection, actor: "server", action: "dossier-push-dead-letter",
                    detail: "dossier \(dossierId): \(reason)")
            }
        }
    }

    public func requeuePush(dossierId: String, by actor: String, at: Date) async throws(StoreError) -> Bool {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE handoff_dossiers SET push_dead_at = NULL, push_attempts = 0, push_first_failure_at = NULL,
                    push_next_at = NULL
                WHERE dossier_id = \(dossierId) AND push_dead_at IS NOT NULL AND push_delivered_at IS NULL
                RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard changed == 1 else { return false }
            try await self.audit(
                connection, actor: actor, action: "dossier-push-requeued", detail: "dossier \(dossierId)")
            return true
        }
    }

    public func pushQueue() async throws(StoreError) -> [PushQueueEntry] {
        try await withConnection { connection in
            var entries: [PushQueueEntry] = []
            for try await (id, caseId, consumer, position, attempts, lastError, nextAt, deadAt)
                in try await connection
                .query(
                    """
                    SELECT d.dossier_id, d.case_id, d.consumer, d.position, d.push_attempts, d.push_last_error,
                        d.push_next_at, d.push_dead_at
                    FROM handoff_dossiers d JOIN handoff_consumers c ON c.name = d.consumer
                    WHERE \(unescaped: Self.undeliveredCondition) ORDER BY d.consumer, d.position
                    """, logger: self.logger
                ).decode((String, String, String, Int64, Int64, String?, Date?, Date?).self)
            {
                entries.append(
                    PushQueueEntry(
                        dossierId: id, caseId: caseId, consumer: consumer, position: position,
                        state: deadAt == nil ? .pending : .deadLetter, attempts: Int(attempts), lastError: lastError,
                        nextAttemptAt: nextAt, deadLetteredAt: deadAt))
            }
            return entries
        }
    }

    /// Built, unconfirmed, undelivered dossiers of active push consumers (`d`, joined with `c`).
    static let undeliveredCondition = """
        c.active AND c.push_url IS NOT NULL AND d.position IS NOT NULL AND d.container IS NOT NULL
            AND d.outcome IS NULL AND d.push_delivered_at IS NULL
        """
}
