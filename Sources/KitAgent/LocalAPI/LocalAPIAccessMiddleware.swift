import Hummingbird
import KitCore
import Synchronization

/// Guards the local API: every request must carry this run's bearer token, and a request from a
/// browser (it sends `Origin`) must come from a page the agent itself serves on loopback. Other
/// pages open in the clerk's browser cannot drive the devices or read the queue.
struct LocalAPIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    let port: BoundPort

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let origin = request.headers[.origin], !allowedOrigins.contains(origin) {
            throw HTTPError(.forbidden, message: "requests from \(origin) are not allowed")
        }
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
            SecretToken.constantTimeEqual(Array(authorization.utf8.dropFirst(7)), Array(token.utf8))
        else {
            throw HTTPError(.unauthorized, message: "missing or wrong local API token")
        }
        return try await next(request, context)
    }

    private var allowedOrigins: [String] {
        let port = port.value
        return ["http://127.0.0.1:\(port)", "http://localhost:\(port)"]
    }
}

/// The port the local API is bound to, set once the listener is up.
final class BoundPort: Sendable {
    private let storage: Mutex<Int>
    init(_ port: Int) { storage = Mutex(port) }
    var value: Int { storage.withLock { $0 } }
    func set(_ port: Int) { storage.withLock { $0 = port } }
}
