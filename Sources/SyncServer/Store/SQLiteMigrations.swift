import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    /// The schema, as named migrations. Never edit a shipped migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-server-instance") { db in
            try db.create(table: "server_instance") { table in
                table.primaryKey("id", .text)
                table.column("created_at", .datetime).notNull()
            }
            try db.execute(
                sql: "INSERT INTO server_instance (id, created_at) VALUES (?, ?)",
                arguments: [UUID().uuidString.lowercased(), Date()])
        }
        migrator.registerMigration("v2-sync") { db in
            try db.execute(
                sql: """
                    CREATE TABLE kits (
                        kit_id TEXT PRIMARY KEY,
                        signing_key BLOB NOT NULL,
                        api_token_hash BLOB UNIQUE,
                        active INTEGER NOT NULL DEFAULT 1,
                        enrolled_at DATETIME,
                        last_seq INTEGER NOT NULL DEFAULT 0,
                        last_hash BLOB NOT NULL,
                        last_seen DATETIME,
                        report TEXT
                    );
                    CREATE TABLE enrollment_tokens (
                        token_hash BLOB PRIMARY KEY,
                        kit_id TEXT NOT NULL,
                        expires_at DATETIME NOT NULL,
                        used_at DATETIME
                    );
                    CREATE TABLE cases (
                        case_id TEXT PRIMARY KEY,
                        version INTEGER NOT NULL,
                        assigned_kit TEXT,
                        open INTEGER NOT NULL DEFAULT 1,
                        fee_cents INTEGER NOT NULL DEFAULT 0,
                        fee_paid INTEGER NOT NULL DEFAULT 0,
                        required_steps TEXT NOT NULL,
                        snapshot TEXT NOT NULL
                    );
                    CREATE INDEX cases_by_kit ON cases(assigned_kit, open, case_id);
                    CREATE TABLE register (
                        citizen_id TEXT PRIMARY KEY,
                        version INTEGER NOT NULL,
                        address TEXT NOT NULL
                    );
                    CREATE TABLE documents (
                        document_id TEXT PRIMARY KEY,
                        case_id TEXT NOT NULL,
                        issued_by_kit TEXT,
                        issued_seq INTEGER
                    );
                    CREATE TABLE transactions (
                        kit_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        tx_id TEXT NOT NULL UNIQUE,
                        case_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        envelope BLOB NOT NULL,
                        received_at DATETIME NOT NULL,
                        PRIMARY KEY (kit_id, seq)
                    );
                    CREATE INDEX transactions_by_case ON transactions(case_id, outcome, kind);
                    CREATE TABLE conflicts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kit_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        case_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        opened_at DATETIME NOT NULL,
                        resolution TEXT,
                        resolved_by TEXT,
                        resolved_at DATETIME
                    );
                    CREATE TABLE audit_log (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at DATETIME NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-kit-certificates") { db in
            // The TLS client certificates issued to each kit; one current (replaced_at IS NULL) per kit.
            try db.execute(
                sql: """
                    CREATE TABLE kit_certificates (
                        serial TEXT PRIMARY KEY,
                        kit_id TEXT NOT NULL,
                        public_key_sha256 BLOB NOT NULL,
                        not_before DATETIME NOT NULL,
                        not_after DATETIME NOT NULL,
                        issued_at DATETIME NOT NULL,
                        origin TEXT NOT NULL,
                        replaced_at DATETIME,
                        replaced_by TEXT,
                        certificate TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX kit_certificates_current ON kit_certificates(kit_id) WHERE replaced_at IS NULL;
                    CREATE INDEX kit_certificates_by_kit ON kit_certificates(kit_id, serial);
                    """)
        }
        migrator.registerMigration("v4-operator-sessions") { db in
            // Back-office browser sessions: the SHA-256 of the cookie's session id, never the id.
            try db.execute(
                sql: """
                    CREATE TABLE operator_sessions (
                        id_hash BLOB PRIMARY KEY,
                        created_at DATETIME NOT NULL,
                        expires_at DATETIME NOT NULL
                    );
                    CREATE INDEX operator_sessions_by_expiry ON operator_sessions(expires_at);
                    """)
        }
        migrator.registerMigration("v5-identity-bindings") { db in
            // The card bindings (keyed hashes, no personal data) of applied identity checks that
            // matched the case's citizen: an address change is applied only for one of them.
            try db.execute(
                sql: """
                    CREATE TABLE identity_bindings (
                        case_id TEXT NOT NULL,
                        card_binding TEXT NOT NULL,
                        kit_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (case_id, card_binding)
                    );
                    """)
        }
        migrator.registerMigration("v6-handoff") { db in
            // Receiving procedures, hand-off records (written with the case's completion: the
            // transactional outbox) and what retention keeps of a transaction once its evidence
            // is deleted: header, chain hash, previous hash and signature.
            try db.execute(
                sql: """
                    CREATE TABLE handoff_consumers (
                        name TEXT PRIMARY KEY,
                        procedure TEXT NOT NULL,
                        public_key BLOB NOT NULL,
                        token_hash BLOB NOT NULL UNIQUE,
                        active INTEGER NOT NULL DEFAULT 1,
                        created_at DATETIME NOT NULL,
                        revoked_at DATETIME
                    );
                    CREATE TABLE handoff_dossiers (
                        dossier_id TEXT PRIMARY KEY,
                        case_id TEXT NOT NULL,
                        consumer TEXT NOT NULL REFERENCES handoff_consumers(name),
                        procedure TEXT NOT NULL,
                        recorded_at DATETIME NOT NULL,
                        position INTEGER UNIQUE,
                        built_at DATETIME,
                        container BLOB,
                        sha256 TEXT,
                        size INTEGER,
                        outcome TEXT,
                        reason TEXT,
                        acknowledged_at DATETIME,
                        evidence_deleted_at DATETIME,
                        UNIQUE (case_id, consumer)
                    );
                    CREATE INDEX handoff_dossiers_unbuilt ON handoff_dossiers(built_at, recorded_at);
                    CREATE INDEX handoff_dossiers_feed ON handoff_dossiers(consumer, position);
                    ALTER TABLE transactions ADD COLUMN prev_hash BLOB;
                    ALTER TABLE transactions ADD COLUMN chain_hash BLOB;
                    ALTER TABLE transactions ADD COLUMN header BLOB;
                    ALTER TABLE transactions ADD COLUMN signature BLOB;
                    ALTER TABLE transactions ADD COLUMN evidence_deleted_at DATETIME;
                    """)
        }
        migrator.registerMigration("v7-handoff-push") { db in
            // Push delivery (optional per consumer): its endpoint and HMAC secret, and per dossier
            // the delivery state — attempts, first failure, next attempt (also the claim lease),
            // last error, delivered or dead-lettered.
            try db.execute(
                sql: """
                    ALTER TABLE handoff_consumers ADD COLUMN push_url TEXT;
                    ALTER TABLE handoff_consumers ADD COLUMN push_secret BLOB;
                    ALTER TABLE handoff_dossiers ADD COLUMN push_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE handoff_dossiers ADD COLUMN push_first_failure_at DATETIME;
                    ALTER TABLE handoff_dossiers ADD COLUMN push_next_at DATETIME;
                    ALTER TABLE handoff_dossiers ADD COLUMN push_last_error TEXT;
                    ALTER TABLE handoff_dossiers ADD COLUMN push_delivered_at DATETIME;
                    ALTER TABLE handoff_dossiers ADD COLUMN push_dead_at DATETIME;
                    """)
        }
        migrator.registerMigration("v8-evidence-views") { db in
            // Every time an operator opened a step's evidence on the case page (who, when, which
            // step), beside the audit trail's entry; and the case list's per-case conflict lookup.
            try db.execute(
                sql: """
                    CREATE TABLE evidence_views (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at DATETIME NOT NULL,
                        viewer TEXT NOT NULL,
                        case_id TEXT NOT NULL,
                        kit_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        kind TEXT NOT NULL
                    );
                    CREATE INDEX evidence_views_by_case ON evidence_views(case_id, id);
                    CREATE INDEX conflicts_by_case ON conflicts(case_id, resolution);
                    """)
        }
        migrator.registerMigration("v9-envelope-proof") { db in
            // The proof form of an envelope (docs/envelope.md), kept when retention deletes the
            // sealed payload: with format 2 the kit's signature and the chain verify from it.
            try db.execute(sql: "ALTER TABLE transactions ADD COLUMN proof BLOB")
        }
        migrator.registerMigration("v10-data-protection") { db in
            // Issue #17: a kit marked lost gets a signed wipe order at its next contact and its
            // report of the wipe is kept (when, last seq); the clerks per kit; the clerk who
            // recorded each step; the audit trail chained entry by entry (SHA-256).
            try db.execute(
                sql: """
                    ALTER TABLE kits ADD COLUMN lost_at DATETIME;
                    ALTER TABLE kits ADD COLUMN lost_order_id TEXT;
                    ALTER TABLE kits ADD COLUMN wiped_at DATETIME;
                    ALTER TABLE kits ADD COLUMN wiped_last_seq INTEGER;
                    CREATE TABLE kit_clerks (
                        kit_id TEXT NOT NULL,
                        clerk_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        added_at DATETIME NOT NULL,
                        revoked_at DATETIME,
                        PRIMARY KEY (kit_id, clerk_id)
                    );
                    ALTER TABLE transactions ADD COLUMN recorded_by_id TEXT;
                    ALTER TABLE transactions ADD COLUMN recorded_by_name TEXT;
                    ALTER TABLE audit_log ADD COLUMN at_millis INTEGER;
                    ALTER TABLE audit_log ADD COLUMN prev_hash BLOB;
                    ALTER TABLE audit_log ADD COLUMN entry_hash BLOB;
                    """)
        }
        migrator.registerMigration("v11-operators") { db in
            // Named back-office accounts (scrypt password hashes) and who holds each browser
            // session (NULL: signed in with the operator token).
            try db.execute(
                sql: """
                    CREATE TABLE operators (
                        name TEXT PRIMARY KEY,
                        display_name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        password TEXT NOT NULL,
                        active BOOLEAN NOT NULL,
                        created_at DATETIME NOT NULL
                    );
                    ALTER TABLE operator_sessions ADD COLUMN operator_name TEXT;
                    """)
        }
        migrator.registerMigration("v12-backoffice") { db in
            // The note the deciding person writes with a conflict decision (issue #20). Kept
            // apart from the conflict record, which goes back to the kit.
            try db.execute(sql: "ALTER TABLE conflicts ADD COLUMN resolution_note TEXT")
        }
        migrator.registerMigration("v13-counter") { db in
            // Counter mode (issue #20): the register knows its citizens by name and date of birth,
            // so a walk-in can be looked up and a provisional case checked on replay.
            try db.execute(
                sql: """
                    ALTER TABLE register ADD COLUMN given_names TEXT;
                    ALTER TABLE register ADD COLUMN family_name TEXT;
                    ALTER TABLE register ADD COLUMN date_of_birth TEXT;
                    ALTER TABLE register ADD COLUMN person_key TEXT;
                    CREATE INDEX register_by_person ON register(person_key);
                    """)
        }
        return migrator
    }
}

/// ``IngestLedger`` over one GRDB database connection inside a write transaction.
struct SQLiteIngestLedger: IngestLedger {
    let db: Database

    func chainState(kitId: String) throws -> KitChainState? {
        try Row.fetchOne(
            db, sql: "SELECT signing_key, last_seq, last_hash, active FROM kits WHERE kit_id = ?", arguments: [kitId]
        )
        .map {
            KitChainState(
                kitId: kitId, signingKey: Array($0["signing_key"] as Data), lastSeq: $0["last_seq"],
                lastHash: Array($0["last_hash"] as Data), active: $0["active"])
        }
    }

    func answer(kitId: String, seq: UInt64) throws -> StoredAnswer? {
        try Row.fetchOne(
            db,
            sql:
                "SELECT kit_id, seq, tx_id, answer, envelope, chain_hash FROM transactions WHERE kit_id = ? AND seq = ?",
            arguments: [kitId, seq]
        )
        .flatMap(Self.storedAnswer)
    }

    func answer(txId: String) throws -> StoredAnswer? {
        try Row.fetchOne(
            db, sql: "SELECT kit_id, seq, tx_id, answer, envelope, chain_hash FROM transactions WHERE tx_id = ?",
            arguments: [txId]
        )
        .flatMap(Self.storedAnswer)
    }

    func caseState(caseId: String) throws -> CaseState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM cases WHERE case_id = ?", arguments: [caseId]) else {
            return nil
        }
        let kinds = try String.fetchAll(
            db, sql: "SELECT DISTINCT kind FROM transactions WHERE case_id = ? AND outcome = 'applied'",
            arguments: [caseId])
        return CaseState(
            caseId: caseId, version: row["version"], assignedKit: row["assigned_kit"], open: row["open"],
            feeCents: row["fee_cents"], feePaid: row["fee_paid"],
            requiredSteps: (row["required_steps"] as String).split(separator: ",").compactMap {
                CaseStep(rawValue: String($0))
            },
            appliedKinds: Set(kinds),
            verifiedCardBindings: Set(
                try String.fetchAll(
                    db, sql: "SELECT card_binding FROM identity_bindings WHERE case_id = ?", arguments: [caseId])))
    }

    func registerVersion(citizenId: String) throws -> UInt64? {
        try UInt64.fetchOne(db, sql: "SELECT version FROM register WHERE citizen_id = ?", arguments: [citizenId])
    }

    func registerRecord(citizenId: String) throws -> RegisterRecord? {
        try SQLiteSyncStore.registerRecord(db, where: "citizen_id = ?", citizenId)
    }

    func registerRecord(personKey: String) throws -> RegisterRecord? {
        try SQLiteSyncStore.registerRecord(db, where: "person_key = ?", personKey)
    }

    func documentIssued(documentId: String) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT issued_by_kit IS NOT NULL FROM documents WHERE document_id = ?", arguments: [documentId])
            ?? false
    }

    func record(envelope: TransactionEnvelope, bytes: [UInt8], hash: [UInt8], result: IngestResult) throws {
        let header = envelope.header
        let answer = String(decoding: try WireCoding.encoder().encode(result), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO transactions (kit_id, seq, tx_id, case_id, kind, outcome, answer, envelope, received_at,
                    prev_hash, chain_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                header.kitId, header.seq, header.txId.uuidString.lowercased(), header.caseId, header.kind,
                result.outcome.rawValue, answer, Data(bytes), Date(), Data(header.prevHash), Data(hash),
            ])
        try db.execute(
            sql: "UPDATE kits SET last_seq = ?, last_hash = ?, last_seen = ? WHERE kit_id = ?",
            arguments: [header.seq, Data(hash), Date(), header.kitId])
    }

    func apply(_ effect: RuleEffect, header: TransactionHeader) throws {
        switch effect {
        case .recordOnly:
            break
        case .verifyIdentity(let cardBinding):
            try db.execute(
                sql: """
                    INSERT INTO identity_bindings (case_id, card_binding, kit_id, seq) VALUES (?, ?, ?, ?)
                    ON CONFLICT(case_id, card_binding) DO NOTHING
                    """,
                arguments: [header.caseId, cardBinding, header.kitId, header.seq])
        case .markFeePaid:
            try db.execute(sql: "UPDATE cases SET fee_paid = 1 WHERE case_id = ?", arguments: [header.caseId])
        case .changeAddress(let citizenId, let address):
            try db.execute(
                sql: "UPDATE register SET version = version + 1, address = ? WHERE citizen_id = ?",
                arguments: [String(decoding: try JSONEncoder().encode(address), as: UTF8.self), citizenId])
        case .issueDocument(let documentId):
            try db.execute(
                sql: """
                    INSERT INTO documents (document_id, case_id, issued_by_kit, issued_seq) VALUES (?, ?, ?, ?)
                    ON CONFLICT(document_id) DO UPDATE SET issued_by_kit = excluded.issued_by_kit, issued_seq = excluded.issued_seq
                    """,
                arguments: [documentId, header.caseId, header.kitId, header.seq])
        case .closeCase:
            try db.execute(sql: "UPDATE cases SET open = 0 WHERE case_id = ?", arguments: [header.caseId])
            // Transactional outbox: the hand-off records commit with the completion or not at all.
            try SQLiteSyncStore.recordHandoffIfReady(db, caseId: header.caseId)
        case .openCase(let snapshot):
            try SQLiteSyncStore.openWalkInCase(db, snapshot, kitId: header.kitId)
        }
    }

    func noteRecordedBy(_ clerk: Clerk, header: TransactionHeader) throws {
        try db.execute(
            sql: "UPDATE transactions SET recorded_by_id = ?, recorded_by_name = ? WHERE kit_id = ? AND seq = ?",
            arguments: [clerk.id, clerk.name, header.kitId, header.seq])
    }

    func openConflict(header: TransactionHeader, reason: ConflictReason, detail: String) throws {
        try db.execute(
            sql:
                "INSERT INTO conflicts (kit_id, seq, case_id, kind, reason, detail, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [header.kitId, header.seq, header.caseId, header.kind, reason.rawValue, detail, Date()])
    }

    static func storedAnswer(_ row: Row) -> StoredAnswer? {
        guard
            let result = try? WireCoding.decoder().decode(IngestResult.self, from: Data((row["answer"] as String).utf8))
        else {
            return nil
        }
        let envelope: Data = row["envelope"]
        return StoredAnswer(
            kitId: row["kit_id"], seq: row["seq"], txId: row["tx_id"], result: result, envelope: Array(envelope),
            chainHash: (row["chain_hash"] as Data?).map(Array.init))
    }
}
