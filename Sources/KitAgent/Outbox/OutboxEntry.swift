import Foundation
import GRDB
import KitCore

/// Where a transaction is on its way to the sync server.
public enum OutboxState: String, Sendable, Codable, CaseIterable {
    /// Committed on the kit, not yet sent (or to be sent again).
    case pending
    /// Sent; the server's answer has not arrived yet.
    case sent
    /// The server applied it (or had it already): done, payload kept for the retention window.
    case acknowledged
    /// Acknowledged and past the retention window: payload overwritten, metadata kept for audit.
    case shredded
    /// The server answered conflict or rejected: waits for back office, blocks nothing else.
    case parked
}

/// One row of the outbox as people may see it: metadata only, never the sealed payload (which
/// the kit cannot read anyway).
public struct OutboxEntry: Sendable, Codable, Equatable, FetchableRecord {
    public var seq: UInt64
    public var txId: String
    public var caseId: String
    public var kind: String
    public var baseVersion: UInt64
    public var recordedAt: Date
    public var state: OutboxState
    public var stateChangedAt: Date
    public var attempts: Int
    public var envelopeSize: Int
    /// Hex SHA-256 of the envelope (the next one's prevHash).
    public var envelopeHash: String
    /// Whether the sealed envelope is still stored (false once shredded).
    public var envelopeRetained: Bool
    /// The server's answer (applied, duplicate, conflict, rejected) once known.
    public var answer: String?
    /// Why a parked transaction is parked.
    public var parkReason: String?
    /// Set when the kit found this envelope damaged before sending it: a signed tombstone
    /// (`transaction.lost`) went to the server in its place.
    public var damage: String?

    public init(row: Row) throws {
        seq = row["seq"]
        txId = row["tx_id"]
        caseId = row["case_id"]
        kind = row["kind"]
        baseVersion = row["base_version"]
        recordedAt = Date(timeIntervalSince1970: Double(row["wall_millis"] as Int64) / 1000)
        let rawState: String = row["state"]
        state = OutboxState(rawValue: rawState) ?? .pending
        stateChangedAt = Date(timeIntervalSince1970: Double(row["state_changed_millis"] as Int64) / 1000)
        attempts = row["attempts"]
        envelopeSize = row["envelope_size"]
        let hash: Data = row["envelope_hash"]
        envelopeHash = hash.map { String(format: "%02x", $0) }.joined()
        envelopeRetained = row["retained"]
        answer = row["answer"]
        parkReason = row["park_reason"]
        damage = row["damage"]
    }

    static let columns =
        "seq, tx_id, case_id, kind, base_version, wall_millis, state, state_changed_millis, attempts, "
        + "envelope_size, envelope_hash, envelope IS NOT NULL AS retained, answer, park_reason, damage"
}
