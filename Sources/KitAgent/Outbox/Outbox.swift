import Crypto
import Dispatch
import Foundation
import GRDB
import KitCore
import Synchronization

/// The kit's durable queue of sealed transactions (ARCHITECTURE.md, "Data flow" steps 4–7).
///
/// `enqueue` seals, signs and chains a payload and returns only after the SQLite commit is on
/// disk (WAL + `synchronous=FULL`): once the clerk's screen says "done", the step survives a crash
/// or a dead battery. `seq` is gap-free because it is assigned inside the same write transaction
/// that inserts the row, after reading the previous row's hash.
public final class Outbox: Sendable {
    let database: AgentDatabase
    let sealer: EnvelopeSealer?
    /// The kit this outbox belongs to (goes into every header).
    public let kitId: String
    /// The clerk who unlocked the kit: stamped into the facts of every step sealed (issue #17).
    let clerkSession: ClerkSession?

    public convenience init(
        database: AgentDatabase, kitId: String, sealer: EnvelopeSealer, clerkSession: ClerkSession? = nil
    ) {
        self.init(database: database, kitId: kitId, sealer: Optional(sealer), clerkSession: clerkSession)
    }

    /// `formatVersion` other than the current one only in tests: the queue an older kit software
    /// left behind (docs/envelope.md, "Format 1 and the upgrade").
    init(
        database: AgentDatabase, kitId: String, sealer: EnvelopeSealer?,
        formatVersion: UInt8 = TransactionEnvelope.currentFormatVersion, clerkSession: ClerkSession? = nil
    ) {
        self.database = database
        self.kitId = kitId
        self.sealer = sealer
        self.formatVersion = formatVersion
        self.clerkSession = clerkSession
    }

    /// The envelope format `enqueue` seals.
    let formatVersion: UInt8

    /// The server's limits as stored in `sync_state`, read once and kept: `enqueue` checks every
    /// envelope against them without a database read (``storeServerLimits(_:)`` updates both).
    let cachedLimits = Mutex<IngestLimits?>(nil)

    /// What `enqueue` returns: enough to show a receipt and to find the entry again.
    public struct Receipt: Sendable, Equatable {
        public var seq: UInt64
        public var txId: UUID
        public var envelopeHash: [UInt8]
    }

    /// Seals `payload` into the next envelope of the chain and commits it durably.
    public func enqueue(
        caseId: String, kind: String, baseVersion: UInt64, payload: some DataProtocol & Sendable
    ) throws(OutboxError) -> Receipt {
        try enqueue(caseId: caseId, kind: kind, baseVersion: baseVersion, payload: payload, alongside: { _, _ in })
    }

    /// Like `enqueue(caseId:kind:baseVersion:payload:)`, and runs `alongside` in the same write
    /// transaction after the envelope row is inserted: local bookkeeping that must commit
    /// together with the transaction or not at all (a payment intent and its local record).
    /// When `alongside` throws, nothing is recorded and the error is reported as
    /// ``OutboxError/alongsideFailed(_:)``, unless it is a database error (then ``OutboxError/storage(_:)``).
    public func enqueue(
        caseId: String, kind: String, baseVersion: UInt64, payload: some DataProtocol & Sendable,
        alongside: (Database, Receipt) throws -> Void
    ) throws(OutboxError) -> Receipt {
        let txId = UUID()
        let kitId = self.kitId
        // Who recorded it, inside the sealed, signed facts; the header layout is unchanged.
        let stamped = clerkSession?.current.map { StepPayload.stamp(Array(payload), recordedBy: $0) } ?? Array(payload)
        guard let sealer = self.sealer else { throw .readOnly }
        // Read before the write transaction (the database is not reentrant); cached after the first.
        let limits = serverLimits()
        do {
            return try database.queue.write { db -> Receipt in
                let last = try Row.fetchOne(db, sql: "SELECT seq, envelope_hash FROM outbox ORDER BY seq DESC LIMIT 1")
                let seq: UInt64 = (last?["seq"] as UInt64?).map { $0 + 1 } ?? 1
                let previousHash: [UInt8] =
                    (last?["envelope_hash"] as Data?).map(Array.init) ?? TransactionHeader.genesisHash
                let now = Date()
                let header = TransactionHeader(
                    kitId: kitId, seq: seq, txId: txId, caseId: caseId, baseVersion: baseVersion, kind: kind,
                    monotonicNanos: Outbox.monotonicNanos(), wallMillis: Int64(now.timeIntervalSince1970 * 1000),
                    prevHash: previousHash, formatVersion: formatVersion)
                let envelope = try sealer.seal(header: header, payload: stamped)
                let bytes = envelope.encoded()
                // Refused now, while the clerk is still at the door, rather than at sync time:
                // an envelope the server cannot take would never leave the kit.
                guard bytes.count <= limits.maxEnvelopeBytes else {
                    throw TooLarge(size: bytes.count, limit: limits.maxEnvelopeBytes)
                }
                let hash = envelope.hash
                try db.execute(
                    sql: """
                        INSERT INTO outbox (seq, tx_id, case_id, kind, base_version, wall_millis, envelope_hash,
                            envelope, envelope_size, state, state_changed_millis)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
                        """,
                    arguments: [
                        seq, txId.uuidString.lowercased(), caseId, kind, baseVersion, header.wallMillis, Data(hash),
                        Data(bytes), bytes.count, header.wallMillis,
                    ])
                let receipt = Receipt(seq: seq, txId: txId, envelopeHash: hash)
                do {
                    try alongside(db, receipt)
                } catch let error as DatabaseError {
                    throw error
                } catch {
                    throw AlongsideFailure(reason: String(describing: error))
                }
                return receipt
            }
        } catch let error as EnvelopeError {
            throw .sealing(error)
        } catch let failure as AlongsideFailure {
            throw .alongsideFailed(failure.reason)
        } catch let tooLarge as TooLarge {
            throw .tooLargeForServer(size: tooLarge.size, limit: tooLarge.limit)
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "enqueue"))
        }
    }

    /// Metadata of the entries, newest first, optionally only one state.
    public func entries(state: OutboxState? = nil, limit: Int = 100) throws(OutboxError) -> [OutboxEntry] {
        try read { db in
            if let state {
                return try OutboxEntry.fetchAll(
                    db, sql: "SELECT \(OutboxEntry.columns) FROM outbox WHERE state = ? ORDER BY seq DESC LIMIT ?",
                    arguments: [state.rawValue, limit])
            }
            return try OutboxEntry.fetchAll(
                db, sql: "SELECT \(OutboxEntry.columns) FROM outbox ORDER BY seq DESC LIMIT ?", arguments: [limit])
        }
    }

    /// Metadata of one entry.
    public func entry(seq: UInt64) throws(OutboxError) -> OutboxEntry {
        let found = try read { db in
            try OutboxEntry.fetchOne(
                db, sql: "SELECT \(OutboxEntry.columns) FROM outbox WHERE seq = ?", arguments: [seq])
        }
        guard let found else { throw .noSuchEntry(seq: seq) }
        return found
    }

    /// Counts per state and the age of the oldest unacknowledged entry.
    public func stats() throws(OutboxError) -> QueueStats {
        try read { db in
            var byState: [String: Int] = [:]
            for state in OutboxState.allCases { byState[state.rawValue] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                byState[row["state"]] = row["n"]
            }
            let lastSeq = try UInt64.fetchOne(db, sql: "SELECT MAX(seq) FROM outbox") ?? 0
            let oldest = try Int64.fetchOne(
                db, sql: "SELECT MIN(wall_millis) FROM outbox WHERE state IN ('pending', 'sent')")
            let retained = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(envelope)), 0) FROM outbox") ?? 0
            return QueueStats(
                byState: byState, lastSeq: lastSeq,
                oldestUnacknowledgedAt: oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                retainedBytes: retained)
        }
    }

    /// The stored envelopes from `seq` on, in chain order, for replay and self-checks.
    public func envelopes(from seq: UInt64 = 1, limit: Int = 1000) throws(OutboxError) -> [(
        seq: UInt64, bytes: [UInt8]
    )] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT seq, envelope FROM outbox WHERE seq >= ? AND envelope IS NOT NULL ORDER BY seq LIMIT ?",
                arguments: [seq, limit]
            ).map { row in (seq: row["seq"] as UInt64, bytes: Array(row["envelope"] as Data)) }
        }
    }

    /// Checks that seq runs 1…n without gaps and that every stored envelope links to its
    /// predecessor's hash and carries a valid signature. Returns the number of entries checked.
    @discardableResult
    public func verifyChain(with verifier: EnvelopeVerifier) throws(OutboxError) -> Int {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT seq, envelope_hash, envelope, damage FROM outbox ORDER BY seq").map {
                row in
                (
                    seq: row["seq"] as UInt64, hash: Array(row["envelope_hash"] as Data),
                    envelope: (row["envelope"] as Data?).map(Array.init), damage: row["damage"] as String?
                )
            }
        }
        var expectedSeq: UInt64 = 1
        var previousHash = TransactionHeader.genesisHash
        for row in rows {
            guard row.seq == expectedSeq else { throw .gap(expected: expectedSeq, found: row.seq) }
            if let bytes = row.envelope {
                do {
                    let envelope = try TransactionEnvelope(decoding: bytes)
                    // A tombstone stands in for a damaged envelope: its own hash is not the chain hash.
                    let tombstone =
                        row.damage != nil && envelope.header.kind == TransactionKind.transactionLost.rawValue
                    guard envelope.header.seq == row.seq, tombstone || envelope.hash == row.hash
                    else {
                        throw OutboxError.entryMismatch(seq: row.seq)
                    }
                    try verifier.verify(envelope, previousHash: previousHash)
                } catch let error as EnvelopeError {
                    throw .sealing(error)
                } catch let error as OutboxError {
                    throw error
                } catch {
                    throw .entryMismatch(seq: row.seq)
                }
            }
            previousHash = row.hash
            expectedSeq += 1
        }
        return rows.count
    }

    /// Drops the sealed payload of acknowledged entries older than `retention` (metadata and the
    /// chain hash stay), then checkpoints so the bytes leave the WAL too. Returns how many.
    @discardableResult
    public func shredAcknowledged(olderThan retention: TimeInterval, now: Date = Date()) throws(OutboxError) -> Int {
        let cutoff = Int64((now.timeIntervalSince1970 - retention) * 1000)
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        let count = try write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET envelope = NULL, state = 'shredded', state_changed_millis = ?
                    WHERE state = 'acknowledged' AND acknowledged_millis <= ?
                    """,
                arguments: [nowMillis, cutoff])
            return db.changesCount
        }
        if count > 0 {
            do { try database.checkpoint() } catch { throw .storage(error) }
        }
        return count
    }

    /// Records the server's answer for an entry (used by the sync client).
    public func record(
        answer: String, for seq: UInt64, state: OutboxState, parkReason: String? = nil, now: Date = Date()
    )
        throws(OutboxError)
    {
        let unknown = try record(
            [Answer(seq: seq, answer: answer, state: state, parkReason: parkReason)], now: now)
        guard unknown.isEmpty else { throw .noSuchEntry(seq: seq) }
    }

    /// The server's answer for one entry, as `record(_:)` stores it.
    public struct Answer: Sendable, Equatable {
        public var seq: UInt64
        public var answer: String
        public var state: OutboxState
        public var parkReason: String?

        public init(seq: UInt64, answer: String, state: OutboxState, parkReason: String? = nil) {
            self.seq = seq
            self.answer = answer
            self.state = state
            self.parkReason = parkReason
        }
    }

    /// Stores the answers of one server reply in one durable commit (one fsync for a whole batch
    /// instead of one per transaction). Returns the seqs this outbox does not have.
    @discardableResult
    public func record(_ answers: [Answer], now: Date = Date()) throws(OutboxError) -> [UInt64] {
        guard !answers.isEmpty else { return [] }
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        return try write { db in
            let statement = try db.makeStatement(
                sql: """
                    UPDATE outbox SET state = ?, answer = ?, park_reason = ?, state_changed_millis = ?,
                        acknowledged_millis = CASE WHEN ? = 'acknowledged' THEN ? ELSE acknowledged_millis END
                    WHERE seq = ?
                    """)
            var unknown: [UInt64] = []
            for answer in answers {
                try statement.execute(arguments: [
                    answer.state.rawValue, answer.answer, answer.parkReason, millis, answer.state.rawValue, millis,
                    answer.seq,
                ])
                if db.changesCount != 1 { unknown.append(answer.seq) }
            }
            return unknown
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(OutboxError) -> T {
        do {
            return try database.queue.read(body)
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "read"))
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(OutboxError) -> T {
        do {
            return try database.queue.write(body)
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "write"))
        }
    }

    /// Carries an envelope too large for the server out of the write transaction (which rolls back).
    private struct TooLarge: Error {
        var size: Int
        var limit: Int
    }

    /// Carries an `alongside` failure out of the write transaction (which rolls back).
    private struct AlongsideFailure: Error {
        var reason: String
    }

    static func monotonicNanos() -> UInt64 {
        // CLOCK_MONOTONIC on Linux.
        DispatchTime.now().uptimeNanoseconds
    }
}

/// Why the outbox could not do what was asked.
public enum OutboxError: Error, Equatable, CustomStringConvertible {
    /// The database failed (disk full, damaged, locked …).
    case storage(StorageError)
    /// Sealing, signing or verifying an envelope failed.
    case sealing(EnvelopeError)
    /// No entry with this seq.
    case noSuchEntry(seq: UInt64)
    /// The sequence has a hole: a transaction is missing.
    case gap(expected: UInt64, found: UInt64)
    /// A stored envelope does not match its row (seq or hash differ).
    case entryMismatch(seq: UInt64)
    /// This handle can only read (`kit-agent queue`).
    case readOnly
    /// Bookkeeping that had to commit together with the transaction failed; nothing was recorded.
    case alongsideFailed(String)
    /// The sealed step is larger than the sync server accepts in one request; nothing was recorded.
    case tooLargeForServer(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .storage(let error): return error.description
        case .sealing(let error): return error.description
        case .noSuchEntry(let seq): return "the queue has no transaction with seq \(seq)"
        case .gap(let expected, let found):
            return "the queue skips from seq \(expected - 1) to \(found): a transaction is missing"
        case .entryMismatch(let seq): return "queue entry \(seq) does not match its stored envelope"
        case .readOnly: return "the queue was opened for reading only"
        case .alongsideFailed(let reason): return "the transaction was NOT recorded: \(reason)"
        case .tooLargeForServer(let size, let limit):
            return
                "the transaction was NOT recorded: it has \(size) bytes and the sync server accepts at most \(limit) "
                + "(raise ingest.maxRequestBytes on the server, or capture at a lower resolution)"
        }
    }
}

extension Outbox {
    /// Read-only access to an agent's outbox for `kit-agent queue`, whether or not the agent runs
    /// (SQLite WAL lets a reader work beside the writer). Needs no keys.
    public struct Reader: Sendable {
        private let outbox: Outbox

        public init(stateDirectory: String) throws(OutboxError) {
            let database: AgentDatabase
            do {
                database = try AgentDatabase(path: stateDirectory + "/agent.sqlite", readOnly: true)
            } catch {
                throw .storage(error)
            }
            outbox = Outbox(database: database, kitId: "", sealer: nil)
        }

        public func entries(state: OutboxState?, limit: Int) throws(OutboxError) -> [OutboxEntry] {
            try outbox.entries(state: state, limit: limit)
        }
        public func entry(seq: UInt64) throws(OutboxError) -> OutboxEntry { try outbox.entry(seq: seq) }
        public func stats() throws(OutboxError) -> QueueStats { try outbox.stats() }
        /// The sync problem the running agent recorded last, if any.
        public func syncProblem() throws(OutboxError) -> SyncProblem? { try outbox.syncProblem() }
    }
}

extension Outbox {
    /// Envelopes still to deliver (pending or sent), in seq order, from `seq` on.
    public func undelivered(from seq: UInt64 = 1, limit: Int) throws(OutboxError) -> [(seq: UInt64, bytes: [UInt8])] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, envelope FROM outbox WHERE seq >= ? AND state IN ('pending', 'sent') AND envelope IS NOT NULL
                    ORDER BY seq LIMIT ?
                    """,
                arguments: [seq, limit]
            ).map { row in (seq: row["seq"] as UInt64, bytes: Array(row["envelope"] as Data)) }
        }
    }

    /// Marks entries as sent and counts the attempt.
    public func markSent(_ seqs: [UInt64], now: Date = Date()) throws(OutboxError) {
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        _ = try write { db in
            for seq in seqs {
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'sent', attempts = attempts + 1, state_changed_millis = ?
                        WHERE seq = ? AND state IN ('pending', 'sent')
                        """,
                    arguments: [millis, seq])
            }
        }
    }

    /// Puts sent transactions back to pending. `reachedServer` false: their request never left the
    /// kit (no connection could be made), so the attempt ``markSent(_:now:)`` counted is taken back —
    /// `attempts` counts requests the server saw. True: the server saw and refused the request (a
    /// 413); the attempt stays counted. Transactions in any other state are left alone.
    public func markPending(_ seqs: [UInt64], reachedServer: Bool, now: Date = Date()) throws(OutboxError) {
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        let attempts = reachedServer ? "attempts" : "MAX(0, attempts - 1)"
        _ = try write { db in
            for seq in seqs {
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'pending', attempts = \(attempts), state_changed_millis = ?
                        WHERE seq = ? AND state = 'sent'
                        """,
                    arguments: [millis, seq])
            }
        }
    }

    /// Highest seq the server has acknowledged (0 if none).
    public func acknowledgedHighWater() throws(OutboxError) -> UInt64 {
        try read { db in
            try UInt64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM outbox WHERE state IN ('acknowledged', 'shredded', 'parked')") ?? 0
        }
    }
}
