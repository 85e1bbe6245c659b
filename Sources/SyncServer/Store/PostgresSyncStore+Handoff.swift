import Crypto
import Foundation
import KitCore
import Logging
import PostgresNIO

extension PostgresSyncStore {
    /// Serialises feed positions between server processes: a position is handed out under this
    /// transaction lock, so positions grow in commit order and a feed reader never skips one.
    static let feedPositionLockKey: Int64 = 0x5359_4E43_4446_4545

    // MARK: Outbox (inside the ingest or resolution transaction)

    /// Records one hand-off record per routed active consumer for a case that is completed and
    /// has no open conflict; nothing otherwise. Idempotent (one record per case and consumer).
    static func recordHandoffIfReady(_ connection: PostgresConnection, caseId: String, logger: Logger) async throws {
        var feePaid: Bool?
        for try await (open, paid) in try await connection.query(
            "SELECT open, fee_paid FROM cases WHERE case_id = \(caseId)", logger: logger
        ).decode((Bool, Bool).self) where !open {
            feePaid = paid
        }
        guard let feePaid else { return }
        for try await count in try await connection.query(
            "SELECT COUNT(*) FROM conflicts WHERE case_id = \(caseId) AND resolution IS NULL", logger: logger
        ).decode(Int64.self) where count > 0 {
            return
        }
        var kinds: Set<String> = []
        for try await kind in try await connection.query(
            "SELECT DISTINCT kind FROM transactions WHERE case_id = \(caseId) AND outcome = 'applied'", logger: logger
        ).decode(String.self) {
            kinds.insert(kind)
        }
        let procedures = HandoffRouting.procedures(appliedKinds: kinds, feePaid: feePaid)
        var consumers: [(String, HandoffProcedure)] = []
        for try await (name, procedure) in try await connection.query(
            "SELECT name, procedure FROM handoff_consumers WHERE active ORDER BY name", logger: logger
        ).decode((String, String).self) {
            if let procedure = HandoffProcedure(rawValue: procedure), procedures.contains(procedure) {
                consumers.append((name, procedure))
            }
        }
        let now = Date()
        var recorded: [String] = []
        for (name, procedure) in consumers {
            let dossierId = HandoffRouting.dossierId(caseId: caseId, consumer: name)
            let inserted = try await connection.query(
                """
                INSERT INTO handoff_dossiers (dossier_id, case_id, consumer, procedure, recorded_at)
                VALUES (\(dossierId), \(caseId), \(name), \(procedure.rawValue), \(now))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger
            ).collect().count
            if inserted == 1 { recorded.append(name) }
        }
        if !recorded.isEmpty {
            try await appendAudit(
                connection, logger: logger, at: now, actor: "server", action: "handoff-recorded",
                detail: "case \(caseId) → \(recorded.joined(separator: ", "))")
        }
    }

    // MARK: Consumers

    public func addConsumer(_ consumer: HandoffConsumer, tokenHash: [UInt8]) async throws(StoreError) {
        try await addConsumer(consumer, tokenHash: tokenHash, push: nil)
    }

    public func consumers() async throws(StoreError) -> [HandoffConsumer] {
        try await withConnection { connection in
            try await Self.consumerRecords(
                connection.query(
                    "SELECT \(unescaped: Self.consumerColumns) FROM handoff_consumers ORDER BY name",
                    logger: self.logger))
        }
    }

    public func revokeConsumer(name: String) async throws(StoreError) {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE handoff_consumers SET active = FALSE, revoked_at = \(Date()) WHERE name = \(name) AND active
                RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard changed == 1 else { throw StoreError.invalid(reason: "no active consumer named \(name)") }
            try await self.audit(connection, actor: "operator", action: "consumer-revoked", detail: "consumer \(name)")
        }
    }

    public func backfillHandoff(consumer name: String) async throws(StoreError) -> Int {
        try await write { connection in
            var active = false
            for try await flag in try await connection.query(
                "SELECT active FROM handoff_consumers WHERE name = \(name)", logger: self.logger
            ).decode(Bool.self) {
                active = flag
            }
            guard active else { throw StoreError.invalid(reason: "no active consumer named \(name)") }
            // A case completing meanwhile records itself; both insert with ON CONFLICT DO NOTHING.
            func count() async throws -> Int64 {
                var value: Int64 = 0
                for try await number in try await connection.query(
                    "SELECT COUNT(*) FROM handoff_dossiers WHERE consumer = \(name)", logger: self.logger
                ).decode(Int64.self) {
                    value = number
                }
                return value
            }
            let before = try await count()
            var cases: [String] = []
            for try await caseId in try await connection.query(
                """
                SELECT case_id FROM cases c WHERE NOT open AND NOT EXISTS (
                    SELECT 1 FROM transactions t WHERE t.case_id = c.case_id AND t.evidence_deleted_at IS NOT NULL)
                ORDER BY case_id
                """, logger: self.logger
            ).decode(String.self) {
                cases.append(caseId)
            }
            for caseId in cases {
                try await Self.recordHandoffIfReady(connection, caseId: caseId, logger: self.logger)
            }
            let added = Int(try await count() - before)
            try await self.audit(
                connection, actor: "operator", action: "consumer-backfilled",
                detail: "consumer \(name): \(added) case(s)")
            return added
        }
    }

    public func consumer(tokenHash: [UInt8]) async throws(StoreError) -> HandoffConsumer? {
        try await withConnection { connection in
            try await Self.consumerRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.consumerColumns) FROM handoff_consumers
                    WHERE token_hash = \(Data(tokenHash)) AND active
                    """, logger: self.logger)
            ).first
        }
    }

    // MARK: Dossiers

    public func dossiersAwaitingBuild(limit: Int) async throws(StoreError) -> [String] {
        try await withConnection { connection in
            var ids: [String] = []
            for try await id in try await connection.query(
                """
                SELECT d.dossier_id FROM handoff_dossiers d JOIN handoff_consumers c ON c.name = d.consumer
                WHERE d.built_at IS NULL AND c.active ORDER BY d.recorded_at, d.dossier_id LIMIT \(limit)
                """, logger: self.logger
            ).decode(String.self) {
                ids.append(id)
            }
            return ids
        }
    }

    public func dossierSources(dossierId: String) async throws(StoreError) -> DossierSources? {
        try await withConnection { connection in
            // One snapshot for everything the dossier is built from.
            try await Self.transaction(
                on: connection, logger: self.logger, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            ) { connection in
                guard
                    let record = try await self.dossierRecords(
                        connection.query(
                            """
                            SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers
                            WHERE dossier_id = \(dossierId) AND built_at IS NULL
                            """, logger: self.logger)
                    ).first
                else { return nil }
                var consumerKey: [UInt8]?
                for try await key in try await connection.query(
                    "SELECT public_key FROM handoff_consumers WHERE name = \(record.consumer)", logger: self.logger
                ).decode(Data.self) {
                    consumerKey = Array(key)
                }
                var caseRow: (Int64, String)?
                for try await row in try await connection.query(
                    "SELECT version, snapshot FROM cases WHERE case_id = \(record.caseId)", logger: self.logger
                ).decode((Int64, String).self) {
                    caseRow = row
                }
                guard let consumerKey, let caseRow else { return nil }
                let steps = try await Self.storedTransactions(
                    connection.query(
                        """
                        SELECT kit_id, seq, kind, outcome, envelope, prev_hash, chain_hash FROM transactions
                        WHERE case_id = \(record.caseId) AND outcome = 'applied' ORDER BY kit_id, seq
                        """, logger: self.logger))
                var chain: [StoredTransaction] = []
                var keys: [String: [UInt8]] = [:]
                for kitId in Set(steps.map(\.kitId)).sorted() {
                    let seqs = steps.filter { $0.kitId == kitId }.map { Int64(clamping: $0.seq) }
                    chain += try await Self.storedTransactions(
                        connection.query(
                            """
                            SELECT kit_id, seq, kind, outcome, envelope, prev_hash, chain_hash FROM transactions
                            WHERE kit_id = \(kitId) AND seq BETWEEN \(seqs.min() ?? 0) AND \(seqs.max() ?? 0)
                            ORDER BY seq
                            """, logger: self.logger))
                    for try await key in try await connection.query(
                        "SELECT signing_key FROM kits WHERE kit_id = \(kitId)", logger: self.logger
                    ).decode(Data.self) {
                        keys[kitId] = Array(key)
                    }
                }
                return DossierSources(
                    record: record, consumerKey: consumerKey, caseVersion: UInt64(clamping: caseRow.0),
                    caseSnapshot: Array(caseRow.1.utf8), kitSigningKeys: keys, steps: steps, chain: chain)
            }
        }
    }

    public func storeBuiltDossier(dossierId: String, container: [UInt8], at: Date) async throws(StoreError)
        -> [UInt8]?
    {
        try await write { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.feedPositionLockKey))", logger: self.logger)
            let changed = try await connection.query(
                """
                UPDATE handoff_dossiers SET container = \(Data(container)),
                    sha256 = \(Hex.encode(SHA256.hash(data: container))), size = \(Int64(container.count)),
                    built_at = \(at),
                    position = (SELECT COALESCE(MAX(position), 0) + 1 FROM handoff_dossiers)
                WHERE dossier_id = \(dossierId) AND built_at IS NULL RETURNING 1
                """, logger: self.logger
            ).collect().count
            if changed == 1 {
                try await self.audit(
                    connection, actor: "server", action: "dossier-built", detail: "dossier \(dossierId)")
            }
            var stored: [UInt8]?
            for try await bytes in try await connection.query(
                "SELECT container FROM handoff_dossiers WHERE dossier_id = \(dossierId)", logger: self.logger
            ).decode(Data?.self) {
                stored = bytes.map(Array.init)
            }
            return stored
        }
    }

    public func dossierFeed(consumer: String, after: Int64, limit: Int) async throws(StoreError) -> [DossierRecord] {
        try await withConnection { connection in
            try await self.dossierRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers
                    WHERE consumer = \(consumer) AND position > \(after) ORDER BY position LIMIT \(limit)
                    """, logger: self.logger))
        }
    }

    public func dossier(id: String) async throws(StoreError) -> (record: DossierRecord, container: [UInt8]?)? {
        try await withConnection { connection in
            guard
                let record = try await self.dossierRecords(
                    connection.query(
                        "SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers WHERE dossier_id = \(id)",
                        logger: self.logger)
                ).first
            else { return nil }
            var container: [UInt8]?
            for try await bytes in try await connection.query(
                "SELECT container FROM handoff_dossiers WHERE dossier_id = \(id)", logger: self.logger
            ).decode(Data?.self) {
                container = bytes.map(Array.init)
            }
            return (record, container)
        }
    }

    public func acknowledgeDossier(
        id: String, consumer: String, acknowledgement: HandoffAcknowledgement, at: Date
    ) async throws(StoreError) -> AcknowledgementResult {
        try await write { connection in
            guard
                let record = try await self.dossierRecords(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers WHERE dossier_id = \(id)
                        FOR UPDATE
                        """, logger: self.logger)
                ).first
            else { return .notFound }
            guard record.consumer == consumer else { return .foreign }
            guard record.builtAt != nil else { return .notBuilt }
            if let existing = record.outcome {
                return existing == acknowledgement.outcome ? .alreadyRecorded : .conflicting(existing)
            }
            try await connection.query(
                """
                UPDATE handoff_dossiers SET outcome = \(acknowledgement.outcome.rawValue),
                    reason = \(acknowledgement.reason), acknowledged_at = \(at)
                WHERE dossier_id = \(id)
                """, logger: self.logger)
            try await self.audit(
                connection, actor: "consumer \(consumer)", action: "dossier-\(acknowledgement.outcome.rawValue)",
                detail: "dossier \(id) case \(record.caseId)")
            return .recorded
        }
    }

    public func dossiers(rejectedOnly: Bool) async throws(StoreError) -> [DossierRecord] {
        try await withConnection { connection in
            try await self.dossierRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.dossierColumns) FROM handoff_dossiers
                    \(unescaped: rejectedOnly ? "WHERE outcome = 'rejected'" : "") ORDER BY recorded_at DESC, dossier_id
                    """, logger: self.logger))
        }
    }

    // MARK: Retention

    public func deleteExpiredEvidence(retentionDays: Int, now: Date) async throws(StoreError) -> EvidenceDeletion {
        let cutoff = now.addingTimeInterval(-Double(max(0, retentionDays)) * 86_400)
        let deletion = try await write { connection in
            var cases: [String] = []
            for try await caseId in try await connection.query(
                """
                SELECT DISTINCT d.case_id FROM handoff_dossiers d
                WHERE d.evidence_deleted_at IS NULL AND d.outcome = 'accepted' AND NOT EXISTS (
                    SELECT 1 FROM handoff_dossiers o JOIN handoff_consumers c ON c.name = o.consumer
                    WHERE o.case_id = d.case_id AND c.active
                        AND (o.outcome IS NULL OR o.outcome <> 'accepted' OR o.acknowledged_at > \(cutoff)))
                ORDER BY d.case_id
                """, logger: self.logger
            ).decode(String.self) {
                cases.append(caseId)
            }
            var result = EvidenceDeletion(cases: cases)
            for caseId in cases {
                var rows: [(String, Int64, Data)] = []
                for try await row in try await connection.query(
                    """
                    SELECT kit_id, seq, envelope FROM transactions
                    WHERE case_id = \(caseId) AND evidence_deleted_at IS NULL ORDER BY kit_id, seq FOR UPDATE
                    """, logger: self.logger
                ).decode((String, Int64, Data).self) {
                    rows.append(row)
                }
                for (kitId, seq, bytes) in rows {
                    let envelope = try? TransactionEnvelope(decoding: Array(bytes))
                    let header = envelope.map { Data($0.header.encoded()) }
                    let signature = envelope.map { Data($0.signature) }
                    let prevHash = envelope.map { Data($0.header.prevHash) }
                    let proof = envelope.map { Data($0.proofBytes()) }
                    try await connection.query(
                        """
                        UPDATE transactions SET header = \(header), signature = \(signature),
                            chain_hash = COALESCE(chain_hash, \(Data(TransactionEnvelope.chainHash(ofEncoded: Array(bytes))))),
                            prev_hash = COALESCE(prev_hash, \(prevHash)), proof = COALESCE(proof, \(proof)),
                            envelope = ''::bytea,
                            evidence_deleted_at = \(now)
                        WHERE kit_id = \(kitId) AND seq = \(seq)
                        """, logger: self.logger)
                }
                let dossiers = try await connection.query(
                    """
                    UPDATE handoff_dossiers SET container = NULL, evidence_deleted_at = \(now)
                    WHERE case_id = \(caseId) AND evidence_deleted_at IS NULL RETURNING 1
                    """, logger: self.logger
                ).collect().count
                try await self.audit(
                    connection, actor: "retention", action: "evidence-deleted",
                    detail: "case \(caseId): \(rows.count) sealed payload(s), \(dossiers) dossier copy(ies); "
                        + "headers, hashes and signatures kept")
                result.transactions += rows.count
                result.dossiers += dossiers
            }
            return result
        }
        if !deletion.cases.isEmpty {
            // VACUUM (outside a transaction) frees the dead row versions that still hold the bytes.
            try await withConnection { connection in
                try await connection.query("VACUUM transactions, handoff_dossiers", logger: self.logger)
            }
        }
        return deletion
    }

    // MARK: Rows

    static let consumerColumns = "name, procedure, public_key, active, created_at"
    static let dossierColumns = """
        dossier_id, case_id, consumer, procedure, recorded_at, position, built_at, sha256, size, outcome, reason,
        acknowledged_at, evidence_deleted_at
        """

    static func consumerRecords(_ rows: PostgresRowSequence) async throws -> [HandoffConsumer] {
        var records: [HandoffConsumer] = []
        for try await (name, procedure, key, active, createdAt) in rows.decode((String, String, Data, Bool, Date).self)
        {
            records.append(
                HandoffConsumer(
                    name: name, procedure: HandoffProcedure(rawValue: procedure) ?? .dms, publicKey: Array(key),
                    active: active, createdAt: createdAt))
        }
        return records
    }

    func dossierRecords(_ rows: PostgresRowSequence) async throws -> [DossierRecord] {
        var records: [DossierRecord] = []
        for try await row in rows {
            let rest = try row.decode(
                (String, String, String, String, Date, Int64?, Date?, String?, Int64?, String?, String?, Date?, Date?)
                    .self)
            let (id, caseId, consumer, procedure, recordedAt, position, builtAt) = (
                rest.0, rest.1, rest.2, rest.3, rest.4, rest.5, rest.6
            )
            guard let procedure = HandoffProcedure(rawValue: procedure) else { continue }
            records.append(
                DossierRecord(
                    dossierId: id, caseId: caseId, consumer: consumer, procedure: procedure, recordedAt: recordedAt,
                    position: position, builtAt: builtAt, sha256: rest.7, size: rest.8.map(Int.init),
                    outcome: rest.9.flatMap(HandoffOutcome.init(rawValue:)), reason: rest.10, acknowledgedAt: rest.11,
                    evidenceDeletedAt: rest.12))
        }
        return records
    }

    static func storedTransactions(_ rows: PostgresRowSequence) async throws -> [StoredTransaction] {
        var records: [StoredTransaction] = []
        for try await (kitId, seq, kind, outcome, envelope, prevHash, chainHash) in rows.decode(
            (String, Int64, String, String, Data, Data?, Data?).self)
        {
            let bytes = Array(envelope)
            records.append(
                StoredTransaction(
                    kitId: kitId, seq: UInt64(clamping: seq), kind: kind, outcome: outcome, envelope: bytes,
                    prevHash: prevHash.map(Array.init) ?? (try? TransactionEnvelope(decoding: bytes))?.header.prevHash
                        ?? [],
                    chainHash: chainHash.map(Array.init) ?? TransactionEnvelope.chainHash(ofEncoded: bytes)))
        }
        return records
    }
}
