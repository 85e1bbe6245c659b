import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    public func addConsumer(_ consumer: HandoffConsumer, tokenHash: [UInt8], push: PushEndpoint?)
        async throws(StoreError)
    {
        try await write { db in
            guard
                try Int.fetchOne(db, sql: "SELECT 1 FROM handoff_consumers WHERE name = ?", arguments: [consumer.name])
                    == nil
            else { throw StoreError.invalid(reason: "a consumer named \(consumer.name) exists already") }
            try db.execute(
                sql: """
                    INSERT INTO handoff_consumers
                        (name, procedure, public_key, token_hash, active, created_at, push_url, push_secret)
                    VALUES (?, ?, ?, ?, 1, ?, ?, ?)
                    """,
                arguments: [
                    consumer.name, consumer.procedure.rawValue, Data(consumer.publicKey), Data(tokenHash),
                    consumer.createdAt, push?.url, push.map { Data($0.secret.bytes) },
                ])
            try Self.audit(
                db, actor: "operator", action: "consumer-added",
                detail: "consumer \(consumer.name) (\(consumer.procedure.rawValue))"
                    + (push == nil ? "" : ", push to \(push?.url ?? "")"))
        }
    }

    public func setPushEndpoint(consumer: String, push: PushEndpoint?) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE handoff_consumers SET push_url = ?, push_secret = ? WHERE name = ? AND active = 1",
                arguments: [push?.url, push.map { Data($0.secret.bytes) }, consumer])
            guard db.changesCount == 1 else { throw StoreError.invalid(reason: "no active consumer named \(consumer)") }
            try Self.audit(
                db, actor: "operator", action: "consumer-push-changed",
                detail: "consumer \(consumer): " + (push.map { "push to \($0.url)" } ?? "pull only"))
        }
    }

    public func pushURLs() async throws(StoreError) -> [String: String] {
        try await read { db in
            var urls: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT name, push_url FROM handoff_consumers WHERE push_url IS NOT NULL")
            {
                urls[row["name"]] = row["push_url"]
            }
            return urls
        }
    }

    public func claimDuePushes(now: Date, lease: TimeInterval) async throws(StoreError) -> [PushClaim] {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: Self.dueHeadsQuery, arguments: [now])
            var claims: [PushClaim] = []
            for row in rows {
                let dossierId: String = row["dossier_id"]
                try db.execute(
                    sql: "UPDATE handoff_dossiers SET push_next_at = ? WHERE dossier_id = ?",
                    arguments: [now.addingTimeInterval(lease), dossierId])
                guard let secret = try? PushSecret(String(decoding: row["push_secret"] as Data, as: UTF8.self))
                else { continue }
                claims.append(
                    PushClaim(
                        dossierId: dossierId, caseId: row["case_id"], consumer: row["consumer"],
                        position: row["position"], container: Array(row["container"] as Data),
                        endpoint: PushEndpoint(url: row["push_url"], secret: secret), attempts: row["push_attempts"],
                        firstFailureAt: row["push_first_failure_at"]))
            }
            return claims
        }
    }

    public func recordPushDelivered(dossierId: String, at: Date) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE handoff_dossiers SET push_delivered_at = ?, push_next_at = NULL
                    WHERE dossier_id = ? AND push_delivered_at IS NULL
                    """,
                arguments: [at, dossierId])
            if db.changesCount == 1 {
                try Self.audit(db, actor: "server", action: "dossier-pushed", detail: "dossier \(dossierId)")
            }
        }
    }

    public func recordPushFailure(dossierId: String, reason: String, at: Date, retryAt: Date?)
        async throws(StoreError)
    {
        let deadAt: Date? = retryAt == nil ? at : nil
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE handoff_dossiers SET push_attempts = push_attempts + 1,
                        push_first_failure_at = COALESCE(push_first_failure_at, ?), push_last_error = ?,
                        push_next_at = ?, push_dead_at = ?
                    WHERE dossier_id = ? AND push_delivered_at IS NULL AND push_dead_at IS NULL
                    """,
                arguments: [at, String(reason.prefix(500)), retryAt, deadAt, dossierId])
            if retryAt == nil && db.changesCount == 1 {
                try Self.audit(
                    db, actor: "server", action: "dossier-push-dead-letter",
                    detail: "dossier \(dossierId): \(String(reason.prefix(500)))")
            }
        }
    }

    public func requeuePush(dossierId: String, by actor: String, at: Date) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE handoff_dossiers SET push_dead_at = NULL, push_attempts = 0, push_first_failure_at = NULL,
                        push_next_at = NULL
                    WHERE dossier_id = ? AND push_dead_at IS NOT NULL AND push_delivered_at IS NULL
                    """,
                arguments: [dossierId])
            guard db.changesCount == 1 else { return false }
            try Self.audit(db, actor: actor, action: "dossier-push-requeued", detail: "dossier \(dossierId)")
            return true
        }
    }

    public func pushQueue() async throws(StoreError) -> [PushQueueEntry] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.dossier_id, d.case_id, d.consumer, d.position, d.push_attempts, d.push_last_error,
                        d.push_next_at, d.push_dead_at
                    FROM handoff_dossiers d JOIN handoff_consumers c ON c.name = d.consumer
                    WHERE \(Self.undeliveredCondition) ORDER BY d.consumer, d.position
                    """
            ).map { row in
                let dead: Date? = row["push_dead_at"]
                return PushQueueEntry(
                    dossierId: row["dossier_id"], caseId: row["case_id"], consumer: row["consumer"],
                    position: row["position"], state: dead == nil ? .pending : .deadLetter,
                    attempts: row["push_attempts"], lastError: row["push_last_error"],
                    nextAttemptAt: row["push_next_at"], deadLetteredAt: dead)
            }
        }
    }

    /// Built, unconfirmed, undelivered dossiers of active push consumers (`d`, joined with `c`).
    static let undeliveredCondition = """
        c.active = 1 AND c.push_url IS NOT NULL AND d.position IS NOT NULL AND d.container IS NOT NULL
            AND d.outcome IS NULL AND d.push_delivered_at IS NULL
        """

    /// Each push consumer's queue head (lowest feed position neither delivered nor dead-lettered),
    /// when its next attempt is due.
    static let dueHeadsQuery = """
        SELECT d.dossier_id, d.case_id, d.consumer, d.position, d.container, d.push_attempts,
            d.push_first_failure_at, c.push_url, c.push_secret
        FROM handoff_dossiers d JOIN handoff_consumers c ON c.name = d.consumer
        WHERE \(undeliveredCondition) AND d.push_dead_at IS NULL
            AND d.position = (
                SELECT MIN(o.position) FROM handoff_dossiers o
                WHERE o.consumer = d.consumer AND o.position IS NOT NULL AND o.container IS NOT NULL
                    AND o.outcome IS NULL AND o.push_delivered_at IS NULL AND o.push_dead_at IS NULL)
            AND (d.push_next_at IS NULL OR d.push_next_at <= ?)
        ORDER BY d.consumer
        """
}
