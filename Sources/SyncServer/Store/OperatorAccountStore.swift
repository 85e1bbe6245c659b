import Foundation

/// Named back-office accounts and their browser sessions, shared by every server process on the
/// store. Each change of an account is in the audit trail, in the same transaction.
public protocol OperatorAccountStore: Sendable {
    /// Creates an account; fails when the name is taken.
    func addOperator(_ account: OperatorAccount, password: OperatorPassword, by actor: String)
        async throws(StoreError)
    /// All accounts, by name.
    func operators() async throws(StoreError) -> [OperatorAccount]
    /// The account and its stored password, for signing in.
    func operatorCredential(name: String) async throws(StoreError) -> (OperatorAccount, OperatorPassword?)?
    /// Enables or disables an account; disabling ends its sessions. False when there is no such account.
    func setOperatorActive(name: String, active: Bool, by actor: String) async throws(StoreError) -> Bool
    /// Sets a new password and ends the account's sessions. False when there is no such account.
    func setOperatorPassword(name: String, password: OperatorPassword, by actor: String)
        async throws(StoreError) -> Bool

    /// Records a browser session until `expiresAt` for `operatorName` (nil: signed in with the
    /// operator token); drops expired ones and the ones closest to expiry beyond `maximumSessions`.
    func startOperatorSession(
        idHash: [UInt8], operatorName: String?, expiresAt: Date, now: Date, maximumSessions: Int
    ) async throws(StoreError)
    /// Who holds the session, if it exists, has not expired and its account is still active.
    func operatorSession(idHash: [UInt8], now: Date) async throws(StoreError) -> OperatorIdentity?
    /// Ends a session (logout); nothing happens for an unknown one.
    func endOperatorSession(idHash: [UInt8]) async throws(StoreError)
}
