import Foundation
import GRDB
import KitCore

/// How the identity of a case's citizen stands on this kit: the outcome of the latest
/// `identity.checked` of the case (table `identity_checks`, written with the transaction).
public enum IdentityStanding: String, Codable, Sendable, Equatable {
    /// The card matched the case's citizen: every step may follow, the address may be written.
    case matched
    /// The card did not match: the steps after the identity check wait until a matching card or an
    /// override is recorded.
    case mismatched
    /// The clerk recorded a documented override: steps that do not use the card may follow, but
    /// nothing is written to a chip.
    case overridden

    /// Reads and writes the kit's local note of identity outcomes.
    struct Notes {
        let database: AgentDatabase

        /// Outcomes of a case's identity checks by outbox seq.
        func outcomes(caseId: String) throws -> [UInt64: IdentityStanding] {
            try database.queue.read { db in try Self.outcomes(db, caseId: caseId) }
        }

        static func outcomes(_ db: Database, caseId: String) throws -> [UInt64: IdentityStanding] {
            guard try db.tableExists("identity_checks") else { return [:] }
            var result: [UInt64: IdentityStanding] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT seq, outcome FROM identity_checks WHERE case_id = ?", arguments: [caseId])
            {
                if let outcome = IdentityStanding(rawValue: row["outcome"]) { result[row["seq"]] = outcome }
            }
            return result
        }

        /// The standing after the case's latest identity check (nil: none recorded on this kit).
        static func standing(_ db: Database, caseId: String) throws -> IdentityStanding? {
            let latest = try Row.fetchOne(
                db, sql: "SELECT seq FROM outbox WHERE case_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1",
                arguments: [caseId, TransactionKind.identityChecked.rawValue])
            guard let latest else { return nil }
            let seq: UInt64 = latest["seq"]
            // A check without a note (recorded before this kit knew notes) proves nothing.
            return try outcomes(db, caseId: caseId)[seq] ?? .mismatched
        }

        func standing(caseId: String) throws -> IdentityStanding? {
            try database.queue.read { db in try Self.standing(db, caseId: caseId) }
        }

        /// Notes the outcome of the identity check just enqueued (inside its write transaction).
        static func note(_ db: Database, seq: UInt64, caseId: String, outcome: IdentityStanding) throws {
            try db.execute(
                sql: "INSERT INTO identity_checks (seq, case_id, outcome) VALUES (?, ?, ?)",
                arguments: [seq, caseId, outcome.rawValue])
        }

        /// The address change already recorded for the case, if any.
        static func recordedAddressChange(_ db: Database, caseId: String) throws -> Outbox.Receipt? {
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT seq, tx_id, envelope_hash FROM outbox WHERE case_id = ? AND kind = ?
                        ORDER BY seq LIMIT 1
                        """,
                    arguments: [caseId, TransactionKind.addressChanged.rawValue])
            else { return nil }
            let txId: String = row["tx_id"]
            guard let uuid = UUID(uuidString: txId) else { return nil }
            let hash: Data = row["envelope_hash"]
            return Outbox.Receipt(seq: row["seq"], txId: uuid, envelopeHash: Array(hash))
        }

        func recordedAddressChange(caseId: String) throws -> Outbox.Receipt? {
            try database.queue.read { db in try Self.recordedAddressChange(db, caseId: caseId) }
        }
    }
}
