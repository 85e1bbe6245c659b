import Foundation
import Logging
import PostgresNIO

/// One named schema step of the PostgreSQL store: statements run in order, in one transaction
/// with every other pending step.
struct PostgresMigration: Sendable {
    var name: String
    var statements: [String]
}

extension PostgresSyncStore {
    /// The schema, as named migrations with the same names and meaning as
    /// ``SQLiteSyncStore``'s (GRDB `DatabaseMigrator` style): never edit a shipped migration; add
    /// a new one. Types translated from SQLite: BLOB → BYTEA, INTEGER → BIGINT, boolean INTEGER →
    /// BOOLEAN, DATETIME → TIMESTAMPTZ. Ids that are paged or sorted (`case_id`, `kit_id`) use the
    /// "C" collation, so their order is byte order as in SQLite and independent of the cluster's
    /// locale.
    static let migrations: [PostgresMigration] = [
        PostgresMigration(
            name: "v1-server-instance",
            statements: [
                """
                CREATE TABLE server_instance (
                    id TEXT PRIMARY KEY,
                    created_at TIMESTAMPTZ NOT NULL
                )
                """,
                "INSERT INTO server_instance (id, created_at) VALUES (gen_random_uuid()::text, now())",
            ]),
        PostgresMigration(
            name: "v2-sync",
            statements: [
                """
                CREATE TABLE kits (
                    kit_id TEXT COLLATE "C" PRIMARY KEY,
                    signing_key BYTEA NOT NULL,
                    api_token_hash BYTEA UNIQUE,
                    active BOOLEAN NOT NULL DEFAULT TRUE,
                    enrolled_at TIMESTAMPTZ,
                    last_seq BIGINT NOT NULL DEFAULT 0,
                    last_hash BYTEA NOT NULL,
                    last_seen TIMESTAMPTZ,
                    report TEXT
                )
                """,
                """
                CREATE TABLE enrollment_tokens (
                    token_hash BYTEA PRIMARY KEY,
                    kit_id TEXT NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL,
                    used_at TIMESTAMPTZ
                )
                """,
                """
                CREATE TABLE cases (
                    case_id TEXT COLLATE "C" PRIMARY KEY,
                    version BIGINT NOT NULL,
                    assigned_kit TEXT,
                    open BOOLEAN NOT NULL DEFAULT TRUE,
                    fee_cents BIGINT NOT NULL DEFAULT 0,
                    fee_paid BOOLEAN NOT NULL DEFAULT FALSE,
                    required_steps TEXT NOT NULL,
                    snapshot TEXT NOT NULL
                )
                """,
                "CREATE INDEX cases_by_kit ON cases (assigned_kit, open, case_id)",
                """
                CREATE TABLE register (
                    citizen_id TEXT PRIMARY KEY,
                    version BIGINT NOT NULL,
                    address TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE documents (
                    document_id TEXT PRIMARY KEY,
                    case_id TEXT NOT NULL,
                    issued_by_kit TEXT,
                    issued_seq BIGINT
                )
                """,
                """
                CREATE TABLE transactions (
                    kit_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    tx_id TEXT NOT NULL UNIQUE,
                    case_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    envelope BYTEA NOT NULL,
                    received_at TIMESTAMPTZ NOT NULL,
                    PRIMARY KEY (kit_id, seq)
                )
                """,
                "CREATE INDEX transactions_by_case ON transactions (case_id, outcome, kind)",
                """
                CREATE TABLE conflicts (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kit_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    case_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    opened_at TIMESTAMPTZ NOT NULL,
                    resolution TEXT,
                    resolved_by TEXT,
                    resolved_at TIMESTAMPTZ
                )
                """,
                """
                CREATE TABLE audit_log (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at TIMESTAMPTZ NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL
                )
                """,
            ]),
        PostgresMigration(
            name: "v3-kit-certificates",
            statements: [
                """
                CREATE TABLE kit_certificates (
                    serial TEXT PRIMARY KEY,
                    kit_id TEXT COLLATE "C" NOT NULL,
                    public_key_sha256 BYTEA NOT NULL,
                    not_before TIMESTAMPTZ NOT NULL,
                    not_after TIMESTAMPTZ NOT NULL,
                    issued_at TIMESTAMPTZ NOT NULL,
                    origin TEXT NOT NULL,
                    replaced_at TIMESTAMPTZ,
                    replaced_by TEXT,
                    certificate TEXT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX kit_certificates_current ON kit_certificates (kit_id) WHERE replaced_at IS NULL",
                "CREATE INDEX kit_certificates_by_kit ON kit_certificates (kit_id, serial)",
            ]),
        PostgresMigration(
            name: "v4-operator-sessions",
            statements: [
                """
                CREATE TABLE operator_sessions (
                    id_hash BYTEA PRIMARY KEY,
                    created_at TIMESTAMPTZ NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL
                )
                """,
                "CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at)",
            ]),
        PostgresMigration(
            name: "v5-identity-bindings",
            statements: [
                // Card bindings (keyed hashes, no personal data) of applied identity checks that
                // matched the case's citizen: an address change is applied only for one of them.
                """
                CREATE TABLE identity_bindings (
                    case_id TEXT COLLATE "C" NOT NULL,
                    card_binding TEXT NOT NULL,
                    kit_id TEXT COLLATE "C" NOT NULL,
                    seq BIGINT NOT NULL,
                    PRIMARY KEY (case_id, card_binding)
                )
                """
            ]),
        PostgresMigration(
            name: "v6-handoff",
            statements: [
                // Receiving procedures, hand-off records (written with the case's completion: the
                // transactional outbox) and what retention keeps of a transaction once its
                // evidence is deleted: header, chain hash, previous hash and signature.
                """
                CREATE TABLE handoff_consumers (
                    name TEXT COLLATE "C" PRIMARY KEY,
                    procedure TEXT NOT NULL,
                    public_key BYTEA NOT NULL,
                    token_hash BYTEA NOT NULL UNIQUE,
                    active BOOLEAN NOT NULL DEFAULT TRUE,
                    created_at TIMESTAMPTZ NOT NULL,
                    revoked_at TIMESTAMPTZ
                )
                """,
                """
                CREATE TABLE handoff_dossiers (
                    dossier_id TEXT COLLATE "C" PRIMARY KEY,
                    case_id TEXT COLLATE "C" NOT NULL,
                    consumer TEXT COLLATE "C" NOT NULL REFERENCES handoff_consumers(name),
                    procedure TEXT NOT NULL,
                    recorded_at TIMESTAMPTZ NOT NULL,
                    position BIGINT UNIQUE,
                    built_at TIMESTAMPTZ,
                    container BYTEA,
                    sha256 TEXT,
                    size BIGINT,
                    outcome TEXT,
                    reason TEXT,
                    acknowledged_at TIMESTAMPTZ,
                    evidence_deleted_at TIMESTAMPTZ,
                    UNIQUE (case_id, consumer)
                )
                """,
                "CREATE INDEX handoff_dossiers_unbuilt ON handoff_dossiers (built_at, recorded_at)",
                "CREATE INDEX handoff_dossiers_feed ON handoff_dossiers (consumer, position)",
                """
                ALTER TABLE transactions ADD COLUMN prev_hash BYTEA, ADD COLUMN chain_hash BYTEA,
                    ADD COLUMN header BYTEA, ADD COLUMN signature BYTEA, ADD COLUMN evidence_deleted_at TIMESTAMPTZ
                """,
            ]),
        PostgresMigration(
            name: "v7-handoff-push",
            statements: [
                "ALTER TABLE handoff_consumers ADD COLUMN push_url TEXT, ADD COLUMN push_secret BYTEA",
                """
                ALTER TABLE handoff_dossiers ADD COLUMN push_attempts BIGINT NOT NULL DEFAULT 0,
                    ADD COLUMN push_first_failure_at TIMESTAMPTZ, ADD COLUMN push_next_at TIMESTAMPTZ,
                    ADD COLUMN push_last_error TEXT, ADD COLUMN push_delivered_at TIMESTAMPTZ,
                    ADD COLUMN push_dead_at TIMESTAMPTZ
                """,
            ]),
        PostgresMigration(
            name: "v8-evidence-views",
            statements: [
                // Every time an operator opened a step's evidence on the case page (who, when,
                // which step), beside the audit trail's entry; and the case list's per-case
                // conflict lookup.
                """
                CREATE TABLE evidence_views (
                    id BIGSERIAL PRIMARY KEY,
                    at TIMESTAMPTZ NOT NULL,
                    viewer TEXT NOT NULL,
                    case_id TEXT COLLATE "C" NOT NULL,
                    kit_id TEXT COLLATE "C" NOT NULL,
                    seq BIGINT NOT NULL,
                    kind TEXT NOT NULL
                )
                """,
                "CREATE INDEX evidence_views_by_case ON evidence_views (case_id, id)",
                "CREATE INDEX conflicts_by_case ON conflicts (case_id, resolution)",
            ]),
        PostgresMigration(
            name: "v9-envelope-proof",
            statements: [
                // The proof form of an envelope (docs/envelope.md), kept when retention deletes the
                // sealed payload: with format 2 the kit's signature and the chain verify from it.
                "ALTER TABLE transactions ADD COLUMN proof BYTEA"
            ]),
        PostgresMigration(
            name: "v10-data-protection",
            statements: [
                // Issue #17: a kit marked lost gets a signed wipe order at its next contact and its
                // report of the wipe is kept (when, last seq); the clerks per kit; the clerk who
                // recorded each step; the audit trail chained entry by entry (SHA-256).
                """
                ALTER TABLE kits ADD COLUMN lost_at TIMESTAMPTZ, ADD COLUMN lost_order_id TEXT,
                    ADD COLUMN wiped_at TIMESTAMPTZ, ADD COLUMN wiped_last_seq BIGINT
                """,
                """
                CREATE TABLE kit_clerks (
                    kit_id TEXT COLLATE "C" NOT NULL,
                    clerk_id TEXT COLLATE "C" NOT NULL,
                    name TEXT NOT NULL,
                    added_at TIMESTAMPTZ NOT NULL,
                    revoked_at TIMESTAMPTZ,
                    PRIMARY KEY (kit_id, clerk_id)
                )
                """,
                "ALTER TABLE transactions ADD COLUMN recorded_by_id TEXT, ADD COLUMN recorded_by_name TEXT",
                """
                ALTER TABLE audit_log ADD COLUMN at_millis BIGINT, ADD COLUMN prev_hash BYTEA,
                    ADD COLUMN entry_hash BYTEA
                """,
            ]),
        PostgresMigration(
            name: "v11-operators",
            statements: [
                // Named back-office accounts (scrypt password hashes) and who holds each browser
                // session (NULL: signed in with the operator token).
                """
                CREATE TABLE operators (
                    name TEXT COLLATE "C" PRIMARY KEY,
                    display_name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    password TEXT NOT NULL,
                    active BOOLEAN NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL
                )
                """,
                "ALTER TABLE operator_sessions ADD COLUMN operator_name TEXT",
            ]),
        PostgresMigration(
            name: "v12-backoffice",
            statements: [
                // The note the deciding person writes with a conflict decision (issue #20). Kept
                // apart from the conflict record, which goes back to the kit.
                "ALTER TABLE conflicts ADD COLUMN resolution_note TEXT"
            ]),
        PostgresMigration(
            name: "v13-counter",
            statements: [
                // Counter mode (issue #20): the register knows its citizens by name and date of
                // birth, so a walk-in can be looked up and a provisional case checked on replay.
                "ALTER TABLE register ADD COLUMN given_names TEXT",
                "ALTER TABLE register ADD COLUMN family_name TEXT",
                "ALTER TABLE register ADD COLUMN date_of_birth TEXT",
                "ALTER TABLE register ADD COLUMN person_key TEXT",
                "CREATE INDEX register_by_person ON register(person_key)",
            ]),
    ]

    /// Key of the transaction-level advisory lock that serialises schema migrations between
    /// server processes starting at the same time ("SYNCSVR1" in ASCII).
    static let migrationLockKey: Int64 = 0x5359_4E43_5356_5231

    /// Applies the pending migrations in one transaction under `pg_advisory_xact_lock`: a second
    /// server process starting at the same moment waits, then finds everything applied. Each
    /// applied name is recorded in `schema_migrations`.
    static func applyMigrations(
        _ migrations: [PostgresMigration], on connection: PostgresConnection, logger: Logger
    ) async throws(StoreError) {
        var current = "schema_migrations"
        do {
            try await transaction(on: connection, logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        name TEXT PRIMARY KEY,
                        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                var applied: Set<String> = []
                for try await name in try await connection.query(
                    "SELECT name FROM schema_migrations", logger: logger
                ).decode(String.self) {
                    applied.insert(name)
                }
                for migration in migrations where !applied.contains(migration.name) {
                    current = migration.name
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
                    logger.info("schema migration applied", metadata: ["migration": "\(migration.name)"])
                }
            }
        } catch {
            throw .migrationFailed(name: current, reason: reason(error))
        }
    }
}
