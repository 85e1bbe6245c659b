import Foundation
import GRDB
import KitCore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so an answer the
/// server has sent survives a power cut of the server machine. One writer at a time (SQLite's
/// rule); several server processes on one file are not supported — that is PostgreSQL's job.
public final class SQLiteSyncStore: SyncStore {
    public let backendName = "sqlite"
    let pool: DatabasePool
    private let path: String

    /// Opens (or creates) the database file and applies all pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.label = "sync-server"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Deleted evidence (retention) is overwritten with zeros, not just unlinked.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            // 0600 whatever the umask, before SQLite creates it (its -wal and -shm files follow).
            try PrivateFile.ensure(path)
        } catch {
            throw .cannotOpen(location: path, reason: error.description)
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB switches a pool's writer to synchronous=NORMAL when it turns on WAL, after
            // prepareDatabase ran: a commit could then be lost in a power cut after the kit was
            // told "applied". Set FULL again on the one writer connection (read back in the tests).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw .cannotOpen(location: path, reason: SQLiteSyncStore.reason(error))
        }
        let migrator = SQLiteSyncStore.migrator
        do {
            // Migrating to a named target below what is applied is a GRDB precondition failure,
            // so apply everything at once and name the first pending migration on failure.
            let pending = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let next = migrator.migrations.first { !pending.contains($0) } ?? "none"
            do {
                try migrator.migrate(pool)
            } catch {
                throw StoreError.migrationFailed(name: next, reason: SQLiteSyncStore.reason(error))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .migrationFailed(name: "?", reason: SQLiteSyncStore.reason(error))
        }
    }

    public func appliedMigrations() async throws(StoreError) -> [String] {
        let migrator = SQLiteSyncStore.migrator
        let applied = try await read { db in try migrator.appliedIdentifiers(db) }
        return migrator.migrations.filter { applied.contains($0) }
    }

    public func checkHealth() async throws(StoreError) {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async {
        try? pool.close()
    }

    /// The writer connection's commit settings as SQLite reports them (an answer the server sends
    /// must be on disk: WAL with `synchronous=FULL`).
    public func durability() async throws(StoreError) -> SQLiteDurability {
        try await write { db in
            SQLiteDurability(
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                secureDelete: try Int.fetchOne(db, sql: "PRAGMA secure_delete") == 1)
        }
    }

    // MARK: Kits

    public func createEnrollment(kitId: String, tokenHash: [UInt8], expiresAt: Date) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO enrollment_tokens (token_hash, kit_id, expires_at) VALUES (?, ?, ?)",
                arguments: [Data(tokenHash), kitId, expiresAt])
            try Self.audit(db, actor: "operator", action: "enrollment-created", detail: "kit \(kitId)")
        }
    }

    public func redeemEnrollment(
        tokenHash: [UInt8], kitId: String, signingKey: [UInt8], apiTokenHash: [UInt8],
        certificate: KitCertificateRecord?, now: Date
    ) async throws(StoreError) -> Bool {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT kit_id, expires_at, used_at FROM enrollment_tokens WHERE token_hash = ?",
                    arguments: [Data(tokenHash)]),
                row["kit_id"] == kitId, (row["used_at"] as Date?) == nil, (row["expires_at"] as Date) > now
            else {
                try Self.audit(
                    db, actor: "kit \(kitId)", action: "enrollment-refused", detail: "unknown, used or expired token")
                return false
            }
            try db.execute(
                sql: "UPDATE enrollment_tokens SET used_at = ? WHERE token_hash = ?", arguments: [now, Data(tokenHash)])
            try db.execute(
                sql: """
                    INSERT INTO kits (kit_id, signing_key, api_token_hash, active, enrolled_at, last_seq, last_hash)
                    VALUES (?, ?, ?, 1, ?, 0, ?)
                    ON CONFLICT(kit_id) DO UPDATE SET signing_key = excluded.signing_key,
                        api_token_hash = excluded.api_token_hash, active = 1, enrolled_at = excluded.enrolled_at
                    """,
                arguments: [kitId, Data(signingKey), Data(apiTokenHash), now, Data(TransactionHeader.genesisHash)])
            try Self.audit(db, actor: "kit \(kitId)", action: "enrolled", detail: "signing key registered")
            if let certificate {
                try Self.recordCertificate(db, certificate, replacingAt: now)
            }
            return true
        }
    }

    public func kit(apiTokenHash: [UInt8]) async throws(StoreError) -> KitRecord? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM kits WHERE api_token_hash = ? AND active = 1", arguments: [Data(apiTokenHash)]
            )
            .map(Self.kitRecord)
        }
    }

    public func kits() async throws(StoreError) -> [KitRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM kits ORDER BY kit_id").map(Self.kitRecord) }
    }

    public func updateReport(kitId: String, report: KitReport, at: Date) async throws(StoreError) {
        let json = String(decoding: (try? WireCoding.encoder().encode(report)) ?? Data(), as: UTF8.self)
        try await write { db in
            try db.execute(
                sql: "UPDATE kits SET report = ?, last_seen = ? WHERE kit_id = ?", arguments: [json, at, kitId])
        }
    }

    public func setKitActive(kitId: String, active: Bool) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE kits SET active = ? WHERE kit_id = ?", arguments: [active, kitId])
            guard db.changesCount == 1 else { throw StoreError.invalid(reason: "kit \(kitId) is not enrolled") }
            try Self.audit(
                db, actor: "operator", action: active ? "kit-activated" : "kit-revoked", detail: "kit \(kitId)")
        }
    }

    // MARK: Kit certificates

    public func kitCertificates(kitId: String, serial: String) async throws(StoreError) -> [KitCertificateRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM kit_certificates WHERE kit_id = ? AND (replaced_at IS NULL OR serial = ?)",
                arguments: [kitId, serial]
            ).map(Self.certificateRecord)
        }
    }

    public func replaceKitCertificate(kitId: String, replacing: String?, with certificate: KitCertificateRecord)
        async throws(StoreError) -> Bool
    {
        try await write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT active FROM kits WHERE kit_id = ?", arguments: [kitId]) == true
            else { return false }
            let current = try String.fetchOne(
                db, sql: "SELECT serial FROM kit_certificates WHERE kit_id = ? AND replaced_at IS NULL",
                arguments: [kitId])
            guard current == replacing else { return false }
            try Self.recordCertificate(db, certificate, replacingAt: certificate.issuedAt)
            return true
        }
    }

    /// Marks the kit's current certificate replaced by `certificate` and records that one as current.
    static func recordCertificate(_ db: Database, _ certificate: KitCertificateRecord, replacingAt: Date) throws {
        try db.execute(
            sql: """
                UPDATE kit_certificates SET replaced_at = ?, replaced_by = ?
                WHERE kit_id = ? AND replaced_at IS NULL
                """,
            arguments: [replacingAt, certificate.serial, certificate.kitId])
        try db.execute(
            sql: """
                INSERT INTO kit_certificates (serial, kit_id, public_key_sha256, not_before, not_after, issued_at,
                    origin, certificate)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                certificate.serial, certificate.kitId, Data(certificate.publicKeySHA256), certificate.notValidBefore,
                certificate.notValidAfter, certificate.issuedAt, certificate.origin.rawValue,
                certificate.certificatePEM,
            ])
        try audit(
            db, actor: "kit \(certificate.kitId)", action: "certificate-\(certificate.origin.rawValue)",
            detail: "serial \(certificate.serial), valid until \(certificate.notValidAfter)")
    }

    static func certificateRecord(_ row: Row) -> KitCertificateRecord {
        KitCertificateRecord(
            kitId: row["kit_id"], serial: row["serial"], publicKeySHA256: Array(row["public_key_sha256"] as Data),
            notValidBefore: row["not_before"], notValidAfter: row["not_after"], issuedAt: row["issued_at"],
            origin: KitCertificateRecord.Origin(rawValue: row["origin"]) ?? .enrollment, replacedAt: row["replaced_at"],
            replacedBy: row["replaced_by"], certificatePEM: row["certificate"])
    }

    // MARK: Cases

    public func upsertCase(_ snapshot: CaseSnapshot, assignedKit: String?) async throws(StoreError) {
        let json = String(decoding: (try? WireCoding.encoder().encode(snapshot)) ?? Data(), as: UTF8.self)
        let steps = snapshot.steps.map(\.rawValue).joined(separator: ",")
        let fee = snapshot.fees.reduce(0) { $0 + $1.amountCents }
        try await write { db in
            if let current = try UInt64.fetchOne(
                db, sql: "SELECT version FROM cases WHERE case_id = ?", arguments: [snapshot.caseId]),
                current >= snapshot.version
            {
                throw StoreError.invalid(
                    reason: "case \(snapshot.caseId) is at version \(current); an update needs a higher version")
            }
            try db.execute(
                sql: """
                    INSERT INTO cases (case_id, version, assigned_kit, open, fee_cents, fee_paid, required_steps, snapshot)
                    VALUES (?, ?, ?, 1, ?, 0, ?, ?)
                    ON CONFLICT(case_id) DO UPDATE SET version = excluded.version, assigned_kit = excluded.assigned_kit,
                        fee_cents = excluded.fee_cents, required_steps = excluded.required_steps, snapshot = excluded.snapshot
                    """,
                arguments: [snapshot.caseId, snapshot.version, assignedKit, fee, steps, json])
            if !snapshot.citizen.citizenId.isEmpty {
                try db.execute(
                    sql:
                        "INSERT INTO register (citizen_id, version, address) VALUES (?, ?, ?) ON CONFLICT(citizen_id) DO NOTHING",
                    arguments: [
                        snapshot.citizen.citizenId, snapshot.citizen.registerVersion,
                        String(
                            decoding: (try? JSONEncoder().encode(snapshot.citizen.address)) ?? Data(), as: UTF8.self),
                    ])
                try Self.noteRegisterPerson(db, snapshot.citizen)
            }
            for document in snapshot.documents {
                try db.execute(
                    sql:
                        "INSERT INTO documents (document_id, case_id) VALUES (?, ?) ON CONFLICT(document_id) DO NOTHING",
                    arguments: [document.documentId, snapshot.caseId])
            }
            try Self.audit(
                db, actor: "back office", action: "case-saved",
                detail: "case \(snapshot.caseId) v\(snapshot.version) → \(assignedKit ?? "unassigned")")
        }
    }

    public func checkout(kitId: String, after cursor: String?, limit: Int) async throws(StoreError) -> CheckoutPage {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT case_id, snapshot, open FROM cases WHERE assigned_kit = ? AND open = 1 AND case_id > ?
                    ORDER BY case_id LIMIT ?
                    """,
                arguments: [kitId, cursor ?? "", limit + 1])
            var cases: [CaseSnapshot] = []
            for row in rows.prefix(limit) {
                let text: String = row["snapshot"]
                var snapshot = try WireCoding.decoder().decode(CaseSnapshot.self, from: Data(text.utf8))
                // The register may have moved on: hand out its current version and address.
                if let register = try Row.fetchOne(
                    db, sql: "SELECT version, address FROM register WHERE citizen_id = ?",
                    arguments: [snapshot.citizen.citizenId])
                {
                    snapshot.citizen.registerVersion = register["version"]
                    if let address = try? JSONDecoder().decode(
                        CaseSnapshot.Address.self, from: Data((register["address"] as String).utf8))
                    {
                        snapshot.citizen.address = address
                    }
                }
                cases.append(snapshot)
            }
            let resolutions = try Row.fetchAll(
                db, sql: "SELECT * FROM conflicts WHERE kit_id = ? AND resolution IS NOT NULL ORDER BY id",
                arguments: [kitId]
            ).map(Self.conflictRecord)
            return CheckoutPage(
                cases: cases, resolutions: resolutions, nextCursor: rows.count > limit ? cases.last?.caseId : nil)
        }
    }

    // MARK: Ingest

    /// The whole batch is decided in one write transaction (SQLite has one writer anyway): every
    /// envelope's checks see the effects of the ones before it, the answers and the audit entry
    /// commit together, and nothing is answered before that commit. A failure rolls the whole batch
    /// back and is thrown; the kit sends it again.
    public func ingest(envelopes: [Data], kitId: String, engine: IngestEngine) async throws(StoreError) -> IngestReply {
        try await write { db in
            var results: [IngestResult] = []
            let ledger = SQLiteIngestLedger(db: db)
            for bytes in envelopes {
                let outcome = try engine.process(bytes: Array(bytes), authenticatedKit: kitId, ledger: ledger)
                results.append(outcome.result)
                if !outcome.continueBatch { break }
            }
            let expected =
                (try UInt64.fetchOne(db, sql: "SELECT last_seq FROM kits WHERE kit_id = ?", arguments: [kitId]) ?? 0)
                + 1
            let counts = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
            try Self.audit(
                db, actor: "kit \(kitId)", action: "sync",
                detail: IngestOutcome.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: " "))
            return IngestReply(results: results, expectedSeq: expected)
        }
    }

    public func conflicts(openOnly: Bool) async throws(StoreError) -> [ConflictRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM conflicts" + (openOnly ? " WHERE resolution IS NULL" : "") + " ORDER BY id DESC"
            ).map(Self.conflictRecord)
        }
    }

    public func resolveConflict(
        id: Int64, resolution: ConflictResolution, note: String?, by actor: String, at: Date
    ) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE conflicts SET resolution = ?, resolved_by = ?, resolved_at = ?, resolution_note = ?
                    WHERE id = ? AND resolution IS NULL
                    """,
                arguments: [resolution.rawValue, actor, at, note, id])
            guard db.changesCount == 1 else { return false }
            try Self.audit(
                db, actor: actor, action: "conflict-resolved",
                detail: ConflictResolution.auditDetail(conflictId: id, resolution: resolution, note: note))
            // A completed case whose last conflict this was goes to its receivers now.
            if let caseId = try String.fetchOne(
                db, sql: "SELECT case_id FROM conflicts WHERE id = ?", arguments: [id])
            {
                try Self.recordHandoffIfReady(db, caseId: caseId)
            }
            return true
        }
    }

    public func auditLog(limit: Int) async throws(StoreError) -> [AuditEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                AuditEntry(at: $0["at"], actor: $0["actor"], action: $0["action"], detail: $0["detail"])
            }
        }
    }

    // MARK: Helpers

    /// Appends an audit entry, chained to the one before (``AuditChain``); SQLite has one writer,
    /// so the chain cannot fork.
    static func audit(_ db: Database, actor: String, action: String, detail: String) throws {
        let now = Date()
        let millis = AuditChain.millis(now)
        let prev =
            try Data.fetchOne(
                db, sql: "SELECT entry_hash FROM audit_log WHERE entry_hash IS NOT NULL ORDER BY id DESC LIMIT 1"
            ).map(Array.init) ?? AuditChain.genesis
        let hash = AuditChain.entryHash(prev: prev, atMillis: millis, actor: actor, action: action, detail: detail)
        try db.execute(
            sql: """
                INSERT INTO audit_log (at, actor, action, detail, at_millis, prev_hash, entry_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [now, actor, action, detail, millis, Data(prev), Data(hash)])
    }

    static func kitRecord(_ row: Row) -> KitRecord {
        let report = (row["report"] as String?).flatMap {
            try? WireCoding.decoder().decode(KitReport.self, from: Data($0.utf8))
        }
        return KitRecord(
            kitId: row["kit_id"], active: row["active"], enrolledAt: row["enrolled_at"], lastSeq: row["last_seq"],
            lastSeenAt: row["last_seen"], report: report, lostAt: row["lost_at"], lostOrderId: row["lost_order_id"],
            wipedAt: row["wiped_at"], wipedLastSeq: row["wiped_last_seq"])
    }

    static func conflictRecord(_ row: Row) -> ConflictRecord {
        ConflictRecord(
            id: row["id"], kitId: row["kit_id"], seq: row["seq"], caseId: row["case_id"], kind: row["kind"],
            reason: ConflictReason(rawValue: row["reason"]) ?? .caseClosed, detail: row["detail"],
            openedAt: row["opened_at"],
            resolution: (row["resolution"] as String?).flatMap(ConflictResolution.init(rawValue:)),
            resolvedBy: row["resolved_by"], resolvedAt: row["resolved_at"])
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(reason: SQLiteSyncStore.reason(error))
        }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(reason: SQLiteSyncStore.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let dbError = error as? DatabaseError {
            return dbError.message ?? dbError.resultCode.description
        }
        return String(describing: error)
    }
}
