import Foundation
import KitCore

/// A kit as the server knows it.
public struct KitRecord: Sendable, Codable, Equatable {
    public var kitId: String
    public var active: Bool
    public var enrolledAt: Date?
    public var lastSeq: UInt64
    public var lastSeenAt: Date?
    public var report: KitReport?

    public init(kitId: String, active: Bool, enrolledAt: Date?, lastSeq: UInt64, lastSeenAt: Date?, report: KitReport?)
    {
        self.kitId = kitId
        self.active = active
        self.enrolledAt = enrolledAt
        self.lastSeq = lastSeq
        self.lastSeenAt = lastSeenAt
        self.report = report
    }
}

/// One line of the audit trail.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var at: Date
    public var actor: String
    public var action: String
    public var detail: String

    public init(at: Date, actor: String, action: String, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
    }
}
