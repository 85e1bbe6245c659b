import Crypto
import Foundation
import KitCore

/// Browser sessions of back-office operators, in memory only: a random session id (the cookie
/// value) maps to its expiry. The operator token itself never leaves the login request. Sessions
/// end with the process, on logout, or after ``lifetime``.
actor OperatorSessions {
    /// The cookie that carries the session id, scoped to `/admin`.
    static let cookieName = "sync_admin_session"

    let lifetime: TimeInterval
    /// Upper bound on concurrent sessions; beyond it the session closest to expiry is dropped.
    let maximumSessions: Int
    /// Keyed by the SHA-256 of the session id, so the table holds nothing a cookie could be made from.
    private var expiries: [[UInt8]: Date] = [:]

    init(lifetime: TimeInterval = 8 * 3_600, maximumSessions: Int = 256) {
        self.lifetime = lifetime
        self.maximumSessions = maximumSessions
    }

    /// Starts a session and returns its id for the cookie.
    func start(now: Date) -> String {
        expiries = expiries.filter { $0.value > now }
        while expiries.count >= maximumSessions, let soonest = expiries.min(by: { $0.value < $1.value }) {
            expiries[soonest.key] = nil
        }
        let id = SecretToken.generate()
        expiries[SecretToken.hash(id)] = now.addingTimeInterval(lifetime)
        return id
    }

    /// Whether `id` names a session that has not expired.
    func isValid(_ id: String, now: Date) -> Bool {
        let key = SecretToken.hash(id)
        guard let expiry = expiries[key] else { return false }
        guard expiry > now else {
            expiries[key] = nil
            return false
        }
        return true
    }

    func end(_ id: String) {
        expiries[SecretToken.hash(id)] = nil
    }
}
