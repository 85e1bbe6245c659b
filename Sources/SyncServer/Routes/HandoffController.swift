import Foundation
import HTTPTypes
import Hummingbird
import KitCore
import Logging
import NIOCore

extension DossierFeedPage: ResponseEncodable {}

/// The pull feed for receiving procedures (modelled on FIT-Connect's submission API):
/// `GET /v1/handoff/dossiers?after=`, `GET /v1/handoff/dossiers/{id}` (the container) and
/// `POST /v1/handoff/dossiers/{id}/ack`. A consumer sees only its own dossiers: another
/// consumer's id answers 403.
struct HandoffController {
    let store: any SyncStore
    let assembly: DossierAssembly

    static let maximumPage = 100

    func register(on group: RouterGroup<SyncRequestContext>) {
        group.get("dossiers") { request, context -> DossierFeedPage in
            let consumer = try Self.consumer(context)
            let after: Int64
            do {
                after = try DossierCursor.parse(request.uri.queryParameters.get("after"))
            } catch {
                throw HTTPError(.badRequest, message: String(describing: error))
            }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 50, 1), Self.maximumPage)
            // Records committed with a completion are built here at the latest (after a crash too).
            try await assembly.buildPending()
            let records = try await store.dossierFeed(consumer: consumer.name, after: after, limit: limit)
            let items = records.compactMap { record -> DossierFeedItem? in
                guard let position = record.position else { return nil }
                return DossierFeedItem(
                    dossierId: record.dossierId, caseId: record.caseId, procedure: record.procedure,
                    cursor: String(position), sha256: record.sha256 ?? "", size: record.size ?? 0,
                    outcome: record.outcome)
            }
            return DossierFeedPage(dossiers: items, nextCursor: items.last?.cursor ?? String(after))
        }
        group.get("dossiers/:id") { _, context -> Response in
            let consumer = try Self.consumer(context)
            let id = try Self.dossierId(context)
            guard let (record, container) = try await store.dossier(id: id) else {
                throw HTTPError(.notFound, message: "no dossier \(id)")
            }
            guard record.consumer == consumer.name else {
                throw HTTPError(.forbidden, message: "dossier \(id) is addressed to another procedure")
            }
            guard record.builtAt != nil else { throw HTTPError(.notFound, message: "dossier \(id) is not ready yet") }
            guard let container else {
                throw HTTPError(.gone, message: "the evidence of dossier \(id) was deleted after its retention period")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-tar"
            if let name = HTTPField.Name("Dossier-SHA256") { headers[name] = record.sha256 ?? "" }
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: container)))
        }
        group.post("dossiers/:id/ack") { request, context -> HTTPResponse.Status in
            let consumer = try Self.consumer(context)
            let id = try Self.dossierId(context)
            let body = try await request.body.collect(upTo: HandoffAcknowledgement.maximumBodyBytes + 1)
            let acknowledgement: HandoffAcknowledgement
            do {
                acknowledgement = try HandoffAcknowledgement.parse(Array(buffer: body))
            } catch {
                throw HTTPError(.badRequest, message: String(describing: error))
            }
            switch try await store.acknowledgeDossier(
                id: id, consumer: consumer.name, acknowledgement: acknowledgement, at: Date())
            {
            case .recorded, .alreadyRecorded:
                context.logger.info(
                    "dossier acknowledged",
                    metadata: [
                        "dossier": "\(id)", "consumer": "\(consumer.name)",
                        "outcome": "\(acknowledgement.outcome.rawValue)",
                    ])
                return .noContent
            case .conflicting(let existing):
                throw HTTPError(
                    .conflict, message: "dossier \(id) was already \(existing.rawValue); a confirmation stands")
            case .foreign:
                throw HTTPError(.forbidden, message: "dossier \(id) is addressed to another procedure")
            case .notFound, .notBuilt:
                throw HTTPError(.notFound, message: "no dossier \(id)")
            }
        }
    }

    static func consumer(_ context: SyncRequestContext) throws -> HandoffConsumer {
        guard let consumer = context.consumer else { throw HTTPError(.unauthorized) }
        return consumer
    }

    /// Dossier ids are 32 lowercase hex digits; anything else is not looked up.
    static func dossierId(_ context: SyncRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard id.utf8.count == 32, Hex.decode(id) != nil, id == id.lowercased() else {
            throw HTTPError(.badRequest, message: "a dossier id is 32 lowercase hex digits")
        }
        return id
    }
}
