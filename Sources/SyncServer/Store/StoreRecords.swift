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
    /// When IT marked the kit lost or stolen (`sync-server kits lost`); its next contact gets a
    /// wipe order.
    public var lostAt: Date?
    /// The wipe order's id (nil while the kit is not lost).
    public var lostOrderId: String?
    /// When the kit reported that it wiped itself, and the last seq it had recorded.
    public var wipedAt: Date?
    public var wipedLastSeq: UInt64?

    public init(
        kitId: String, active: Bool, enrolledAt: Date?, lastSeq: UInt64, lastSeenAt: Date?, report: KitReport?,
        lostAt: Date? = nil, lostOrderId: String? = nil, wipedAt: Date? = nil, wipedLastSeq: UInt64? = nil
    ) {
        self.kitId = kitId
        self.active = active
        self.enrolledAt = enrolledAt
        self.lastSeq = lastSeq
        self.lastSeenAt = lastSeenAt
        self.report = report
        self.lostAt = lostAt
        self.lostOrderId = lostOrderId
        self.wipedAt = wipedAt
        self.wipedLastSeq = wipedLastSeq
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

/// A TLS client certificate the kit CA issued to a kit, as the store records it (enrollment and
/// renewal). Exactly one record per kit is current (`replacedAt == nil`); kit routes accept only
/// that one (``KitAuthenticationMiddleware``). Nothing here is secret: the certificate is public.
public struct KitCertificateRecord: Sendable, Codable, Equatable {
    /// How the certificate came to be.
    public enum Origin: String, Sendable, Codable {
        case enrollment
        case renewal
    }

    public var kitId: String
    /// The certificate's serial number, lowercase hex without separators.
    public var serial: String
    /// SHA-256 over the certificate's DER SubjectPublicKeyInfo: binds the record to the kit's key.
    public var publicKeySHA256: [UInt8]
    public var notValidBefore: Date
    public var notValidAfter: Date
    public var issuedAt: Date
    public var origin: Origin
    /// When a later enrollment or renewal replaced it; nil while it is the kit's current one.
    public var replacedAt: Date?
    /// The serial of the certificate that replaced it.
    public var replacedBy: String?
    /// The certificate itself (PEM), handed out again when a kit recovers an interrupted renewal.
    public var certificatePEM: String

    public init(
        kitId: String, serial: String, publicKeySHA256: [UInt8], notValidBefore: Date, notValidAfter: Date,
        issuedAt: Date, origin: Origin, replacedAt: Date? = nil, replacedBy: String? = nil, certificatePEM: String
    ) {
        self.kitId = kitId
        self.serial = serial
        self.publicKeySHA256 = publicKeySHA256
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
        self.issuedAt = issuedAt
        self.origin = origin
        self.replacedAt = replacedAt
        self.replacedBy = replacedBy
        self.certificatePEM = certificatePEM
    }

    /// Whether this is the kit's current certificate.
    public var isCurrent: Bool { replacedAt == nil }
}
