import Foundation
import KitCore

/// What the back office's fleet and conflict pages need beyond the kit and conflict lists: each
/// kit's current certificate expiry, the citizen and register state behind a conflict, and
/// decisions with the deciding person's note (issue #20, "Back office").
public protocol BackOfficeStore: Sendable {
    /// The current (not replaced) certificate's `notValidAfter` per kit id.
    func currentCertificateExpiries() async throws(StoreError) -> [String: Date]
    /// The case and register facts behind the given cases; cases the server does not know are
    /// left out.
    func conflictContexts(caseIds: [String]) async throws(StoreError) -> [String: ConflictCaseContext]
    /// The note the deciding person wrote, per conflict id among `ids` (conflicts still open,
    /// settled before migration v12-backoffice, or by a script without a note, are left out).
    func conflictNotes(ids: [Int64]) async throws(StoreError) -> [Int64: String]
    /// Settles an open conflict like ``SyncStore/resolveConflict(id:resolution:by:at:)`` and keeps
    /// `note` with it; the audit entry names the person and carries the note. False when the
    /// conflict is not open (any more).
    func resolveConflict(id: Int64, resolution: ConflictResolution, note: String?, by actor: String, at: Date)
        async throws(StoreError) -> Bool
}

/// The facts behind one conflicting case, for the side-by-side view on the conflicts page.
public struct ConflictCaseContext: Sendable, Equatable {
    public var caseId: String
    /// The service ("Ummeldung").
    public var title: String
    public var citizenName: String
    public var citizenId: String
    /// The address the case was prepared with (what the kit took along).
    public var caseAddress: CaseSnapshot.Address
    /// The register version the case was prepared with.
    public var caseRegisterVersion: UInt64
    /// The register's current address and version; nil when the citizen is not in the register.
    public var registerAddress: CaseSnapshot.Address?
    public var registerVersion: UInt64?
    /// The fees of the case, in cents, and whether the server has seen them paid.
    public var feeCents: Int
    public var feePaid: Bool

    public init(
        caseId: String, title: String, citizenName: String, citizenId: String, caseAddress: CaseSnapshot.Address,
        caseRegisterVersion: UInt64, registerAddress: CaseSnapshot.Address?, registerVersion: UInt64?,
        feeCents: Int, feePaid: Bool
    ) {
        self.caseId = caseId
        self.title = title
        self.citizenName = citizenName
        self.citizenId = citizenId
        self.caseAddress = caseAddress
        self.caseRegisterVersion = caseRegisterVersion
        self.registerAddress = registerAddress
        self.registerVersion = registerVersion
        self.feeCents = feeCents
        self.feePaid = feePaid
    }

    /// Builds the context from the stored snapshot text and the register row.
    static func make(
        snapshotText: String, registerVersion: UInt64?, registerAddressText: String?, feeCents: Int, feePaid: Bool
    ) -> ConflictCaseContext? {
        guard let snapshot = try? WireCoding.decoder().decode(CaseSnapshot.self, from: Data(snapshotText.utf8))
        else { return nil }
        let registerAddress = registerAddressText.flatMap {
            try? JSONDecoder().decode(CaseSnapshot.Address.self, from: Data($0.utf8))
        }
        return ConflictCaseContext(
            caseId: snapshot.caseId, title: snapshot.title,
            citizenName: "\(snapshot.citizen.givenNames) \(snapshot.citizen.familyName)",
            citizenId: snapshot.citizen.citizenId, caseAddress: snapshot.citizen.address,
            caseRegisterVersion: snapshot.citizen.registerVersion, registerAddress: registerAddress,
            registerVersion: registerVersion, feeCents: feeCents, feePaid: feePaid)
    }
}

extension ConflictResolution {
    /// The audit detail of a decision: identifiers, the decision and the person's note.
    public static func auditDetail(conflictId: Int64, resolution: ConflictResolution, note: String?) -> String {
        "conflict \(conflictId): \(resolution.rawValue)" + (note.map { " – Notiz: \($0)" } ?? "")
    }
}
