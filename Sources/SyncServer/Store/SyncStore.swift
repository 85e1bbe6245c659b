import Foundation
import KitCore

/// The sync server's storage: one protocol, one implementation per database (SQLite embedded,
/// PostgreSQL for production). Every implementation runs the same conformance tests.
public protocol SyncStore: HandoffStore, CaseOverviewStore, OperatorAccountStore, BackOfficeStore {
    /// Short name of the backend, reported in `/v1/version` (`sqlite`, `postgresql`).
    var backendName: String { get }
    /// Names of the schema migrations applied, oldest first.
    func appliedMigrations() async throws(StoreError) -> [String]
    /// A cheap round trip to the database; throws when it cannot answer.
    func checkHealth() async throws(StoreError)
    /// Releases connections and files.
    func close() async

    // MARK: Kits

    /// Stores a one-time enrollment token (only its SHA-256) for a kit id.
    func createEnrollment(kitId: String, tokenHash: [UInt8], expiresAt: Date) async throws(StoreError)
    /// Redeems a token: registers the kit's signing key and API token hash and, when given, records
    /// the TLS client certificate issued with it as the kit's only current one (any earlier one is
    /// marked replaced), all in one transaction. False when the token is unknown, used or expired,
    /// or names another kit; nothing is changed then.
    func redeemEnrollment(
        tokenHash: [UInt8], kitId: String, signingKey: [UInt8], apiTokenHash: [UInt8],
        certificate: KitCertificateRecord?, now: Date
    ) async throws(StoreError) -> Bool
    /// The kit whose API token hashes to this value, if active.
    func kit(apiTokenHash: [UInt8]) async throws(StoreError) -> KitRecord?
    /// All kits, for the fleet view.
    func kits() async throws(StoreError) -> [KitRecord]
    /// Stores a kit's latest report.
    func updateReport(kitId: String, report: KitReport, at: Date) async throws(StoreError)
    /// Revokes (or re-activates) a kit.
    func setKitActive(kitId: String, active: Bool) async throws(StoreError)

    // MARK: Lost kits (issue #17)

    /// One kit by id, active or not.
    func kit(kitId: String) async throws(StoreError) -> KitRecord?
    /// Marks a kit lost or stolen (audited): its next contact gets the wipe order `orderId`. A kit
    /// already marked keeps its first order. Throws for a kit that is not enrolled.
    func markKitLost(kitId: String, orderId: String, by actor: String, at: Date) async throws(StoreError)
    /// Records the kit's report that it obeyed wipe order `orderId` (audited) and revokes it.
    /// False, with nothing changed, when the kit has no such order.
    func recordKitWiped(kitId: String, orderId: String, lastSeq: UInt64, at: Date) async throws(StoreError) -> Bool

    // MARK: Clerks per kit (issue #17)

    /// Puts a clerk on a kit's list (audited); it reaches the kit with the next checkout. A clerk
    /// revoked on this kit stays revoked: throws then, as for a kit that is not enrolled.
    func addClerk(kitId: String, clerk: Clerk, by actor: String, at: Date) async throws(StoreError)
    /// Revokes a clerk on a kit (audited): the kit removes the clerk's key slot at its next
    /// contact. False when the clerk is not on the kit's list or already revoked.
    func revokeClerk(kitId: String, clerkId: String, by actor: String, at: Date) async throws(StoreError) -> Bool
    /// The kit's clerks, revoked ones included, ordered by id.
    func clerks(kitId: String) async throws(StoreError) -> [KitClerk]

    // MARK: Audit export (issue #17)

    /// The kit's transactions received in `[from, to]` (seq order) and the audit trail entries of
    /// that time (id order), for `sync-server audit export`; nil for a kit that is not enrolled.
    func auditExportRows(kitId: String, from: Date?, to: Date?) async throws(StoreError) -> AuditExportRows?

    // MARK: Kit certificates

    /// The kit's current certificate record and, if `serial` names another recorded certificate of
    /// this kit, that one too; in no particular order. Empty for a kit enrolled before certificates
    /// were recorded.
    func kitCertificates(kitId: String, serial: String) async throws(StoreError) -> [KitCertificateRecord]
    /// Renewal: in one transaction, marks the kit's current certificate (which must have the serial
    /// `replacing`; nil: the kit must have none recorded yet) replaced and records `certificate` as
    /// the current one. False, with nothing changed, when the current certificate is another one
    /// (a concurrent renewal or enrollment won) or the kit is unknown or revoked.
    func replaceKitCertificate(kitId: String, replacing: String?, with certificate: KitCertificateRecord)
        async throws(StoreError) -> Bool

    // MARK: Cases

    /// Creates or replaces a case (version must grow) and its citizen's register record if new.
    func upsertCase(_ snapshot: CaseSnapshot, assignedKit: String?) async throws(StoreError)
    /// Open cases assigned to a kit, ordered by case id, after `cursor`.
    func checkout(kitId: String, after cursor: String?, limit: Int) async throws(StoreError) -> CheckoutPage
    /// The register record of a walk-in by name and date of birth (issue #20); nil if unknown.
    /// Every lookup is recorded in the audit trail with the asking kit and the register id found
    /// (no name: the trail is read by operators), so the data-protection officer can see which kit
    /// asked the register how often (issue #17).
    func registerRecord(matching request: RegisterLookupRequest, lookedUpBy kitId: String) async throws(StoreError)
        -> RegisterRecord?

    // MARK: Ingest and conflicts

    /// Runs each envelope through `engine` in its own database transaction.
    func ingest(envelopes: [Data], kitId: String, engine: IngestEngine) async throws(StoreError) -> IngestReply
    /// Conflicts, newest first.
    func conflicts(openOnly: Bool) async throws(StoreError) -> [ConflictRecord]
    /// Resolves a conflict; false when it does not exist or is already resolved.
    func resolveConflict(id: Int64, resolution: ConflictResolution, by actor: String, at: Date) async throws(StoreError)
        -> Bool
    /// Audit trail, newest first (BSI SYS.3.1.A10).
    func auditLog(limit: Int) async throws(StoreError) -> [AuditEntry]

}

extension SyncStore {
    /// Settles a conflict without a note (the JSON route and the CLI).
    public func resolveConflict(id: Int64, resolution: ConflictResolution, by actor: String, at: Date)
        async throws(StoreError) -> Bool
    {
        try await resolveConflict(id: id, resolution: resolution, note: nil, by: actor, at: at)
    }

    /// Redeems a token without recording a certificate (plain-HTTP development servers, tests).
    public func redeemEnrollment(
        tokenHash: [UInt8], kitId: String, signingKey: [UInt8], apiTokenHash: [UInt8], now: Date
    ) async throws(StoreError) -> Bool {
        try await redeemEnrollment(
            tokenHash: tokenHash, kitId: kitId, signingKey: signingKey, apiTokenHash: apiTokenHash, certificate: nil,
            now: now)
    }
}

/// A storage failure, worded for IT staff.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database cannot be opened or created.
    case cannotOpen(location: String, reason: String)
    /// The schema cannot be brought up to date.
    case migrationFailed(name: String, reason: String)
    /// The database was reachable once but a query failed now.
    case unavailable(reason: String)
    /// The request contradicts stored data (e.g. a case version going backwards).
    case invalid(reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let location, let reason):
            return "database \(location) cannot be opened: \(reason)"
        case .migrationFailed(let name, let reason):
            return "database schema migration \(name) failed: \(reason)"
        case .unavailable(let reason):
            return "database does not answer: \(reason)"
        case .invalid(let reason):
            return reason
        }
    }
}

extension SyncStore {
    /// The audit detail of a register lookup: the register id found, never the name asked for.
    static func lookupDetail(_ record: RegisterRecord?) -> String {
        record.map { "walk-in: found register entry \($0.citizenId)" } ?? "walk-in: no register entry"
    }
}
