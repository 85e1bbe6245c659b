import Foundation
import Hummingbird
import KitCore

/// Admin pages: a valid operator session cookie or the operator token as Bearer (scripts, tests).
/// Without either the browser is sent to the login page. State-changing requests must also come
/// from this server's own pages (``SameOriginCheck``); only Bearer requests may omit both
/// `Origin` and `Referer`, since a browser never attaches the Bearer header on its own.
struct OperatorSessionMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let tokenHash: [UInt8]
    let sessions: OperatorSessions

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var viaBearer = false
        var identity = OperatorIdentity.token
        if let token = BearerToken.from(request) {
            guard SecretToken.constantTimeEqual(BearerToken.hash(token), tokenHash) else {
                throw HTTPError(.unauthorized, message: "operator token wrong")
            }
            viaBearer = true
        }
        if !viaBearer {
            guard let sessionId = request.cookies[OperatorSessions.cookieName]?.value,
                let holder = await sessions.identity(sessionId, now: Date())
            else {
                return PageResponse.redirect(to: AdminPagesController.loginPath)
            }
            identity = holder
        }
        if request.method != .get && request.method != .head {
            switch SameOriginCheck.verdict(request) {
            case .sameOrigin: break
            case .absent where viaBearer: break
            case .absent, .foreign:
                throw HTTPError(.forbidden, message: "cross-origin request refused")
            }
        }
        var context = context
        context.isOperator = true
        context.operatorIdentity = identity
        return try await next(request, context)
    }
}
