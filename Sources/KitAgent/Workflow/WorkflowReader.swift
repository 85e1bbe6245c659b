import GRDB
import KitCore

/// Reads a case's workflow from what the kit has recorded: its outbox rows (kind and seq, which
/// are not sealed) and the payment ledger. Used by the local API before a step and for the clerk UI.
public struct WorkflowReader: Sendable {
    let runtime: KitRuntime

    public init(runtime: KitRuntime) {
        self.runtime = runtime
    }

    public func workflow(caseId: String) async throws(WorkflowError) -> CaseWorkflow {
        let snapshot: CaseSnapshot
        do { snapshot = try await runtime.cases.snapshot(caseId: caseId) } catch { throw .caseUnavailable(error) }
        return try workflow(snapshot: snapshot)
    }

    public func workflow(snapshot: CaseSnapshot) throws(WorkflowError) -> CaseWorkflow {
        let caseId = snapshot.caseId
        do {
            let record = try runtime.database.queue.read { db -> CaseWorkflow.Record in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT kind, seq FROM outbox WHERE case_id = ? ORDER BY seq", arguments: [caseId])
                var unapproved: Set<UInt64> = []
                var pending = false
                if try db.tableExists("payment_intents") {
                    for row in try Row.fetchAll(
                        db, sql: "SELECT state, outcome_seq FROM payment_intents WHERE case_id = ?",
                        arguments: [caseId])
                    {
                        let state: String = row["state"]
                        if state == "open" { pending = true }
                        if state != "approved", let seq = row["outcome_seq"] as UInt64? { unapproved.insert(seq) }
                    }
                }
                return CaseWorkflow.Record(
                    transactions: rows.map { (kind: $0["kind"] as String, seq: $0["seq"] as UInt64) },
                    unapprovedPaymentOutcomes: unapproved, paymentPending: pending,
                    identityOutcomes: try IdentityStanding.Notes.outcomes(db, caseId: caseId))
            }
            return CaseWorkflow(snapshot: snapshot, record: record)
        } catch {
            throw .storage(StorageError(error, path: runtime.database.path, operation: "read the case's steps"))
        }
    }

    /// Refuses a transaction of `kind` for `caseId` that the workflow does not allow now.
    public func check(caseId: String, kind: TransactionKind) async throws(WorkflowError) {
        if let refusal = try await workflow(caseId: caseId).mayRecord(kind) { throw .refused(refusal) }
    }
}

/// Why the workflow could not be read or refused a step.
public enum WorkflowError: Error, CustomStringConvertible {
    case caseUnavailable(CaseStoreError)
    case storage(StorageError)
    case refused(WorkflowRefusal)

    public var description: String {
        switch self {
        case .caseUnavailable(let error): return error.description
        case .storage(let error): return error.description
        case .refused(let refusal): return refusal.description
        }
    }
}
