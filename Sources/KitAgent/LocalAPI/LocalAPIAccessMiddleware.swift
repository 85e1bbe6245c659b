import Hummingbird
import KitCore
import Synchronization

/// Guards the local API: every request must carry this run's bearer token, must address the agent
/// as 127.0.0.1 or localhost (`Host`), and a request from a browser (it sends `Origin`) must come
/// from a page the agent itself serves on loopback (the clerk UI). Other pages open in the clerk's
/// browser cannot drive the devices or read the queue.
struct LocalAPIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    let port: BoundPort

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let authority = request.head.authority, !LocalOrigin.isAllowed(host: authority, port: port.value) {
            throw HTTPError(.misdirectedRequest, message: "the local API answers only as 127.0.0.1 or localhost")
        }
        if let origin = request.headers[.origin], !LocalOrigin.isAllowed(origin, port: port.value) {
            throw HTTPError(.forbidden, message: "requests from \(origin) are not allowed")
        }
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
            SecretToken.constantTimeEqual(Array(authorization.utf8.dropFirst(7)), Array(token.utf8))
        else {
            throw HTTPError(.unauthorized, message: "missing or wrong local API token")
        }
        return try await next(request, context)
    }
}

/// The origins of the agent's own pages (the clerk UI it serves on loopback), and the names it
/// answers to: a request whose `Host` is another name (DNS rebinding) is refused.
enum LocalOrigin {
    static func isAllowed(_ origin: String, port: Int) -> Bool {
        if origin == "http://127.0.0.1:\(port)" || origin == "http://localhost:\(port)" { return true }
        // Non-browser WebSocket clients (swift-websocket's, for one) send the socket's own address
        // as Origin; no web page has a ws: origin, so this lets no page in.
        return ["ws://127.0.0.1", "ws://localhost", "ws://127.0.0.1:\(port)", "ws://localhost:\(port)"].contains(origin)
    }

    static func isAllowed(host: String, port: Int) -> Bool {
        let host = host.lowercased()
        return host == "127.0.0.1:\(port)" || host == "localhost:\(port)" || host == "127.0.0.1" || host == "localhost"
    }
}

/// The port the local API is bound to, set once the listener is up.
final class BoundPort: Sendable {
    private let storage: Mutex<Int>
    init(_ port: Int) { storage = Mutex(port) }
    var value: Int { storage.withLock { $0 } }
    func set(_ port: Int) { storage.withLock { $0 = port } }
}
