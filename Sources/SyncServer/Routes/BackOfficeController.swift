import Foundation
import Hummingbird
import KitCore

extension KitRecord: ResponseEncodable {}
extension ConflictRecord: ResponseEncodable {}
extension DossierRecord: ResponseEncodable {}
extension AuditEntry: ResponseEncodable {}

/// Back-office routes (operator token): create and assign cases, list and resolve conflicts,
/// see the fleet.
struct BackOfficeController {
    let store: any SyncStore

    struct CaseAssignment: Codable {
        var snapshot: CaseSnapshot
        var assignedKit: String?
    }

    struct Resolution: Decodable {
        var resolution: ConflictResolution
        var by: String?
        /// Why, for the audit trail (optional for scripts; the pages require one).
        var note: String?
    }

    func register(on group: RouterGroup<SyncRequestContext>) {
        group.post("cases") { request, context -> Response in
            let assignment = try await request.decode(as: CaseAssignment.self, context: context)
            do {
                try await store.upsertCase(assignment.snapshot, assignedKit: assignment.assignedKit)
            } catch let error as StoreError {
                guard case .invalid(let reason) = error else { throw error }
                throw HTTPError(.conflict, message: reason)
            }
            return Response(status: .created)
        }
        group.get("conflicts") { request, _ -> [ConflictRecord] in
            try await store.conflicts(openOnly: request.uri.queryParameters.get("open") == "true")
        }
        group.post("conflicts/:id/resolve") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            let body = try await request.decode(as: Resolution.self, context: context)
            let note: String?
            switch ConflictsPage.validNote(body.note) {
            case .success(let valid): note = valid
            case .failure(.missing): note = nil
            case .failure(.tooLong):
                throw HTTPError(.badRequest, message: "note: at most \(ConflictsPage.maximumNoteLength) characters")
            }
            guard
                try await store.resolveConflict(
                    id: id, resolution: body.resolution, note: note, by: body.by ?? "back office", at: Date())
            else {
                throw HTTPError(.notFound, message: "no open conflict \(id)")
            }
            return Response(status: .noContent)
        }
        group.get("dossiers") { request, _ -> [DossierRecord] in
            try await store.dossiers(rejectedOnly: request.uri.queryParameters.get("rejected") == "true")
        }
        group.get("fleet") { _, _ -> [KitRecord] in
            try await store.kits()
        }
        // The audit trail, newest first (evidence views, resolutions, hand-offs, deletions).
        group.get("audit") { request, _ -> [AuditEntry] in
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100
            return try await store.auditLog(limit: min(max(limit, 1), 1_000))
        }
    }
}
