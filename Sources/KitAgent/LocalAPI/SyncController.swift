import Hummingbird
import KitCore

extension SyncSummary: ResponseEncodable {}

/// `POST /v1/sync`: sync now and answer with what happened (`kit-agent sync`).
struct SyncController<Context: RequestContext> {
    let client: SyncClient

    func register(on group: RouterGroup<Context>) {
        group.post("sync") { _, _ -> SyncSummary in
            do {
                return try await client.syncNow()
            } catch {
                throw HTTPError(.serviceUnavailable, message: String(describing: error))
            }
        }
    }
}
