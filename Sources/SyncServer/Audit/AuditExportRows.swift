import Foundation
import KitCore

/// What the store hands to the audit export of one kit (issue #17): the kit's registered signing
/// key, its transactions as stored (envelope, or header and signature after retention; hashes;
/// the server's answer) and the server's audit trail with its chain columns.
public struct AuditExportRows: Sendable {
    public var kit: KitRecord
    /// The kit's ECDSA P-256 public key, x9.63 (65 bytes).
    public var signingKey: [UInt8]
    public var transactions: [AuditTransactionRow]
    public var auditLog: [AuditLogRow]
}

/// One stored transaction of a kit.
public struct AuditTransactionRow: Sendable {
    public var seq: UInt64
    public var txId: String
    public var caseId: String
    public var kind: String
    public var outcome: String
    /// The server's answer as sent to the kit (JSON).
    public var answer: String
    /// The whole envelope; empty once retention deleted the payload.
    public var envelope: [UInt8]
    /// Kept after retention: the encoded header and the kit's signature.
    public var header: [UInt8]?
    public var signature: [UInt8]?
    /// The proof form kept at retention (format 2, docs/envelope.md).
    public var proof: [UInt8]?
    public var prevHash: [UInt8]?
    public var chainHash: [UInt8]?
    public var receivedAt: Date
    public var recordedBy: Clerk?
}

/// One audit trail entry with its chain columns (nil for entries from before the chain).
public struct AuditLogRow: Sendable {
    public var id: Int64
    public var at: Date
    public var atMillis: Int64?
    public var actor: String
    public var action: String
    public var detail: String
    public var prevHash: [UInt8]?
    public var entryHash: [UInt8]?
}
