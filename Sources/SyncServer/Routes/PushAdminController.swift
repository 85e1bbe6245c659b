import Foundation
import Hummingbird
import KitCore

/// Back-office routes for push delivery (operator token): the push queues (pending and
/// dead-lettered dossiers with attempts and last error) and re-queueing a dead-lettered dossier.
struct PushAdminController {
    let store: any SyncStore

    struct Entry: Codable, ResponseEncodable {
        var dossierId: String
        var caseId: String
        var consumer: String
        var cursor: String
        var state: String
        var attempts: Int
        var lastError: String?
        var nextAttemptAt: Date?
        var deadLetteredAt: Date?
    }

    func register(on group: RouterGroup<SyncRequestContext>) {
        group.get("pushes") { request, _ -> [Entry] in
            let deadOnly = request.uri.queryParameters.get("state") == PushQueueEntry.State.deadLetter.rawValue
            return try await store.pushQueue().filter { !deadOnly || $0.state == .deadLetter }.map {
                Entry(
                    dossierId: $0.dossierId, caseId: $0.caseId, consumer: $0.consumer, cursor: String($0.position),
                    state: $0.state.rawValue, attempts: $0.attempts, lastError: $0.lastError,
                    nextAttemptAt: $0.state == .pending ? $0.nextAttemptAt : nil, deadLetteredAt: $0.deadLetteredAt)
            }
        }
        group.post("dossiers/:id/redeliver") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard try await store.requeuePush(dossierId: id, by: "back office", at: Date()) else {
                throw HTTPError(.conflict, message: "dossier \(id) is not dead-lettered; nothing to re-queue")
            }
            return Response(status: .noContent)
        }
    }
}
