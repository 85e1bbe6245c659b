import Hummingbird
import KitCore

/// Hand-off routes: the receiving procedure's bearer token (printed once by
/// `sync-server consumers add`, stored hashed). Unknown and revoked consumers get 401 before
/// any handler runs.
struct ConsumerAuthenticationMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let store: any SyncStore

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token = BearerToken.from(request) else {
            throw HTTPError(.unauthorized, message: "consumer token missing (Authorization: Bearer …)")
        }
        guard let consumer = try await store.consumer(tokenHash: BearerToken.hash(token)) else {
            throw HTTPError(.unauthorized, message: "unknown or revoked consumer")
        }
        var context = context
        context.consumer = consumer
        return try await next(request, context)
    }
}
