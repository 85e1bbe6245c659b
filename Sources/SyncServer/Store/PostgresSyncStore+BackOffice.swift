import Foundation
import KitCore
import PostgresNIO

extension PostgresSyncStore {
    public func currentCertificateExpiries() async throws(StoreError) -> [String: Date] {
        try await withConnection { connection in
            var expiries: [String: Date] = [:]
            for try await (kitId, notAfter) in try await connection.query(
                "SELECT kit_id, not_after FROM kit_certificates WHERE replaced_at IS NULL", logger: self.logger
            ).decode((String, Date).self) {
                expiries[kitId] = notAfter
            }
            return expiries
        }
    }

    public func conflictContexts(caseIds: [String]) async throws(StoreError) -> [String: ConflictCaseContext] {
        guard !caseIds.isEmpty else { return [:] }
        return try await withConnection { connection in
            var rows: [(String, String, Int64, Bool)] = []
            for try await row in try await connection.query(
                "SELECT case_id, snapshot, fee_cents, fee_paid FROM cases WHERE case_id = ANY(\(caseIds))",
                logger: self.logger
            ).decode((String, String, Int64, Bool).self) {
                rows.append(row)
            }
            var contexts: [String: ConflictCaseContext] = [:]
            for (caseId, snapshot, feeCents, feePaid) in rows {
                var registerVersion: UInt64?
                var registerAddress: String?
                if let citizenId = ConflictCaseContext.make(
                    snapshotText: snapshot, registerVersion: nil, registerAddressText: nil, feeCents: 0, feePaid: false
                )?.citizenId {
                    for try await (version, address) in try await connection.query(
                        "SELECT version, address FROM register WHERE citizen_id = \(citizenId)", logger: self.logger
                    ).decode((Int64, String).self) {
                        registerVersion = UInt64(clamping: version)
                        registerAddress = address
                    }
                }
                contexts[caseId] = ConflictCaseContext.make(
                    snapshotText: snapshot, registerVersion: registerVersion, registerAddressText: registerAddress,
                    feeCents: Int(clamping: feeCents), feePaid: feePaid)
            }
            return contexts
        }
    }

    public func conflictNotes(ids: [Int64]) async throws(StoreError) -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        return try await withConnection { connection in
            var notes: [Int64: String] = [:]
            for try await (id, note) in try await connection.query(
                "SELECT id, resolution_note FROM conflicts WHERE resolution_note IS NOT NULL AND id = ANY(\(ids))",
                logger: self.logger
            ).decode((Int64, String).self) {
                notes[id] = note
            }
            return notes
        }
    }
}
