import Crypto
import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    // MARK: Outbox (inside the ingest or resolution transaction)

    /// Records one hand-off record per routed active consumer for a case that is completed and
    /// has no open conflict; nothing otherwise. Idempotent (one record per case and consumer).
    static func recordHandoffIfReady(_ db: Database, caseId: String) throws {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT open, fee_paid FROM cases WHERE case_id = ?", arguments: [caseId]),
            !(row["open"] as Bool)
        else { return }
        let conflicts = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM conflicts WHERE case_id = ? AND resolution IS NULL", arguments: [caseId])
        guard conflicts == 0 else { return }
        let kinds = try String.fetchAll(
            db, sql: "SELECT DISTINCT kind FROM transactions WHERE case_id = ? AND outcome = 'applied'",
            arguments: [caseId])
        let procedures = HandoffRouting.procedures(appliedKinds: Set(kinds), feePaid: row["fee_paid"])
        let consumers = try Row.fetchAll(
            db, sql: "SELECT name, procedure FROM handoff_consumers WHERE active = 1 ORDER BY name")
        let now = Date()
        var recorded: [String] = []
        for consumer in consumers {
            guard let procedure = HandoffProcedure(rawValue: consumer["procedure"]), procedures.contains(procedure)
            else { continue }
            let name: String = consumer["name"]
            try db.execute(
                sql: """
                    INSERT INTO handoff_dossiers (dossier_id, case_id, consumer, procedure, recorded_at)
                    VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [
                    HandoffRouting.dossierId(caseId: caseId, consumer: name), caseId, name, procedure.rawValue, now,
                ])
            if db.changesCount == 1 { recorded.append(name) }
        }
        if !recorded.isEmpty {
            try audit(
                db, actor: "server", action: "handoff-recorded",
                detail: "case \(caseId) → \(recorded.joined(separator: ", "))")
        }
    }

    // MARK: Consumers

    public func addConsumer(_ consumer: HandoffConsumer, tokenHash: [UInt8]) async throws(StoreError) {
        try await addConsumer(consumer, tokenHash: tokenHash, push: nil)
    }

    public func consumers() async throws(StoreError) -> [HandoffConsumer] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM handoff_consumers ORDER BY name").map(Self.consumerRecord)
        }
    }

    public func revokeConsumer(name: String) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE handoff_consumers SET active = 0, revoked_at = ? WHERE name = ? AND active = 1",
                arguments: [Date(), name])
            guard db.changesCount == 1 else {
                throw StoreError.invalid(reason: "no active consumer named \(name)")
            }
            try Self.audit(db, actor: "operator", action: "consumer-revoked", detail: "consumer \(name)")
        }
    }

    public func backfillHandoff(consumer name: String) async throws(StoreError) -> Int {
        try await write { db in
            let active = try Bool.fetchOne(
                db, sql: "SELECT active = 1 FROM handoff_consumers WHERE name = ?", arguments: [name])
            guard active == true else { throw StoreError.invalid(reason: "no active consumer named \(name)") }
            let count = "SELECT COUNT(*) FROM handoff_dossiers WHERE consumer = ?"
            let before = try Int.fetchOne(db, sql: count, arguments: [name]) ?? 0
            let cases = try String.fetchAll(
                db,
                sql: """
                    SELECT case_id FROM cases c WHERE open = 0 AND NOT EXISTS (
                        SELECT 1 FROM transactions t WHERE t.case_id = c.case_id AND t.evidence_deleted_at IS NOT NULL)
                    ORDER BY case_id
                    """)
            for caseId in cases { try Self.recordHandoffIfReady(db, caseId: caseId) }
            let added = (try Int.fetchOne(db, sql: count, arguments: [name]) ?? 0) - before
            try Self.audit(
                db, actor: "operator", action: "consumer-backfilled", detail: "consumer \(name): \(added) case(s)")
            return added
        }
    }

    public func consumer(tokenHash: [UInt8]) async throws(StoreError) -> HandoffConsumer? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM handoff_consumers WHERE token_hash = ? AND active = 1",
                arguments: [Data(tokenHash)]
            ).map(Self.consumerRecord)
        }
    }

    // MARK: Dossiers

    public func dossiersAwaitingBuild(limit: Int) async throws(StoreError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT d.dossier_id FROM handoff_dossiers d JOIN handoff_consumers c ON c.name = d.consumer
                    WHERE d.built_at IS NULL AND c.active = 1 ORDER BY d.recorded_at, d.dossier_id LIMIT ?
                    """,
                arguments: [limit])
        }
    }

    public func dossierSources(dossierId: String) async throws(StoreError) -> DossierSources? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM handoff_dossiers WHERE dossier_id = ? AND built_at IS NULL",
                    arguments: [dossierId]),
                let record = Self.dossierRecord(row),
                let consumerKey = try Data.fetchOne(
                    db, sql: "SELECT public_key FROM handoff_consumers WHERE name = ?", arguments: [record.consumer]),
                let caseRow = try Row.fetchOne(
                    db, sql: "SELECT version, snapshot FROM cases WHERE case_id = ?", arguments: [record.caseId])
            else { return nil }
            let steps = try Row.fetchAll(
                db,
                sql: """
                    SELECT kit_id, seq, kind, outcome, envelope, prev_hash, chain_hash FROM transactions
                    WHERE case_id = ? AND outcome = 'applied' ORDER BY kit_id, seq
                    """,
                arguments: [record.caseId]
            ).map(Self.storedTransaction)
            var chain: [StoredTransaction] = []
            var keys: [String: [UInt8]] = [:]
            for kitId in Set(steps.map(\.kitId)).sorted() {
                let seqs = steps.filter { $0.kitId == kitId }.map(\.seq)
                chain += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT kit_id, seq, kind, outcome, envelope, prev_hash, chain_hash FROM transactions
                        WHERE kit_id = ? AND seq BETWEEN ? AND ? ORDER BY seq
                        """,
                    arguments: [kitId, seqs.min() ?? 0, seqs.max() ?? 0]
                ).map(Self.storedTransaction)
                keys[kitId] = try Data.fetchOne(
                    db, sql: "SELECT signing_key FROM kits WHERE kit_id = ?", arguments: [kitId]
                ).map(Array.init)
            }
            return DossierSources(
                record: record, consumerKey: Array(consumerKey), caseVersion: caseRow["version"],
                caseSnapshot: Array((caseRow["snapshot"] as String).utf8), kitSigningKeys: keys, steps: steps,
                chain: chain)
        }
    }

    public func storeBuiltDossier(dossierId: String, container: [UInt8], at: Date) async throws(StoreError)
        -> [UInt8]?
    {
        try await write { db in
            let position = (try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM handoff_dossiers") ?? 0) + 1
            try db.execute(
                sql: """
                    UPDATE handoff_dossiers SET container = ?, sha256 = ?, size = ?, built_at = ?, position = ?
                    WHERE dossier_id = ? AND built_at IS NULL
                    """,
                arguments: [
                    Data(container), Hex.encode(SHA256.hash(data: container)), container.count, at, position,
                    dossierId,
                ])
            if db.changesCount == 1 {
                try Self.audit(db, actor: "server", action: "dossier-built", detail: "dossier \(dossierId)")
            }
            return try Data.fetchOne(
                db, sql: "SELECT container FROM handoff_dossiers WHERE dossier_id = ?", arguments: [dossierId]
            ).map(Array.init)
        }
    }

    public func dossierFeed(consumer: String, after: Int64, limit: Int) async throws(StoreError) -> [DossierRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM handoff_dossiers WHERE consumer = ? AND position > ? ORDER BY position LIMIT ?
                    """,
                arguments: [consumer, after, limit]
            ).compactMap(Self.dossierRecord)
        }
    }

    public func dossier(id: String) async throws(StoreError) -> (record: DossierRecord, container: [UInt8]?)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM handoff_dossiers WHERE dossier_id = ?", arguments: [id]),
                let record = Self.dossierRecord(row)
            else { return nil }
            return (record, (row["container"] as Data?).map(Array.init))
        }
    }

    public func acknowledgeDossier(
        id: String, consumer: String, acknowledgement: HandoffAcknowledgement, at: Date
    ) async throws(StoreError) -> AcknowledgementResult {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM handoff_dossiers WHERE dossier_id = ?", arguments: [id]),
                let record = Self.dossierRecord(row)
            else { return .notFound }
            guard record.consumer == consumer else { return .foreign }
            guard record.builtAt != nil else { return .notBuilt }
            if let existing = record.outcome {
                return existing == acknowledgement.outcome ? .alreadyRecorded : .conflicting(existing)
            }
            try db.execute(
                sql: "UPDATE handoff_dossiers SET outcome = ?, reason = ?, acknowledged_at = ? WHERE dossier_id = ?",
                arguments: [acknowledgement.outcome.rawValue, acknowledgement.reason, at, id])
            try Self.audit(
                db, actor: "consumer \(consumer)", action: "dossier-\(acknowledgement.outcome.rawValue)",
                detail: "dossier \(id) case \(record.caseId)")
            return .recorded
        }
    }

    public func dossiers(rejectedOnly: Bool) async throws(StoreError) -> [DossierRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM handoff_dossiers" + (rejectedOnly ? " WHERE outcome = 'rejected'" : "")
                    + " ORDER BY recorded_at DESC, dossier_id"
            ).compactMap(Self.dossierRecord)
        }
    }

    // MARK: Retention

    public func deleteExpiredEvidence(retentionDays: Int, now: Date) async throws(StoreError) -> EvidenceDeletion {
        let cutoff = now.addingTimeInterval(-Double(max(0, retentionDays)) * 86_400)
        let deletion = try await write { db in
            let cases = try String.fetchAll(
                db, sql: Self.expiredCasesQuery, arguments: [cutoff])
            var result = EvidenceDeletion(cases: cases)
            for caseId in cases {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT kit_id, seq, envelope FROM transactions
                        WHERE case_id = ? AND evidence_deleted_at IS NULL ORDER BY kit_id, seq
                        """,
                    arguments: [caseId])
                for row in rows {
                    let bytes = Array(row["envelope"] as Data)
                    let envelope = try? TransactionEnvelope(decoding: bytes)
                    try db.execute(
                        sql: """
                            UPDATE transactions SET header = ?, signature = ?, chain_hash = COALESCE(chain_hash, ?),
                                prev_hash = COALESCE(prev_hash, ?), proof = COALESCE(proof, ?), envelope = X'',
                                evidence_deleted_at = ?
                            WHERE kit_id = ? AND seq = ?
                            """,
                        arguments: [
                            envelope.map { Data($0.header.encoded()) }, envelope.map { Data($0.signature) },
                            Data(TransactionEnvelope.chainHash(ofEncoded: bytes)),
                            envelope.map { Data($0.header.prevHash) }, envelope.map { Data($0.proofBytes()) }, now,
                            row["kit_id"] as String, row["seq"] as Int64,
                        ])
                }
                try db.execute(
                    sql: """
                        UPDATE handoff_dossiers SET container = NULL, evidence_deleted_at = ?
                        WHERE case_id = ? AND evidence_deleted_at IS NULL
                        """,
                    arguments: [now, caseId])
                let dossiers = db.changesCount
                try Self.audit(
                    db, actor: "retention", action: "evidence-deleted",
                    detail: "case \(caseId): \(rows.count) sealed payload(s), \(dossiers) dossier copy(ies); "
                        + "headers, hashes and signatures kept")
                result.transactions += rows.count
                result.dossiers += dossiers
            }
            return result
        }
        if !deletion.cases.isEmpty {
            // secure_delete zeroed the freed cells and pages; the old page images in the WAL go too.
            do {
                try await pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                }
            } catch {
                throw .unavailable(reason: "the evidence was deleted but the WAL checkpoint failed: \(error)")
            }
        }
        return deletion
    }

    /// Cases with undeleted evidence where every active consumer accepted by the cutoff (and at
    /// least one did).
    static let expiredCasesQuery = """
        SELECT DISTINCT d.case_id FROM handoff_dossiers d
        WHERE d.evidence_deleted_at IS NULL AND d.outcome = 'accepted' AND NOT EXISTS (
            SELECT 1 FROM handoff_dossiers o JOIN handoff_consumers c ON c.name = o.consumer
            WHERE o.case_id = d.case_id AND c.active = 1
                AND (o.outcome IS NULL OR o.outcome <> 'accepted' OR o.acknowledged_at > ?))
        ORDER BY d.case_id
        """

    // MARK: Rows

    static func consumerRecord(_ row: Row) -> HandoffConsumer {
        HandoffConsumer(
            name: row["name"], procedure: HandoffProcedure(rawValue: row["procedure"]) ?? .dms,
            publicKey: Array(row["public_key"] as Data), active: row["active"], createdAt: row["created_at"])
    }

    static func dossierRecord(_ row: Row) -> DossierRecord? {
        guard let procedure = HandoffProcedure(rawValue: row["procedure"]) else { return nil }
        return DossierRecord(
            dossierId: row["dossier_id"], caseId: row["case_id"], consumer: row["consumer"], procedure: procedure,
            recordedAt: row["recorded_at"], position: row["position"], builtAt: row["built_at"],
            sha256: row["sha256"], size: row["size"],
            outcome: (row["outcome"] as String?).flatMap(HandoffOutcome.init(rawValue:)), reason: row["reason"],
            acknowledgedAt: row["acknowledged_at"], evidenceDeletedAt: row["evidence_deleted_at"])
    }

    static func storedTransaction(_ row: Row) -> StoredTransaction {
        let envelope = Array(row["envelope"] as Data)
        let prevHash =
            (row["prev_hash"] as Data?).map(Array.init)
            ?? (try? TransactionEnvelope(decoding: envelope))?.header.prevHash ?? []
        let chainHash =
            (row["chain_hash"] as Data?).map(Array.init) ?? TransactionEnvelope.chainHash(ofEncoded: envelope)
        return StoredTransaction(
            kitId: row["kit_id"], seq: row["seq"], kind: row["kind"], outcome: row["outcome"], envelope: envelope,
            prevHash: prevHash, chainHash: chainHash)
    }
}
