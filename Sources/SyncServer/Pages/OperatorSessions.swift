import Foundation
import KitCore
import Logging

/// Browser sessions of back-office operators: a random session id (the cookie value) whose
/// SHA-256 the store keeps with its expiry, so every server process on the store knows the session
/// and a restart does not log operators out; the table holds nothing a cookie could be made from.
/// The operator token itself never leaves the login request. Sessions end on logout or after
/// ``lifetime``. When the store cannot answer, a session counts as not valid (fail closed).
struct OperatorSessions: Sendable {
    /// The cookie that carries the session id, scoped to `/admin`.
    static let cookieName = "sync_admin_session"

    let store: any SyncStore
    let lifetime: TimeInterval
    /// Upper bound on concurrent sessions; beyond it the sessions closest to expiry are dropped.
    let maximumSessions: Int
    let logger: Logger

    init(
        store: any SyncStore, lifetime: TimeInterval = 8 * 3_600, maximumSessions: Int = 256,
        logger: Logger = Logger(label: "sync-server.sessions")
    ) {
        self.store = store
        self.lifetime = lifetime
        self.maximumSessions = maximumSessions
        self.logger = logger
    }

    /// Starts a session for `operatorName` (nil: the operator token) and returns its id for the
    /// cookie.
    func start(now: Date, operatorName: String? = nil) async throws(StoreError) -> String {
        let id = SecretToken.generate()
        try await store.startOperatorSession(
            idHash: SecretToken.hash(id), operatorName: operatorName, expiresAt: now.addingTimeInterval(lifetime),
            now: now, maximumSessions: maximumSessions)
        return id
    }

    /// Who holds session `id`, if it has not expired and its account is still active.
    func identity(_ id: String, now: Date) async -> OperatorIdentity? {
        do {
            return try await store.operatorSession(idHash: SecretToken.hash(id), now: now)
        } catch {
            logger.error("operator session cannot be checked; treated as logged out", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    /// Whether `id` names a session that has not expired.
    func isValid(_ id: String, now: Date) async -> Bool {
        await identity(id, now: now) != nil
    }

    func end(_ id: String) async {
        do {
            try await store.endOperatorSession(idHash: SecretToken.hash(id))
        } catch {
            logger.error("operator session cannot be ended in the store", metadata: ["reason": "\(error)"])
        }
    }
}
