import Hummingbird
import KitCore

extension OutboxEntry: ResponseEncodable {}
extension QueueStats: ResponseEncodable {}

/// `GET /v1/queue[?state=&limit=]`, `GET /v1/queue/stats`, `GET /v1/queue/{seq}`: outbox
/// metadata for the clerk UI and office software. Payloads are sealed to the server and never
/// leave through this API.
struct QueueController<Context: RequestContext> {
    let outbox: Outbox?
    let problem: String?

    func register(on group: RouterGroup<Context>) {
        group.get("queue") { request, _ -> [OutboxEntry] in
            let outbox = try available()
            let state = try request.uri.queryParameters.get("state").map { text in
                guard let state = OutboxState(rawValue: text) else {
                    throw HTTPError(.badRequest, message: "unknown state \(text)")
                }
                return state
            }
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
            return try mapped { () throws(OutboxError) in
                try outbox.entries(state: state, limit: min(max(limit, 1), 1000))
            }
        }
        group.get("queue/stats") { _, _ -> QueueStats in
            let outbox = try available()
            return try mapped { () throws(OutboxError) in try outbox.stats() }
        }
        group.get("queue/:seq") { _, context -> OutboxEntry in
            let outbox = try available()
            let seq = try context.parameters.require("seq", as: UInt64.self)
            return try mapped { () throws(OutboxError) in try outbox.entry(seq: seq) }
        }
    }

    private func available() throws -> Outbox {
        guard let outbox else { throw HTTPError(.serviceUnavailable, message: problem ?? "outbox not available") }
        return outbox
    }

    private func mapped<T>(_ body: () throws(OutboxError) -> T) throws -> T {
        do {
            return try body()
        } catch .noSuchEntry(let seq) {
            throw HTTPError(.notFound, message: OutboxError.noSuchEntry(seq: seq).description)
        } catch {
            throw HTTPError(.internalServerError, message: error.description)
        }
    }
}
