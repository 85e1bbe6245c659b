import Foundation

/// One page of a kit's checkout: its open cases and the resolutions of its conflicts.
public struct CheckoutPage: Sendable, Codable, Equatable {
    public var cases: [CaseSnapshot]
    public var resolutions: [ConflictRecord]
    /// Pass as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?
    /// Set when IT marked the kit lost: the kit wipes itself (no cases come with it).
    public var wipeOrder: WipeOrder?
    /// The server's order public key (PEM); the kit pins the first one it sees and checks every
    /// later order against the pinned one.
    public var orderKey: String?
    /// The clerks the server lists for this kit (issue #17); nil from an older server.
    public var clerks: [KitClerk]?
    /// The city's service catalogue for walk-in cases (issue #20), with the first page; nil from
    /// an older server.
    public var serviceCatalogue: ServiceCatalogue?

    public init(
        cases: [CaseSnapshot], resolutions: [ConflictRecord], nextCursor: String?, wipeOrder: WipeOrder? = nil,
        orderKey: String? = nil
    ) {
        self.cases = cases
        self.resolutions = resolutions
        self.nextCursor = nextCursor
        self.wipeOrder = wipeOrder
        self.orderKey = orderKey
    }
}

/// How back office settles a conflict.
public enum ConflictResolution: String, Sendable, Codable, CaseIterable {
    /// Apply the kit's step after all (e.g. the address change was right).
    case accept
    /// Drop the kit's step (e.g. refund a double payment).
    case discard
    /// The clerk has to visit again.
    case revisit
}

/// A conflict waiting for (or settled by) back office.
public struct ConflictRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var kitId: String
    public var seq: UInt64
    public var caseId: String
    public var kind: String
    public var reason: ConflictReason
    public var detail: String
    public var openedAt: Date
    public var resolution: ConflictResolution?
    public var resolvedBy: String?
    public var resolvedAt: Date?

    public init(
        id: Int64, kitId: String, seq: UInt64, caseId: String, kind: String, reason: ConflictReason, detail: String,
        openedAt: Date, resolution: ConflictResolution?, resolvedBy: String?, resolvedAt: Date?
    ) {
        self.id = id
        self.kitId = kitId
        self.seq = seq
        self.caseId = caseId
        self.kind = kind
        self.reason = reason
        self.detail = detail
        self.openedAt = openedAt
        self.resolution = resolution
        self.resolvedBy = resolvedBy
        self.resolvedAt = resolvedAt
    }
}
