import Crypto
import Foundation
import GRDB
import KitCore
import Synchronization

/// The sending side of the outbox: envelopes checked against their stored hash before they leave
/// the kit, batches filled by bytes, and tombstones for envelopes found damaged.
extension Outbox {
    /// One envelope ready to go to the server.
    public struct Outgoing: Sendable, Equatable {
        public var seq: UInt64
        public var bytes: [UInt8]
        /// True when `bytes` is the tombstone of an envelope found damaged on the kit.
        public var isTombstone: Bool
    }

    /// The next undelivered envelopes from `seq` on, in seq order, whose base64 encodings fit
    /// `requestBytes` together (the first one is always returned, whatever its size: the caller
    /// decides whether it can travel alone), at most `maxCount`.
    ///
    /// Each envelope is checked before it is handed out: its bytes must hash to the stored chain
    /// hash and decode to a header with its own seq. One that does not is replaced, in the same
    /// durable commit, by a signed `transaction.lost` tombstone at the same seq that names the
    /// lost envelope's chain hash, so the server records the loss as a conflict for the back
    /// office and the queue behind it is not blocked.
    public func nextBatch(from seq: UInt64, requestBytes: Int, maxCount: Int) throws(OutboxError) -> [Outgoing] {
        let rows = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, tx_id, case_id, kind, envelope_hash, envelope, damage FROM outbox
                    WHERE seq >= ? AND state IN ('pending', 'sent') AND envelope IS NOT NULL
                    ORDER BY seq LIMIT ?
                    """,
                arguments: [seq, maxCount]
            ).map(QueuedRow.init)
        }
        var batch: [Outgoing] = []
        var used = IngestLimits.requestOverhead
        for row in rows {
            let outgoing: Outgoing
            if row.damage != nil {
                outgoing = Outgoing(seq: row.seq, bytes: row.envelope, isTombstone: true)
            } else if let damage = Self.damage(of: row) {
                if try repairStoredHash(row) {
                    outgoing = Outgoing(seq: row.seq, bytes: row.envelope, isTombstone: false)
                } else {
                    outgoing = Outgoing(
                        seq: row.seq, bytes: try replaceWithTombstone(row, damage: damage), isTombstone: true)
                }
            } else {
                outgoing = Outgoing(seq: row.seq, bytes: row.envelope, isTombstone: false)
            }
            let size = IngestLimits.encodedSize(ofEnvelope: outgoing.bytes.count)
            if !batch.isEmpty && used + size > requestBytes { break }
            batch.append(outgoing)
            used += size
        }
        return batch
    }

    /// Why a queued envelope cannot be sent as stored, or nil when it is intact (pure).
    static func damage(of row: QueuedRow) -> String? {
        guard TransactionEnvelope.chainHash(ofEncoded: row.envelope) == row.hash else {
            return "the stored envelope does not match its hash"
        }
        guard let envelope = try? TransactionEnvelope(decoding: row.envelope) else {
            return "the stored envelope cannot be decoded"
        }
        guard envelope.header.seq == row.seq else {
            return "the stored envelope names seq \(envelope.header.seq)"
        }
        return nil
    }

    /// When only the stored hash is damaged — the envelope decodes, names its own seq and carries
    /// this kit's valid signature, so its bytes are exactly what was signed — the hash column is
    /// set back to the envelope's hash and the envelope is sent as it is. Returns whether it did.
    func repairStoredHash(_ row: QueuedRow) throws(OutboxError) -> Bool {
        guard let sealer, let envelope = try? TransactionEnvelope(decoding: row.envelope),
            envelope.header.seq == row.seq, (try? sealer.verifier.verifySignature(envelope)) != nil
        else { return false }
        let hash = envelope.hash
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET envelope_hash = ? WHERE seq = ?", arguments: [Data(hash), row.seq])
        }
        return true
    }

    /// Seals the tombstone for a damaged row and stores it in the row's place (the chain hash of
    /// the lost envelope stays in `envelope_hash`). Returns the tombstone's bytes.
    func replaceWithTombstone(_ row: QueuedRow, damage: String) throws(OutboxError) -> [UInt8] {
        guard let sealer else { throw .readOnly }
        let kitId = self.kitId
        do {
            return try database.queue.write { db -> [UInt8] in
                let previousHash =
                    try Data.fetchOne(
                        db, sql: "SELECT envelope_hash FROM outbox WHERE seq = ?", arguments: [row.seq - 1]
                    ).map(Array.init) ?? TransactionHeader.genesisHash
                // The next envelope's prevHash is signed: it is the authoritative chain hash of
                // this one when the stored hash itself is what got damaged.
                var chainHash = row.hash
                if let next = try Row.fetchOne(
                    db, sql: "SELECT envelope_hash, envelope FROM outbox WHERE seq = ?", arguments: [row.seq + 1]),
                    let nextBytes = (next["envelope"] as Data?).map(Array.init),
                    TransactionEnvelope.chainHash(ofEncoded: nextBytes) == Array(next["envelope_hash"] as Data),
                    let nextEnvelope = try? TransactionEnvelope(decoding: nextBytes)
                {
                    chainHash = nextEnvelope.header.prevHash
                }
                let facts = StepPayload.TransactionLost(
                    originalTxId: row.txId, originalKind: row.kind, originalHash: Hex.encode(chainHash), damage: damage)
                let now = Date()
                let header = TransactionHeader(
                    kitId: kitId, seq: row.seq, txId: UUID(uuidString: row.txId) ?? UUID(), caseId: row.caseId,
                    baseVersion: 0, kind: TransactionKind.transactionLost.rawValue,
                    monotonicNanos: Outbox.monotonicNanos(), wallMillis: Int64(now.timeIntervalSince1970 * 1000),
                    prevHash: previousHash)
                let tombstone = try sealer.seal(header: header, payload: try WireCoding.encoder().encode(facts))
                    .encoded()
                try db.execute(
                    sql: """
                        UPDATE outbox SET envelope = ?, envelope_size = ?, envelope_hash = ?, damage = ?,
                            state_changed_millis = ?
                        WHERE seq = ?
                        """,
                    arguments: [
                        Data(tombstone), tombstone.count, Data(chainHash), damage, header.wallMillis, row.seq,
                    ])
                return tombstone
            }
        } catch let error as EnvelopeError {
            throw .sealing(error)
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "tombstone"))
        }
    }

    /// A queued row as the sending side reads it.
    struct QueuedRow {
        var seq: UInt64
        var txId: String
        var caseId: String
        var kind: String
        var hash: [UInt8]
        var envelope: [UInt8]
        var damage: String?

        init(_ row: Row) {
            seq = row["seq"]
            txId = row["tx_id"]
            caseId = row["case_id"]
            kind = row["kind"]
            hash = Array(row["envelope_hash"] as Data)
            envelope = Array(row["envelope"] as Data)
            damage = row["damage"]
        }
    }
}

/// What the kit remembers about its sync between runs (`sync_state`): the server's announced
/// limits (used when recording, offline) and the current sync problem (read by `doctor`).
extension Outbox {
    /// The server's limits as last announced, or the documented default before the first contact.
    public func serverLimits() -> IngestLimits {
        if let cached = cachedLimits.withLock({ $0 }) { return cached }
        let stored = ((try? syncState(IngestLimits.self, key: "server-limits")) ?? nil) ?? .default
        cachedLimits.withLock { $0 = stored }
        return stored
    }

    /// Stores the limits the server announced.
    public func storeServerLimits(_ limits: IngestLimits) throws(OutboxError) {
        try storeSyncState(limits, key: "server-limits")
        cachedLimits.withLock { $0 = limits }
    }

    /// The sync problem the running agent last recorded (nil: syncs work or only the link is missing).
    public func syncProblem() throws(OutboxError) -> SyncProblem? {
        try syncState(SyncProblem.self, key: "sync-problem")
    }

    /// Records (or with nil clears) the current sync problem.
    public func storeSyncProblem(_ problem: SyncProblem?) throws(OutboxError) {
        try storeSyncState(problem, key: "sync-problem")
    }

    private func syncState<T: Decodable>(_ type: T.Type, key: String) throws(OutboxError) -> T? {
        let text = try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM sync_state WHERE key = ?", arguments: [key])
        }
        guard let text else { return nil }
        return try? WireCoding.decoder().decode(T.self, from: Data(text.utf8))
    }

    private func storeSyncState<T: Encodable>(_ value: T?, key: String) throws(OutboxError) {
        let text = value.flatMap { try? WireCoding.encoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try write { db in
            if let text {
                try db.execute(
                    sql:
                        "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, text])
            } else {
                try db.execute(sql: "DELETE FROM sync_state WHERE key = ?", arguments: [key])
            }
        }
    }
}
