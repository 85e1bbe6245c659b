import Foundation
import Hummingbird
import KitCore

/// The clerk's view of today's visits:
///
/// - `GET /v1/cases`: the checked-out cases with title, citizen and where each visit stands;
/// - `GET /v1/cases/{caseId}`: one case's snapshot and its workflow (which step is next, which
///   are done with their outbox seq, which wait for others).
///
/// Both need the kit unlocked (the snapshots are encrypted at rest).
struct CaseController<Context: RequestContext> {
    let runtime: KitRuntime

    struct Visit: ResponseEncodable {
        var caseId: String
        var title: String
        var citizen: String
        var current: CaseStep?
        var completed: Bool
        var workflow: CaseWorkflow
    }

    struct CaseDetail: ResponseEncodable {
        var snapshot: CaseSnapshot
        var workflow: CaseWorkflow
    }

    func register(on group: RouterGroup<Context>) {
        group.get("cases") { _, _ -> [Visit] in
            try await self.visits()
        }
        group.get("cases/:caseId") { _, context -> CaseDetail in
            let caseId = try context.parameters.require("caseId")
            let snapshot = try await WorkflowGate.snapshot(runtime, caseId: caseId)
            return CaseDetail(snapshot: snapshot, workflow: try WorkflowGate.workflow(runtime, snapshot: snapshot))
        }
    }

    func visits() async throws -> [Visit] {
        let summaries: [CaseStore.Summary]
        do { summaries = try runtime.cases.summaries() } catch {
            throw ClerkFacingError(.internalServerError, error.clerkText, detail: error.description)
        }
        var visits: [Visit] = []
        for summary in summaries {
            let snapshot = try await WorkflowGate.snapshot(runtime, caseId: summary.caseId)
            let workflow = try WorkflowGate.workflow(runtime, snapshot: snapshot)
            visits.append(
                Visit(
                    caseId: snapshot.caseId, title: snapshot.title,
                    citizen: "\(snapshot.citizen.givenNames) \(snapshot.citizen.familyName)",
                    current: workflow.current, completed: workflow.isCompleted, workflow: workflow))
        }
        return visits
    }
}

/// The local API's use of the workflow: read it, or refuse a step it does not allow now (409).
enum WorkflowGate {
    static func snapshot(_ runtime: KitRuntime, caseId: String) async throws -> CaseSnapshot {
        do {
            return try await runtime.cases.snapshot(caseId: caseId)
        } catch {
            throw ClerkFacingError(status(for: .caseUnavailable(error)), error.clerkText, detail: error.description)
        }
    }

    static func workflow(_ runtime: KitRuntime, snapshot: CaseSnapshot) throws -> CaseWorkflow {
        do {
            return try WorkflowReader(runtime: runtime).workflow(snapshot: snapshot)
        } catch {
            throw ClerkFacingError(status(for: error), error.clerkText, detail: error.description)
        }
    }

    /// Throws a 409 when the workflow does not allow a transaction of `kind` for the case now. A
    /// case that cannot be read is left to the step itself, which says why in its own terms.
    static func check(_ runtime: KitRuntime, caseId: String, kind: TransactionKind) async throws {
        do {
            try await WorkflowReader(runtime: runtime).check(caseId: caseId, kind: kind)
        } catch .caseUnavailable {
            return
        } catch {
            throw ClerkFacingError(status(for: error), error.clerkText, detail: error.description)
        }
    }

    static func status(for error: WorkflowError) -> HTTPResponse.Status {
        switch error {
        case .caseUnavailable(let caseError): return caseError.httpStatus
        case .storage: return .internalServerError
        case .refused: return .conflict
        }
    }
}

extension CaseWorkflow: ResponseEncodable {}
