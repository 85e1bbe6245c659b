import Crypto
import Foundation
import GRDB
import KitCore

/// The cases checked out to this kit (names, addresses, what to sign), encrypted at rest with
/// AES-256-GCM under the local storage key; the case id and version are bound as associated data
/// so rows cannot be swapped. Readable only while the kit is unlocked (``KitLock``).
public final class CaseStore: Sendable {
    private let database: AgentDatabase
    private let lock: KitLock

    public init(database: AgentDatabase, lock: KitLock) {
        self.database = database
        self.lock = lock
    }

    /// What may be listed without unlocking: no personal data.
    public struct Summary: Sendable, Codable, Equatable {
        public var caseId: String
        public var version: UInt64
        public var checkedOutAt: Date
    }

    /// Stores (or replaces) a snapshot. `activity: false` for background work (the sync's
    /// checkout), which must not hold off the auto-lock.
    public func store(_ snapshot: CaseSnapshot, now: Date = Date(), activity: Bool = true) async throws(CaseStoreError)
    {
        let key: SymmetricKey
        do { key = try await lock.currentStorageKey(activity: activity) } catch { throw .locked(error) }
        let sealed: Data
        do {
            let plain = try JSONEncoder().encode(snapshot)
            guard
                let combined = try AES.GCM.seal(
                    plain, using: key, authenticating: Self.aad(snapshot.caseId, snapshot.version)
                ).combined
            else { throw CaseStoreError.damaged(caseId: snapshot.caseId) }
            sealed = combined
        } catch let error as CaseStoreError {
            throw error
        } catch {
            throw .damaged(caseId: snapshot.caseId)
        }
        do {
            try await database.queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO cases (case_id, version, sealed, checked_out_millis) VALUES (?, ?, ?, ?)
                        ON CONFLICT(case_id) DO UPDATE SET version = excluded.version, sealed = excluded.sealed,
                            checked_out_millis = excluded.checked_out_millis
                        """,
                    arguments: [snapshot.caseId, snapshot.version, sealed, Int64(now.timeIntervalSince1970 * 1000)])
            }
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "store case"))
        }
    }

    /// Decrypts one case.
    public func snapshot(caseId: String) async throws(CaseStoreError) -> CaseSnapshot {
        let row: Row?
        do {
            row = try await database.queue.read { db in
                try Row.fetchOne(db, sql: "SELECT version, sealed FROM cases WHERE case_id = ?", arguments: [caseId])
            }
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "read case"))
        }
        guard let row else { throw .noSuchCase(caseId: caseId) }
        let key: SymmetricKey
        do { key = try await lock.currentStorageKey() } catch { throw .locked(error) }
        do {
            let box = try AES.GCM.SealedBox(combined: row["sealed"] as Data)
            let plain = try AES.GCM.open(box, using: key, authenticating: Self.aad(caseId, row["version"]))
            return try JSONDecoder().decode(CaseSnapshot.self, from: plain)
        } catch {
            throw .damaged(caseId: caseId)
        }
    }

    /// Case ids and versions (no personal data, works while locked).
    public func summaries() throws(CaseStoreError) -> [Summary] {
        do {
            return try database.queue.read { db in
                try Row.fetchAll(db, sql: "SELECT case_id, version, checked_out_millis FROM cases ORDER BY case_id").map
                {
                    Summary(
                        caseId: $0["case_id"], version: $0["version"],
                        checkedOutAt: Date(timeIntervalSince1970: Double($0["checked_out_millis"] as Int64) / 1000))
                }
            }
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "list cases"))
        }
    }

    /// Removes a case (done, or withdrawn by the back office); secure_delete overwrites it.
    public func remove(caseId: String) throws(CaseStoreError) {
        do {
            try database.queue.write { db in
                try db.execute(sql: "DELETE FROM cases WHERE case_id = ?", arguments: [caseId])
            }
        } catch {
            throw .storage(StorageError(error, path: database.path, operation: "remove case"))
        }
    }

    private static func aad(_ caseId: String, _ version: UInt64) -> Data {
        Data("case \(caseId) v\(version)".utf8)
    }
}

/// Why a case could not be stored or read.
public enum CaseStoreError: Error, Equatable, CustomStringConvertible {
    /// The kit is locked (or the lock failed).
    case locked(UnlockError)
    /// The case is not on this kit.
    case noSuchCase(caseId: String)
    /// The stored case cannot be decrypted or decoded.
    case damaged(caseId: String)
    /// The database failed.
    case storage(StorageError)

    public var description: String {
        switch self {
        case .locked(let error): return error.description
        case .noSuchCase(let caseId): return "case \(caseId) is not checked out to this kit"
        case .damaged(let caseId): return "case \(caseId) cannot be decrypted: check it out again"
        case .storage(let error): return error.description
        }
    }
}
