import Foundation
import KitCore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The production store: one PostgreSQL database shared by several sync server processes
/// (ARCHITECTURE.md, "Interfaces people use": several server instances share one PostgreSQL). Same schema meaning and answers as ``SQLiteSyncStore``; both run
/// the store conformance tests.
///
/// Concurrency between processes: each envelope is decided in its own `BEGIN … COMMIT` that first
/// locks the kit's row (`SELECT … FOR UPDATE`), so one kit's envelopes are decided one at a time
/// across all processes. When a racing process commits the same transaction first (unique
/// `(kit_id, seq)` or `tx_id`), or a serialization failure or deadlock is reported, the envelope's
/// transaction is rolled back and decided again — it then finds the stored answer and is answered
/// `duplicate`. Migrations run under a transaction-level advisory lock.
///
/// Life cycle: PostgresNIO's `PostgresClient` needs its `run()` going for as long as the store is
/// used. Either
/// - ``open(configuration:logger:)``: starts the client in a task the store owns, applies the
///   migrations and returns; ``close()`` ends the task. The simple way for `sync-server`.
/// - or ``init(configuration:logger:)``, then ``run()`` in a task or a ServiceLifecycle
///   `ServiceGroup` (the store is a `Service`; Hummingbird's `Application(services:)` takes it),
///   then ``migrate()`` before the first request. Cancelling or gracefully shutting down `run()`
///   closes the connections.
public final class PostgresSyncStore: SyncStore, Service {
    public let backendName = "postgresql"
    public let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var runStarted = false
        var closed = false
        var ownRunTask: Task<Void, Never>?
    }

    /// Most attempts at one envelope's transaction when racing server processes make it retry.
    static let maximumAttempts = 8

    /// Creates the store without touching the database; see the type's life cycle notes.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = PostgresClient(configuration: configuration.clientConfiguration(), backgroundLogger: logger)
    }

    /// Creates the store, checks that the database answers, starts the connection pool in a task
    /// the store owns and brings the schema up to date. Throws
    /// ``StoreError/cannotOpen(location:reason:)`` when no connection can be made within
    /// ``Configuration/connectTimeout`` (with the server's reason: refused, unknown database,
    /// authentication) and ``StoreError/migrationFailed(name:reason:)`` when the schema cannot be
    /// brought up to date.
    public static func open(configuration: Configuration, logger: Logger) async throws(StoreError) -> PostgresSyncStore
    {
        let store = PostgresSyncStore(configuration: configuration, logger: logger)
        // The pool retries failed connections quietly; one plain connection first gives the
        // operator the real reason (refused, unknown database, authentication).
        do {
            // A second more than the driver's own connect timeout, whose message is clearer.
            try await store.withDeadline(configuration.connectTimeout + .seconds(1)) { () async throws(StoreError) in
                try await Self.probe(configuration, logger: logger)
            }
        } catch {
            guard case .unavailable(let reason) = error else { throw error }
            throw .cannotOpen(location: configuration.location, reason: reason)
        }
        let task = Task { await store.run() }
        store.lifecycle.withLock { $0.ownRunTask = task }
        do {
            // No deadline: a migration may wait for another process's migration (advisory lock)
            // or take long on a big table; the probe above showed the database answers.
            try await store.migrate()
        } catch {
            await store.close()
            // No connection at all (refused, timed out, authentication): the database cannot be
            // opened. A failing migration statement keeps its own error.
            guard case .unavailable(let reason) = error else { throw error }
            throw .cannotOpen(location: configuration.location, reason: reason)
        }
        return store
    }

    /// One connection outside the pool, opened and closed again.
    private static func probe(_ configuration: Configuration, logger: Logger) async throws(StoreError) {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try configuration.connectionConfiguration(), id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw .cannotOpen(location: configuration.location, reason: reason(error))
        }
    }

    /// Runs the connection pool until cancelled or gracefully shut down (ServiceLifecycle). Call
    /// once; a second call, or a call on a store made by ``open(configuration:logger:)``, returns
    /// at once.
    public func run() async {
        let first = lifecycle.withLock { state in
            defer { state.runStarted = true }
            return !state.runStarted
        }
        guard first else {
            logger.warning("PostgresSyncStore.run() called twice; the second call does nothing")
            return
        }
        await client.run()
    }

    /// Applies the pending schema migrations (idempotent; safe when several server processes
    /// start at once). Needs ``run()`` going.
    public func migrate() async throws(StoreError) {
        try checkOpen()
        let logger = self.logger
        do {
            try await client.withConnection { connection in
                try await Self.applyMigrations(Self.migrations, on: connection, logger: logger)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(reason: Self.reason(error))
        }
    }

    public func appliedMigrations() async throws(StoreError) -> [String] {
        let applied = try await withConnection { connection in
            var names: Set<String> = []
            let rows = try await connection.query(
                "SELECT name FROM schema_migrations", logger: self.logger)
            for try await name in rows.decode(String.self) { names.insert(name) }
            return names
        }
        return Self.migrations.map(\.name).filter { applied.contains($0) }
    }

    /// Gives up after ``Configuration/connectTimeout`` (the pool waits for a connection otherwise).
    public func checkHealth() async throws(StoreError) {
        try await withDeadline(configuration.connectTimeout) { () async throws(StoreError) in
            _ = try await self.withConnection { connection in
                try await connection.query("SELECT 1", logger: self.logger).collect().count
            }
        }
    }

    /// Marks the store closed (every later call throws ``StoreError/unavailable(reason:)``) and,
    /// when the store runs its own pool (``open(configuration:logger:)``), stops it and waits.
    public func close() async {
        let task = lifecycle.withLock { state in
            state.closed = true
            defer { state.ownRunTask = nil }
            return state.ownRunTask
        }
        task?.cancel()
        await task?.value
    }

    // MARK: Kits

    public func createEnrollment(kitId: String, tokenHash: [UInt8], expiresAt: Date) async throws(StoreError) {
        try await write { connection in
            try await connection.query(
                """
                INSERT INTO enrollment_tokens (token_hash, kit_id, expires_at)
                VALUES (\(Data(tokenHash)), \(kitId), \(expiresAt))
                """, logger: self.logger)
            try await self.audit(connection, actor: "operator", action: "enrollment-created", detail: "kit \(kitId)")
        }
    }

    public func redeemEnrollment(
        tokenHash: [UInt8], kitId: String, signingKey: [UInt8], apiTokenHash: [UInt8],
        certificate: KitCertificateRecord?, now: Date
    ) async throws(StoreError) -> Bool {
        try await write { connection in
            // One statement decides, so two redemptions of one token racing each other get one true.
            let redeemed = try await connection.query(
                """
                UPDATE enrollment_tokens SET used_at = \(now)
                WHERE token_hash = \(Data(tokenHash)) AND kit_id = \(kitId) AND used_at IS NULL AND expires_at > \(now)
                RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard redeemed == 1 else {
                try await self.audit(
                    connection, actor: "kit \(kitId)", action: "enrollment-refused",
                    detail: "unknown, used or expired token")
                return false
            }
            try await connection.query(
                """
                INSERT INTO kits (kit_id, signing_key, api_token_hash, active, enrolled_at, last_seq, last_hash)
                VALUES (\(kitId), \(Data(signingKey)), \(Data(apiTokenHash)), TRUE, \(now), 0,
                    \(Data(TransactionHeader.genesisHash)))
                ON CONFLICT (kit_id) DO UPDATE SET signing_key = EXCLUDED.signing_key,
                    api_token_hash = EXCLUDED.api_token_hash, active = TRUE, enrolled_at = EXCLUDED.enrolled_at
                """, logger: self.logger)
            try await self.audit(
                connection, actor: "kit \(kitId)", action: "enrolled", detail: "signing key registered")
            if let certificate {
                try await self.recordCertificate(connection, certificate, replacingAt: now)
            }
            return true
        }
    }

    public func kit(apiTokenHash: [UInt8]) async throws(StoreError) -> KitRecord? {
        try await withConnection { connection in
            try await self.kitRecords(
                connection.query(
                    "SELECT \(unescaped: Self.kitColumns) FROM kits WHERE api_token_hash = \(Data(apiTokenHash)) AND active",
                    logger: self.logger)
            ).first
        }
    }

    public func kits() async throws(StoreError) -> [KitRecord] {
        try await withConnection { connection in
            try await self.kitRecords(
                connection.query("SELECT \(unescaped: Self.kitColumns) FROM kits ORDER BY kit_id", logger: self.logger))
        }
    }

    public func updateReport(kitId: String, report: KitReport, at: Date) async throws(StoreError) {
        let json = String(decoding: (try? WireCoding.encoder().encode(report)) ?? Data(), as: UTF8.self)
        _ = try await withConnection { connection in
            try await connection.query(
                "UPDATE kits SET report = \(json), last_seen = \(at) WHERE kit_id = \(kitId)", logger: self.logger)
        }
    }

    public func setKitActive(kitId: String, active: Bool) async throws(StoreError) {
        try await write { connection in
            let changed = try await connection.query(
                "UPDATE kits SET active = \(active) WHERE kit_id = \(kitId) RETURNING 1", logger: self.logger
            ).collect().count
            guard changed == 1 else { throw StoreError.invalid(reason: "kit \(kitId) is not enrolled") }
            try await self.audit(
                connection, actor: "operator", action: active ? "kit-activated" : "kit-revoked", detail: "kit \(kitId)")
        }
    }

    // MARK: Kit certificates

    public func kitCertificates(kitId: String, serial: String) async throws(StoreError) -> [KitCertificateRecord] {
        try await withConnection { connection in
            try await self.certificateRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.certificateColumns) FROM kit_certificates
                    WHERE kit_id = \(kitId) AND (replaced_at IS NULL OR serial = \(serial))
                    """, logger: self.logger))
        }
    }

    public func replaceKitCertificate(kitId: String, replacing: String?, with certificate: KitCertificateRecord)
        async throws(StoreError) -> Bool
    {
        try await write { connection in
            // The kit's row lock serialises renewals (and enrollments) of one kit across processes.
            var active = false
            for try await value in try await connection.query(
                "SELECT active FROM kits WHERE kit_id = \(kitId) FOR UPDATE", logger: self.logger
            ).decode(Bool.self) {
                active = value
            }
            guard active else { return false }
            var current: String?
            for try await serial in try await connection.query(
                "SELECT serial FROM kit_certificates WHERE kit_id = \(kitId) AND replaced_at IS NULL",
                logger: self.logger
            ).decode(String.self) {
                current = serial
            }
            guard current == replacing else { return false }
            try await self.recordCertificate(connection, certificate, replacingAt: certificate.issuedAt)
            return true
        }
    }

    /// Marks the kit's current certificate replaced by `certificate` and records that one as current.
    private func recordCertificate(
        _ connection: PostgresConnection, _ certificate: KitCertificateRecord, replacingAt: Date
    ) async throws {
        try await connection.query(
            """
            UPDATE kit_certificates SET replaced_at = \(replacingAt), replaced_by = \(certificate.serial)
            WHERE kit_id = \(certificate.kitId) AND replaced_at IS NULL
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO kit_certificates (serial, kit_id, public_key_sha256, not_before, not_after, issued_at,
                origin, certificate)
            VALUES (\(certificate.serial), \(certificate.kitId), \(Data(certificate.publicKeySHA256)),
                \(certificate.notValidBefore), \(certificate.notValidAfter), \(certificate.issuedAt),
                \(certificate.origin.rawValue), \(certificate.certificatePEM))
            """, logger: logger)
        try await audit(
            connection, actor: "kit \(certificate.kitId)", action: "certificate-\(certificate.origin.rawValue)",
            detail: "serial \(certificate.serial), valid until \(certificate.notValidAfter)")
    }

    // MARK: Cases

    public func upsertCase(_ snapshot: CaseSnapshot, assignedKit: String?) async throws(StoreError) {
        guard let version = Int64(exactly: snapshot.version) else {
            throw .invalid(reason: "case \(snapshot.caseId): version \(snapshot.version) is too large")
        }
        let json = String(decoding: (try? WireCoding.encoder().encode(snapshot)) ?? Data(), as: UTF8.self)
        let steps = snapshot.steps.map(\.rawValue).joined(separator: ",")
        let fee = snapshot.fees.reduce(0) { $0 + $1.amountCents }
        try await write { connection in
            // The version check and the write are one statement, so two back-office saves racing
            // each other cannot both win with the same version.
            let written = try await connection.query(
                """
                INSERT INTO cases (case_id, version, assigned_kit, open, fee_cents, fee_paid, required_steps, snapshot)
                VALUES (\(snapshot.caseId), \(version), \(assignedKit), TRUE, \(fee), FALSE, \(steps), \(json))
                ON CONFLICT (case_id) DO UPDATE SET version = EXCLUDED.version, assigned_kit = EXCLUDED.assigned_kit,
                    fee_cents = EXCLUDED.fee_cents, required_steps = EXCLUDED.required_steps,
                    snapshot = EXCLUDED.snapshot
                WHERE cases.version < EXCLUDED.version
                RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard written == 1 else {
                var current: Int64 = 0
                let rows = try await connection.query(
                    "SELECT version FROM cases WHERE case_id = \(snapshot.caseId)", logger: self.logger)
                for try await stored in rows.decode(Int64.self) { current = stored }
                throw StoreError.invalid(
                    reason: "case \(snapshot.caseId) is at version \(current); an update needs a higher version")
            }
            if !snapshot.citizen.citizenId.isEmpty {
                guard let registerVersion = Int64(exactly: snapshot.citizen.registerVersion) else {
                    throw StoreError.invalid(reason: "case \(snapshot.caseId): register version is too large")
                }
                let address = String(
                    decoding: (try? JSONEncoder().encode(snapshot.citizen.address)) ?? Data(), as: UTF8.self)
                try await connection.query(
                    """
                    INSERT INTO register (citizen_id, version, address)
                    VALUES (\(snapshot.citizen.citizenId), \(registerVersion), \(address))
                    ON CONFLICT (citizen_id) DO NOTHING
                    """, logger: self.logger)
                try await Self.noteRegisterPerson(connection, snapshot.citizen, logger: self.logger)
            }
            for document in snapshot.documents {
                try await connection.query(
                    """
                    INSERT INTO documents (document_id, case_id) VALUES (\(document.documentId), \(snapshot.caseId))
                    ON CONFLICT (document_id) DO NOTHING
                    """, logger: self.logger)
            }
            try await self.audit(
                connection, actor: "back office", action: "case-saved",
                detail: "case \(snapshot.caseId) v\(snapshot.version) → \(assignedKit ?? "unassigned")")
        }
    }

    public func checkout(kitId: String, after cursor: String?, limit: Int) async throws(StoreError) -> CheckoutPage {
        try await withConnection { connection in
            // One snapshot for the whole page, as SQLite's read transaction gives.
            try await Self.transaction(
                on: connection, logger: self.logger, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            ) { connection in
                let rows = try await connection.query(
                    """
                    SELECT snapshot FROM cases WHERE assigned_kit = \(kitId) AND open AND case_id > \(cursor ?? "")
                    ORDER BY case_id LIMIT \(max(0, limit) + 1)
                    """, logger: self.logger)
                var texts: [String] = []
                for try await text in rows.decode(String.self) { texts.append(text) }
                var cases: [CaseSnapshot] = []
                for text in texts.prefix(max(0, limit)) {
                    cases.append(try WireCoding.decoder().decode(CaseSnapshot.self, from: Data(text.utf8)))
                }
                // The register may have moved on: hand out its current version and address.
                let citizenIds = Array(Set(cases.map(\.citizen.citizenId)))
                var register: [String: (version: Int64, address: String)] = [:]
                let registerRows = try await connection.query(
                    "SELECT citizen_id, version, address FROM register WHERE citizen_id = ANY(\(citizenIds))",
                    logger: self.logger)
                for try await (citizenId, version, address) in registerRows.decode((String, Int64, String).self) {
                    register[citizenId] = (version, address)
                }
                for index in cases.indices {
                    guard let current = register[cases[index].citizen.citizenId] else { continue }
                    cases[index].citizen.registerVersion = UInt64(clamping: current.version)
                    if let address = try? JSONDecoder().decode(
                        CaseSnapshot.Address.self, from: Data(current.address.utf8))
                    {
                        cases[index].citizen.address = address
                    }
                }
                let resolutions = try await self.conflictRecords(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.conflictColumns) FROM conflicts
                        WHERE kit_id = \(kitId) AND resolution IS NOT NULL ORDER BY id
                        """, logger: self.logger))
                return CheckoutPage(
                    cases: cases, resolutions: resolutions,
                    nextCursor: texts.count > max(0, limit) ? cases.last?.caseId : nil)
            }
        }
    }

    // MARK: Ingest

    public func ingest(envelopes: [Data], kitId: String, engine: IngestEngine) async throws(StoreError) -> IngestReply {
        var results: [IngestResult] = []
        for bytes in envelopes {
            let outcome = try await decide(Array(bytes), kitId: kitId, engine: engine)
            results.append(outcome.result)
            if !outcome.continueBatch { break }
        }
        let counts = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
        let detail = IngestOutcome.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: " ")
        let expected = try await write { connection in
            var lastSeq: Int64 = 0
            let rows = try await connection.query(
                "SELECT last_seq FROM kits WHERE kit_id = \(kitId)", logger: self.logger)
            for try await stored in rows.decode(Int64.self) { lastSeq = stored }
            try await self.audit(connection, actor: "kit \(kitId)", action: "sync", detail: detail)
            return UInt64(clamping: lastSeq) + 1
        }
        return IngestReply(results: results, expectedSeq: expected)
    }

    /// One envelope in its own transaction, decided again when a racing server process got in
    /// the way (see the type's notes).
    private func decide(_ bytes: [UInt8], kitId: String, engine: IngestEngine) async throws(StoreError) -> (
        result: IngestResult, continueBatch: Bool
    ) {
        try checkOpen()
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await Self.transaction(on: connection, logger: self.logger) { connection in
                        try await engine.process(
                            bytes: bytes, authenticatedKit: kitId,
                            ledger: PostgresIngestLedger(connection: connection, logger: self.logger))
                    }
                }
            } catch let error as StoreError {
                throw error
            } catch let error where Self.isRace(error) && attempt < Self.maximumAttempts {
                logger.debug(
                    "ingest raced another server process; deciding again",
                    metadata: ["kit": "\(kitId)", "attempt": "\(attempt)", "reason": "\(Self.reason(error))"])
                attempt += 1
                try? await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            } catch {
                throw .unavailable(reason: Self.reason(error))
            }
        }
    }

    public func conflicts(openOnly: Bool) async throws(StoreError) -> [ConflictRecord] {
        try await withConnection { connection in
            try await self.conflictRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.conflictColumns) FROM conflicts
                    \(unescaped: openOnly ? "WHERE resolution IS NULL" : "") ORDER BY id DESC
                    """, logger: self.logger))
        }
    }

    public func resolveConflict(
        id: Int64, resolution: ConflictResolution, note: String?, by actor: String, at: Date
    ) async throws(StoreError) -> Bool {
        try await write { connection in
            let changed = try await connection.query(
                """
                UPDATE conflicts SET resolution = \(resolution.rawValue), resolved_by = \(actor), resolved_at = \(at),
                    resolution_note = \(note)
                WHERE id = \(id) AND resolution IS NULL RETURNING 1
                """, logger: self.logger
            ).collect().count
            guard changed == 1 else { return false }
            try await self.audit(
                connection, actor: actor, action: "conflict-resolved",
                detail: ConflictResolution.auditDetail(conflictId: id, resolution: resolution, note: note))
            // A completed case whose last conflict this was goes to its receivers now.
            for try await caseId in try await connection.query(
                "SELECT case_id FROM conflicts WHERE id = \(id)", logger: self.logger
            ).decode(String.self) {
                try await Self.recordHandoffIfReady(connection, caseId: caseId, logger: self.logger)
            }
            return true
        }
    }

    public func auditLog(limit: Int) async throws(StoreError) -> [AuditEntry] {
        try await withConnection { connection in
            var entries: [AuditEntry] = []
            let rows = try await connection.query(
                "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT \(max(0, limit))",
                logger: self.logger)
            for try await (at, actor, action, detail) in rows.decode((Date, String, String, String).self) {
                entries.append(AuditEntry(at: at, actor: actor, action: action, detail: detail))
            }
            return entries
        }
    }

    // MARK: Helpers

    static let kitColumns =
        "kit_id, active, enrolled_at, last_seq, last_seen, report, lost_at, lost_order_id, wiped_at, wiped_last_seq"
    static let conflictColumns =
        "id, kit_id, seq, case_id, kind, reason, detail, opened_at, resolution, resolved_by, resolved_at"

    func audit(_ connection: PostgresConnection, actor: String, action: String, detail: String) async throws {
        try await Self.appendAudit(connection, logger: logger, at: Date(), actor: actor, action: action, detail: detail)
    }

    /// Key of the transaction-level advisory lock that keeps the audit chain from forking between
    /// concurrent transactions ("AUDITLOG" in ASCII).
    static let auditChainLockKey: Int64 = 0x4155_4449_544C_4F47

    /// Appends an audit entry, chained to the one before (``AuditChain``), under an advisory lock
    /// held until the surrounding transaction ends.
    static func appendAudit(
        _ connection: PostgresConnection, logger: Logger, at now: Date, actor: String, action: String, detail: String
    ) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(auditChainLockKey))", logger: logger)
        var prev = AuditChain.genesis
        for try await hash in try await connection.query(
            "SELECT entry_hash FROM audit_log WHERE entry_hash IS NOT NULL ORDER BY id DESC LIMIT 1", logger: logger
        ).decode(Data.self) {
            prev = Array(hash)
        }
        let millis = AuditChain.millis(now)
        let hash = AuditChain.entryHash(prev: prev, atMillis: millis, actor: actor, action: action, detail: detail)
        try await connection.query(
            """
            INSERT INTO audit_log (at, actor, action, detail, at_millis, prev_hash, entry_hash)
            VALUES (\(now), \(actor), \(action), \(detail), \(millis), \(Data(prev)), \(Data(hash)))
            """, logger: logger)
    }

    func kitRecords(_ rows: PostgresRowSequence) async throws -> [KitRecord] {
        var records: [KitRecord] = []
        for try await (kitId, active, enrolledAt, lastSeq, lastSeen, report, lostAt, lostOrderId, wipedAt, wipedSeq)
            in rows.decode((String, Bool, Date?, Int64, Date?, String?, Date?, String?, Date?, Int64?).self)
        {
            records.append(
                KitRecord(
                    kitId: kitId, active: active, enrolledAt: enrolledAt, lastSeq: UInt64(clamping: lastSeq),
                    lastSeenAt: lastSeen,
                    report: report.flatMap { try? WireCoding.decoder().decode(KitReport.self, from: Data($0.utf8)) },
                    lostAt: lostAt, lostOrderId: lostOrderId, wipedAt: wipedAt,
                    wipedLastSeq: wipedSeq.map { UInt64(clamping: $0) }))
        }
        return records
    }

    static let certificateColumns =
        "serial, kit_id, public_key_sha256, not_before, not_after, issued_at, origin, replaced_at, replaced_by, certificate"

    private func certificateRecords(_ rows: PostgresRowSequence) async throws -> [KitCertificateRecord] {
        var records: [KitCertificateRecord] = []
        for try await (serial, kitId, keyHash, notBefore, notAfter, issuedAt, origin, replacedAt, replacedBy, pem)
            in rows.decode((String, String, Data, Date, Date, Date, String, Date?, String?, String).self)
        {
            records.append(
                KitCertificateRecord(
                    kitId: kitId, serial: serial, publicKeySHA256: Array(keyHash), notValidBefore: notBefore,
                    notValidAfter: notAfter, issuedAt: issuedAt,
                    origin: KitCertificateRecord.Origin(rawValue: origin) ?? .enrollment, replacedAt: replacedAt,
                    replacedBy: replacedBy, certificatePEM: pem))
        }
        return records
    }

    func conflictRecords(_ rows: PostgresRowSequence) async throws -> [ConflictRecord] {
        var records: [ConflictRecord] = []
        for try await (id, kitId, seq, caseId, kind, reason, detail, openedAt, resolution, resolvedBy, resolvedAt)
            in rows.decode((Int64, String, Int64, String, String, String, String, Date, String?, String?, Date?).self)
        {
            records.append(
                ConflictRecord(
                    id: id, kitId: kitId, seq: UInt64(clamping: seq), caseId: caseId, kind: kind,
                    reason: ConflictReason(rawValue: reason) ?? .caseClosed, detail: detail, openedAt: openedAt,
                    resolution: resolution.flatMap(ConflictResolution.init(rawValue:)), resolvedBy: resolvedBy,
                    resolvedAt: resolvedAt))
        }
        return records
    }

    private func checkOpen() throws(StoreError) {
        guard !lifecycle.withLock({ $0.closed }) else {
            throw .unavailable(reason: "the store was closed")
        }
    }

    /// Leases a connection for `body`; database errors become ``StoreError/unavailable(reason:)``.
    func withConnection<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        try checkOpen()
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(reason: Self.reason(error))
        }
    }

    /// `body` in one `BEGIN … COMMIT` on a leased connection.
    func write<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        try await withConnection { connection in
            try await Self.transaction(on: connection, logger: self.logger, body)
        }
    }

    /// Runs `body` between `begin` and `COMMIT`; rolls back and rethrows the original error
    /// (so callers can read its SQLSTATE) when anything fails.
    static func transaction<T>(
        on connection: PostgresConnection, logger: Logger, begin: PostgresQuery = "BEGIN",
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.query(begin, logger: logger)
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Runs `body`, giving up with ``StoreError/unavailable(reason:)`` after `limit`.
    private func withDeadline<T: Sendable>(
        _ limit: Duration, _ body: @escaping @Sendable () async throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let outcome: Result<T, StoreError> = await withTaskGroup(of: Result<T, StoreError>?.self) { group in
            group.addTask {
                do throws(StoreError) {
                    return .success(try await body())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled ? nil : .failure(.unavailable(reason: "no answer within \(limit)"))
            }
            var first: Result<T, StoreError>?
            while first == nil, let next = await group.next() {
                first = next
            }
            group.cancelAll()
            return first ?? .failure(.unavailable(reason: "cancelled"))
        }
        return try outcome.get()
    }

    /// SQLSTATEs after which the envelope is decided again: unique_violation (a racing process
    /// stored the same transaction), serialization_failure, deadlock_detected.
    static let retryStates: Set<String> = ["23505", "40001", "40P01"]

    static func isRace(_ error: any Error) -> Bool {
        if error is PostgresIngestRace { return true }
        guard let error = error as? PSQLError, error.code == .server,
            let state = error.serverInfo?[.sqlState]
        else { return false }
        return retryStates.contains(state)
    }

    /// A sentence for IT staff. PSQLError's own description hides everything (it may carry query
    /// data); the server's message, SQLSTATE and the network error are safe to show.
    static func reason(_ error: any Error) -> String {
        if let error = error as? StoreError { return error.description }
        if let race = error as? PostgresIngestRace {
            switch race {
            case .documentIssuedMeanwhile:
                return "another server process kept changing the same document; try again"
            }
        }
        guard let error = error as? PSQLError else { return String(describing: error) }
        if error.code == .server, let info = error.serverInfo {
            let message = info[.message] ?? "error"
            let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "PostgreSQL: \(message)\(state)"
        }
        let underlying = error.underlying.map { ": \(String(describing: $0))" } ?? ""
        switch error.code {
        case .connectionError
        where (error.underlying as? NIOConnectionError)?.connectionErrors.contains(where: {
            ($0.error as? IOError)?.errnoCode == ECONNREFUSED
        }) == true:
            return "connection refused: no PostgreSQL server listens there"
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return "connection to PostgreSQL failed (\(error.code))\(underlying)"
        case .poolClosed:
            return "the store was closed"
        default:
            return "PostgreSQL client error \(error.code)\(underlying)"
        }
    }
}
