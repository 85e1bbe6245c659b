import Hummingbird
import KitCore
import Synchronization

/// The local API's access rules, one place for HTTP requests and the event stream's WebSocket
/// handshake: a request must address the agent as 127.0.0.1 or localhost (`Host`; another name
/// means DNS rebinding), a request from a browser (it sends `Origin`) must come from a page the
/// agent itself serves on loopback (the clerk UI), and every request must present this run's token.
/// Other pages open in the clerk's browser cannot drive the devices or read the queue.
struct LocalAPIAccess: Sendable {
    enum Refusal: Equatable {
        case foreignHost
        case foreignOrigin(String)
        case noToken
        case wrongToken

        var status: HTTPResponse.Status {
            switch self {
            case .foreignHost: return .misdirectedRequest
            case .foreignOrigin: return .forbidden
            case .noToken, .wrongToken: return .unauthorized
            }
        }

        var message: String {
            switch self {
            case .foreignHost: return "the local API answers only as 127.0.0.1 or localhost"
            case .foreignOrigin(let origin): return "requests from \(origin) are not allowed"
            case .noToken, .wrongToken: return "missing or wrong local API token"
            }
        }
    }

    let token: String
    let port: BoundPort

    /// Why the request is refused, or nil. `presentedToken` is the token the client sent (bearer
    /// header, or the event stream's subprotocol).
    func refusal(host: String?, origin: String?, presentedToken: String?) -> Refusal? {
        let port = port.value
        if let host, !Self.isLocal(host: host, port: port) { return .foreignHost }
        if let origin, !Self.isLocal(origin: origin, port: port) { return .foreignOrigin(origin) }
        guard let presentedToken else { return .noToken }
        guard SecretToken.constantTimeEqual(Array(presentedToken.utf8), Array(token.utf8)) else { return .wrongToken }
        return nil
    }

    /// The token in `Authorization: Bearer …`, if any.
    static func bearer(_ authorization: String?) -> String? {
        authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
    }

    static func isLocal(origin: String, port: Int) -> Bool {
        if origin == "http://127.0.0.1:\(port)" || origin == "http://localhost:\(port)" { return true }
        // Non-browser WebSocket clients (swift-websocket's, for one) send the socket's own address
        // as Origin; no web page has a ws: origin, so this lets no page in.
        return ["ws://127.0.0.1", "ws://localhost", "ws://127.0.0.1:\(port)", "ws://localhost:\(port)"].contains(origin)
    }

    static func isLocal(host: String, port: Int) -> Bool {
        let host = host.lowercased()
        return host == "127.0.0.1:\(port)" || host == "localhost:\(port)" || host == "127.0.0.1" || host == "localhost"
    }
}

/// ``LocalAPIAccess`` for every route under `/v1`.
struct LocalAPIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: LocalAPIAccess

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let refusal = access.refusal(
            host: request.head.authority, origin: request.headers[.origin],
            presentedToken: LocalAPIAccess.bearer(request.headers[.authorization]))
        {
            throw HTTPError(refusal.status, message: refusal.message)
        }
        return try await next(request, context)
    }
}

/// The port the local API is bound to, set once the listener is up.
final class BoundPort: Sendable {
    private let storage: Mutex<Int>
    init(_ port: Int) { storage = Mutex(port) }
    var value: Int { storage.withLock { $0 } }
    func set(_ port: Int) { storage.withLock { $0 = port } }
}
