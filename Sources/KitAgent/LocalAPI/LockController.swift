import Foundation
import Hummingbird
import KitCore

/// `POST /v1/unlock` (`{"secret": "…", "initialize": false}`) and `POST /v1/lock`: the clerk's
/// unlock secret reaches the agent only over loopback with the per-run token, and is never logged.
struct LockController<Context: RequestContext> {
    let lock: KitLock

    struct UnlockRequest: Decodable {
        var secret: String
        var initialize: Bool?
    }

    func register(on group: RouterGroup<Context>) {
        group.post("unlock") { request, context in
            let body = try await request.decode(as: UnlockRequest.self, context: context)
            do {
                if body.initialize == true {
                    try await lock.initialize(secret: body.secret)
                } else {
                    try await lock.unlock(secret: body.secret)
                }
            } catch let error as UnlockError {
                throw HTTPError(Self.status(for: error), message: error.description)
            }
            return Response(status: .noContent)
        }
        group.post("lock") { _, _ in
            await lock.lock()
            return Response(status: .noContent)
        }
    }

    static func status(for error: UnlockError) -> HTTPResponse.Status {
        switch error {
        case .wrongSecret, .locked: return .unauthorized
        case .tooManyAttempts: return .tooManyRequests
        case .notInitialized, .alreadyInitialized: return .conflict
        case .secretTooShort: return .badRequest
        case .keyStore, .cryptoFailure: return .internalServerError
        }
    }
}
