import BenchmarkSupport
import Foundation
import GRDB
import KitCore
import Logging
import PostgresNIO

/// One row as the server's `transactions` table stores it, prepared before the clock starts.
struct RawRow: Sendable {
    var kitId: String
    var seq: Int64
    var txId: String
    var caseId: String
    var kind: String
    var answer: String
    var envelope: Data

    /// The rows the server would store for these envelopes, each with an `applied` answer.
    static func rows(for envelopes: [Data]) throws -> [RawRow] {
        try envelopes.map { bytes in
            let header = try TransactionEnvelope(decoding: Array(bytes)).header
            guard let seq = Int64(exactly: header.seq) else { throw BenchFailure("seq \(header.seq) too large") }
            let txId = header.txId.uuidString.lowercased()
            let answer = try WireCoding.encoder().encode(IngestResult(seq: header.seq, txId: txId, outcome: .applied))
            return RawRow(
                kitId: header.kitId, seq: seq, txId: txId, caseId: header.caseId, kind: header.kind,
                answer: String(decoding: answer, as: UTF8.self), envelope: bytes)
        }
    }
}

/// The baseline: the store's own insert of the same rows into a table shaped like the server's
/// `transactions` (same columns, primary key, unique tx id and index), with the durability the
/// server store runs with, `perTransaction` rows per commit. No TLS, no HTTP, no verification.
enum RawInsert {
    /// SQLite as `SQLiteSyncStore` opens it: WAL, `synchronous=FULL`, on the same disk.
    static func sqlite(path: String, rows: [RawRow], perTransaction: Int) async throws -> Double {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try await queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(
                sql: """
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
                    """)
        }
        let elapsed = try await seconds {
            for start in stride(from: 0, to: rows.count, by: perTransaction) {
                let chunk = rows[start..<min(start + perTransaction, rows.count)]
                try await queue.write { db in
                    for row in chunk {
                        try db.execute(
                            sql: """
                                INSERT INTO transactions (kit_id, seq, tx_id, case_id, kind, outcome, answer, envelope, received_at)
                                VALUES (?, ?, ?, ?, ?, 'applied', ?, ?, ?)
                                """,
                            arguments: [
                                row.kitId, row.seq, row.txId, row.caseId, row.kind, row.answer, row.envelope, Date(),
                            ])
                    }
                }
            }
        }
        try queue.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return elapsed
    }

    /// PostgreSQL over PostgresNIO on the same cluster the server store uses: individual
    /// parameterised INSERTs (as the server's ledger sends them), `BEGIN … COMMIT` around each
    /// `perTransaction` rows (1: autocommit, one commit per row).
    static func postgres(
        configuration: PostgresClient.Configuration, rows: [RawRow], perTransaction: Int, logger: Logger
    ) async throws -> Double {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        return try await client.withConnection { connection in
            try await connection.query("DROP TABLE IF EXISTS raw_transactions", logger: logger)
            try await connection.query(
                """
                CREATE TABLE raw_transactions (
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
                """, logger: logger)
            try await connection.query(
                "CREATE INDEX raw_transactions_by_case ON raw_transactions (case_id, outcome, kind)", logger: logger)
            let elapsed = try await seconds {
                for start in stride(from: 0, to: rows.count, by: perTransaction) {
                    if perTransaction > 1 { try await connection.query("BEGIN", logger: logger) }
                    for row in rows[start..<min(start + perTransaction, rows.count)] {
                        try await connection.query(
                            """
                            INSERT INTO raw_transactions
                                (kit_id, seq, tx_id, case_id, kind, outcome, answer, envelope, received_at)
                            VALUES (\(row.kitId), \(row.seq), \(row.txId), \(row.caseId), \(row.kind), 'applied',
                                \(row.answer), \(row.envelope), \(Date()))
                            """, logger: logger)
                    }
                    if perTransaction > 1 { try await connection.query("COMMIT", logger: logger) }
                }
            }
            try await connection.query("DROP TABLE raw_transactions", logger: logger)
            return elapsed
        }
    }
}
