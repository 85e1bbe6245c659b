import Foundation
import GRDB
import KitCore

/// The agent's SQLite database (`agent.sqlite` in the state directory): outbox and encrypted
/// case store in one file, so a step's transaction and its case bookkeeping commit together.
///
/// WAL journal, `synchronous=FULL` (a commit is on disk when it returns), `secure_delete=ON`
/// (freed pages are overwritten, so shredded payloads do not linger), foreign keys on.
public final class AgentDatabase: Sendable {
    let queue: DatabaseQueue
    /// Path of the database file.
    public let path: String

    /// Opens or creates the database and applies pending migrations.
    public init(path: String, readOnly: Bool = false) throws(StorageError) {
        self.path = path
        var configuration = Configuration()
        configuration.label = "kit-agent"
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            if !readOnly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw .cannotOpen(path: path, reason: "no such file (has kit-agent run with this state directory?)")
        }
        if !readOnly {
            // 0600 whatever the umask, before SQLite creates it (its -wal and -shm files follow).
            do {
                try PrivateFile.ensure(path)
            } catch {
                throw .cannotOpen(path: path, reason: error.description)
            }
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if !readOnly {
                try queue.writeWithoutTransaction { db in
                    let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                    guard mode?.lowercased() == "wal" else {
                        throw StorageError.cannotOpen(path: path, reason: "WAL journal not available")
                    }
                }
                try AgentDatabase.migrator.migrate(queue)
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(error, path: path, operation: "open")
        }
    }

    /// The commit settings as SQLite reports them for this connection (not as they were asked for).
    public func durability() throws(StorageError) -> SQLiteDurability {
        do {
            return try queue.read { db in
                SQLiteDurability(
                    journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                    synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                    secureDelete: try Int.fetchOne(db, sql: "PRAGMA secure_delete") == 1)
            }
        } catch {
            throw StorageError(error, path: path, operation: "check")
        }
    }

    /// `PRAGMA integrity_check`: "ok" or the list of problems.
    public func integrityCheck() throws(StorageError) -> [String] {
        do {
            return try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        } catch {
            throw StorageError(error, path: path, operation: "check")
        }
    }

    /// Moves the WAL content into the main file and truncates the WAL, so shredded data does not
    /// survive in the WAL either.
    public func checkpoint() throws(StorageError) {
        do {
            try queue.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw StorageError(error, path: path, operation: "checkpoint")
        }
    }

    /// The schema as named migrations. Never edit a shipped migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY,
                        tx_id TEXT NOT NULL UNIQUE,
                        case_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        base_version INTEGER NOT NULL,
                        wall_millis INTEGER NOT NULL,
                        envelope_hash BLOB NOT NULL,
                        envelope BLOB,
                        envelope_size INTEGER NOT NULL,
                        state TEXT NOT NULL
                            CHECK (state IN ('pending', 'sent', 'acknowledged', 'shredded', 'parked')),
                        state_changed_millis INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        answer TEXT,
                        park_reason TEXT,
                        acknowledged_millis INTEGER
                    );
                    CREATE INDEX outbox_by_state ON outbox(state, seq);
                    CREATE INDEX outbox_by_case ON outbox(case_id, seq);
                    """)
        }
        migrator.registerMigration("v1-case-store") { db in
            try db.execute(
                sql: """
                    CREATE TABLE cases (
                        case_id TEXT PRIMARY KEY,
                        version INTEGER NOT NULL,
                        sealed BLOB NOT NULL,
                        checked_out_millis INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-payment-intents") { db in
            // The kit's own, unsealed record of card payments (issue #6, crash safety): only
            // amounts, currency, trace and receipt numbers and outbox references — no personal
            // data. At most one intent may be open at a time (the partial unique index).
            try db.execute(
                sql: """
                    CREATE TABLE payment_intents (
                        intent_tx_id TEXT PRIMARY KEY,
                        case_id TEXT NOT NULL,
                        base_version INTEGER NOT NULL,
                        amount_cents INTEGER NOT NULL,
                        currency INTEGER NOT NULL,
                        previous_trace INTEGER,
                        intent_seq INTEGER NOT NULL REFERENCES outbox(seq),
                        state TEXT NOT NULL CHECK (state IN ('open', 'approved', 'not-paid')),
                        outcome_seq INTEGER REFERENCES outbox(seq),
                        trace_number INTEGER,
                        receipt_number INTEGER,
                        reason TEXT,
                        recovery_attempts INTEGER NOT NULL DEFAULT 0,
                        created_millis INTEGER NOT NULL,
                        resolved_millis INTEGER
                    );
                    CREATE UNIQUE INDEX payment_intents_one_open ON payment_intents(state) WHERE state = 'open';
                    CREATE INDEX payment_intents_by_case ON payment_intents(case_id);
                    """)
        }
        migrator.registerMigration("v3-identity-checks") { db in
            // The kit's own, unsealed note of how each identity check of a case came out, written
            // in the same transaction as its `identity.checked`: which steps the card unlocks.
            // Only the outcome — no names, no card data, no override reason.
            try db.execute(
                sql: """
                    CREATE TABLE identity_checks (
                        seq INTEGER PRIMARY KEY REFERENCES outbox(seq),
                        case_id TEXT NOT NULL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('matched', 'mismatched', 'overridden'))
                    );
                    CREATE INDEX identity_checks_by_case ON identity_checks(case_id);
                    """)
        }
        migrator.registerMigration("v4-outbox-damage-sync-state") { db in
            // `damage`: why a queued envelope was found damaged before sending; its `envelope`
            // then holds the signed tombstone sent in its place, `envelope_hash` stays the chain
            // hash of the lost one. `sync_state`: what the kit knows about its server's limits
            // and the current sync problem (read by `doctor` beside the running agent).
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN damage TEXT;
                    CREATE TABLE sync_state (
                        key TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    );
                    """)
        }
        return migrator
    }
}

/// A storage failure of the agent's database, worded for the clerk and IT staff.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    /// The disk (or the file system holding the state directory) is full.
    case diskFull(path: String)
    /// The database file cannot be opened.
    case cannotOpen(path: String, reason: String)
    /// The database file is damaged.
    case corrupt(path: String, reason: String)
    /// Reading or writing failed at the operating-system level.
    case ioFailure(path: String, reason: String)
    /// Another program holds the database locked.
    case busy(path: String)
    /// Anything else SQLite reported.
    case failed(operation: String, reason: String)

    init(_ error: any Error, path: String, operation: String) {
        guard let dbError = error as? DatabaseError else {
            self = .failed(operation: operation, reason: String(describing: error))
            return
        }
        let reason = dbError.message ?? "\(dbError.resultCode)"
        switch dbError.resultCode.primaryResultCode {
        case .SQLITE_FULL: self = .diskFull(path: path)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_NOTADB:
            self = .cannotOpen(path: path, reason: reason)
        case .SQLITE_CORRUPT: self = .corrupt(path: path, reason: reason)
        case .SQLITE_IOERR:
            self =
                dbError.extendedResultCode == .SQLITE_IOERR_WRITE && errno == ENOSPC
                ? .diskFull(path: path) : .ioFailure(path: path, reason: reason)
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy(path: path)
        default: self = .failed(operation: operation, reason: reason)
        }
    }

    public var description: String {
        switch self {
        case .diskFull(let path):
            return "disk full: the transaction was NOT saved (\(path)); free space on the kit, then repeat the step"
        case .cannotOpen(let path, let reason): return "database \(path) cannot be opened: \(reason)"
        case .corrupt(let path, let reason):
            return "database \(path) is damaged (\(reason)): do not delete it, call IT support"
        case .ioFailure(let path, let reason):
            return "disk error on \(path): \(reason); the transaction was NOT saved: check the disk (dmesg), "
                + "then repeat the step"
        case .busy(let path): return "database \(path) is locked by another program"
        case .failed(let operation, let reason): return "database \(operation) failed: \(reason)"
        }
    }
}
