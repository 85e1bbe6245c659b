import Foundation
import Hummingbird
import KitCore

/// `POST /v1/unlock` (`{"secret": "…", "initialize": false}`) and `POST /v1/lock`: the clerk's
/// unlock secret reaches the agent only over loopback with the per-run token, and is never logged.
struct LockController<Context: RequestContext> {
    let lock: KitLock

    struct AutoLock: ResponseEncodable {
        /// nil (absent) when locked.
        var secondsUntilAutoLock: Double?
    }

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
                throw ClerkFacingError(Self.status(for: error), error.clerkText(), detail: error.description)
            }
            return Response(status: .noContent)
        }
        group.post("lock") { _, _ in
            await lock.lock()
            return Response(status: .noContent)
        }
        // How long until the auto-lock (not itself activity), and "Weiterarbeiten" (activity).
        group.get("lock") { _, _ -> AutoLock in
            AutoLock(secondsUntilAutoLock: await lock.secondsUntilAutoLock())
        }
        group.post("lock/keep") { _, _ in
            do throws(UnlockError) {
                try await lock.keepUnlocked()
            } catch {
                throw ClerkFacingError(Self.status(for: error), error.clerkText(), detail: error.description)
            }
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
