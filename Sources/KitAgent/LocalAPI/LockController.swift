import Foundation
import Hummingbird
import KitCore

/// `POST /v1/unlock` (`{"secret": "…", "clerk": "anna.schmidt", "initialize": false, "name": "…"}`),
/// `POST /v1/lock`, `GET /v1/clerks` and `POST /v1/clerks` (`{"clerk": "…", "name": "…",
/// "secret": "…"}`, IT adds a clerk's key slot while the kit is unlocked): secrets reach the agent
/// only over loopback with the per-run token, and are never logged. An unlock by another clerk
/// than the last one records the hand-over of the kit (``KitRuntime/unlock(secret:clerkId:)``).
struct LockController<Context: RequestContext> {
    let runtime: KitRuntime

    struct AutoLock: ResponseEncodable {
        /// nil (absent) when locked.
        var secondsUntilAutoLock: Double?
    }

    struct UnlockRequest: Decodable {
        var secret: String
        var clerk: String?
        var name: String?
        var initialize: Bool?
    }

    struct AddClerkRequest: Decodable {
        var clerk: String
        var name: String
        var secret: String
    }

    struct ClerkList: ResponseEncodable {
        var clerks: [Clerk]
        var current: Clerk?
    }

    func register(on group: RouterGroup<Context>) {
        group.post("unlock") { request, context in
            let body = try await request.decode(as: UnlockRequest.self, context: context)
            do {
                if body.initialize == true {
                    let clerk = body.clerk.map { Clerk(id: $0, name: body.name ?? $0) } ?? .firstClerk
                    try await runtime.initialize(secret: body.secret, clerk: clerk)
                } else {
                    try await runtime.unlock(secret: body.secret, clerkId: body.clerk)
                }
            } catch let error as UnlockError {
                throw ClerkFacingError(Self.status(for: error), error.clerkText(), detail: error.description)
            }
            return Response(status: .noContent)
        }
        group.post("lock") { _, _ in
            await runtime.lock.lock()
            return Response(status: .noContent)
        }
        group.get("clerks") { _, _ -> ClerkList in
            do {
                return ClerkList(clerks: try await runtime.lock.clerks(), current: runtime.lock.session.current)
            } catch let error as UnlockError {
                throw HTTPError(Self.status(for: error), message: error.description)
            }
        }
        group.post("clerks") { request, context in
            let body = try await request.decode(as: AddClerkRequest.self, context: context)
            do {
                try await runtime.lock.addClerk(
                    Clerk(id: body.clerk, name: body.name), secret: body.secret, revoked: runtime.revokedClerks())
            } catch let error as UnlockError {
                throw HTTPError(Self.status(for: error), message: error.description)
            }
            return Response(status: .noContent)
        }
        // How long until the auto-lock (not itself activity), and "Weiterarbeiten" (activity).
        group.get("lock") { _, _ -> AutoLock in
            AutoLock(secondsUntilAutoLock: await runtime.lock.secondsUntilAutoLock())
        }
        group.post("lock/keep") { _, _ in
            do throws(UnlockError) {
                try await runtime.lock.keepUnlocked()
            } catch {
                throw ClerkFacingError(Self.status(for: error), error.clerkText(), detail: error.description)
            }
            return Response(status: .noContent)
        }
    }

    static func status(for error: UnlockError) -> HTTPResponse.Status {
        switch error {
        case .wrongSecret, .locked, .unknownClerk: return .unauthorized
        case .tooManyAttempts: return .tooManyRequests
        case .offlineTooLong, .wiped, .clerkRevoked: return .forbidden
        case .notInitialized, .alreadyInitialized, .clerkExists: return .conflict
        case .secretTooShort: return .badRequest
        case .keyStore, .cryptoFailure: return .internalServerError
        }
    }
}
