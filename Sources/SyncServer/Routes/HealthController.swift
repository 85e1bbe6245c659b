import Hummingbird
import KitCore

/// `GET /healthz`: liveness and readiness for load balancers and monitoring. Answers 200 when the
/// database answers, 503 with the reason otherwise.
struct HealthController<Context: RequestContext> {
    let store: any SyncStore

    func register(on router: Router<Context>) {
        router.get("healthz") { _, _ in try await self.health() }
    }

    struct Health: ResponseEncodable {
        var status: String
        var storage: String
        var problem: String?
    }

    func health() async throws -> EditedResponse<Health> {
        do {
            try await store.checkHealth()
            return EditedResponse(status: .ok, response: Health(status: "ok", storage: store.backendName))
        } catch {
            return EditedResponse(
                status: .serviceUnavailable,
                response: Health(status: "unavailable", storage: store.backendName, problem: error.description))
        }
    }
}
