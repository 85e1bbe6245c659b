import Foundation
import Hummingbird
import KitCore

extension IngestReply: ResponseEncodable {}
extension CheckoutPage: ResponseEncodable {}

/// Kit routes: `POST /v1/ingest` and `GET /v1/kits/{id}/cases?cursor=`.
struct KitSyncController {
    let store: any SyncStore
    let engine: IngestEngine
    let metrics: ServerMetrics

    func register(on group: RouterGroup<SyncRequestContext>) {
        group.post("ingest") { request, context -> IngestReply in
            let kitId = try Self.kit(context)
            let batch = try await request.decode(as: IngestBatch.self, context: context)
            guard batch.kitId == kitId else {
                throw HTTPError(.forbidden, message: "batch names kit \(batch.kitId), token belongs to \(kitId)")
            }
            guard batch.envelopes.count <= IngestBatch.maximumEnvelopes else {
                throw HTTPError(
                    .contentTooLarge, message: "at most \(IngestBatch.maximumEnvelopes) envelopes per batch")
            }
            if let report = batch.report {
                try await store.updateReport(kitId: kitId, report: report, at: Date())
            }
            let reply = try await store.ingest(envelopes: batch.envelopes, kitId: kitId, engine: engine)
            metrics.count(reply.results.map(\.outcome))
            return reply
        }
        group.get("kits/:kit/cases") { request, context -> CheckoutPage in
            let kitId = try Self.kit(context)
            guard try context.parameters.require("kit") == kitId else {
                throw HTTPError(.forbidden, message: "a kit can only check out its own cases")
            }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 50, 1), 200)
            return try await store.checkout(
                kitId: kitId, after: request.uri.queryParameters.get("cursor"), limit: limit)
        }
    }

    static func kit(_ context: SyncRequestContext) throws -> String {
        guard let kitId = context.kitId else { throw HTTPError(.unauthorized) }
        return kitId
    }
}
