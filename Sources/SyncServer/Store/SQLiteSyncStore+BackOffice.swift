import Foundation
import GRDB
import KitCore

extension SQLiteSyncStore {
    public func currentCertificateExpiries() async throws(StoreError) -> [String: Date] {
        try await read { db in
            var expiries: [String: Date] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kit_id, not_after FROM kit_certificates WHERE replaced_at IS NULL")
            {
                expiries[row["kit_id"]] = row["not_after"] as Date
            }
            return expiries
        }
    }

    public func conflictContexts(caseIds: [String]) async throws(StoreError) -> [String: ConflictCaseContext] {
        guard !caseIds.isEmpty else { return [:] }
        return try await read { db in
            var contexts: [String: ConflictCaseContext] = [:]
            let marks = Array(repeating: "?", count: caseIds.count).joined(separator: ", ")
            for row in try Row.fetchAll(
                db, sql: "SELECT case_id, snapshot, fee_cents, fee_paid FROM cases WHERE case_id IN (\(marks))",
                arguments: StatementArguments(caseIds))
            {
                let snapshot: String = row["snapshot"]
                let citizenId = ConflictCaseContext.make(
                    snapshotText: snapshot, registerVersion: nil, registerAddressText: nil, feeCents: 0, feePaid: false
                )?.citizenId
                let register = try citizenId.flatMap {
                    try Row.fetchOne(
                        db, sql: "SELECT version, address FROM register WHERE citizen_id = ?", arguments: [$0])
                }
                contexts[row["case_id"]] = ConflictCaseContext.make(
                    snapshotText: snapshot, registerVersion: register?["version"],
                    registerAddressText: register?["address"], feeCents: row["fee_cents"], feePaid: row["fee_paid"])
            }
            return contexts
        }
    }

    public func conflictNotes(ids: [Int64]) async throws(StoreError) -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            var notes: [Int64: String] = [:]
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            for row in try Row.fetchAll(
                db,
                sql: "SELECT id, resolution_note FROM conflicts WHERE resolution_note IS NOT NULL AND id IN (\(marks))",
                arguments: StatementArguments(ids))
            {
                notes[row["id"]] = row["resolution_note"] as String
            }
            return notes
        }
    }
}
