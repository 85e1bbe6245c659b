import Crypto
import Foundation
import KitCore

/// `sync-server audit export` (issue #17): one kit's transaction chain and the server's audit
/// trail as a JSON document a data-protection officer checks with the independent verifier
/// `tools/verify-audit/` (docs/data-protection.md). The document's exact bytes are signed with
/// the server's audit key (`keys/audit-signing-key.pem`, ECDSA P-256 / SHA-256, raw r‖s in
/// base64 in `<file>.sig`); its public half is `keys/audit-signing-key.pub.pem`.
public enum AuditExport {
    public static let format = "buergeramtskoffer audit export v1"

    public struct Document: Codable, Sendable {
        public var format: String
        public var kitId: String
        public var createdAt: Date
        public var from: Date?
        public var to: Date?
        /// The kit's signing key as registered at enrollment (x9.63, base64).
        public var kitSigningKey: Data
        public var kit: KitState
        public var transactions: [Transaction]
        public var auditLog: [AuditEntry]
    }

    public struct KitState: Codable, Sendable {
        public var active: Bool
        public var enrolledAt: Date?
        public var lastSeq: UInt64
        public var lostAt: Date?
        public var wipedAt: Date?
        public var wipedLastSeq: UInt64?
    }

    public struct Transaction: Codable, Sendable {
        public var seq: UInt64
        public var txId: String
        public var caseId: String
        public var kind: String
        /// The server's answer (`applied`, `conflict`, …) and its full text as sent to the kit.
        public var outcome: String
        public var answer: String
        public var receivedAt: Date
        public var recordedBy: Clerk?
        /// How ``proof`` is to be read: `envelope-v1` (the whole v1 envelope), `proof-v2` (the
        /// proof form of a v2 envelope, docs/envelope.md), `header-v1` (v1 after retention: only
        /// the header in ``proof`` and the signature in ``signature``; not verifiable).
        public var evidence: String
        public var proof: Data
        public var signature: Data?
        /// Hex: the previous chain hash this transaction names, and its own chain hash as the
        /// server recorded it (for a tombstone: the lost envelope's hash).
        public var prevHash: String
        public var chainHash: String
    }

    public struct AuditEntry: Codable, Sendable {
        public var id: Int64
        public var at: Date
        public var atMillis: Int64?
        public var actor: String
        public var action: String
        public var detail: String
        public var prevHash: String?
        public var entryHash: String?
    }

    /// The document for `rows`.
    public static func document(_ rows: AuditExportRows, from: Date?, to: Date?, now: Date = Date()) -> Document {
        Document(
            format: format, kitId: rows.kit.kitId, createdAt: now, from: from, to: to,
            kitSigningKey: Data(rows.signingKey),
            kit: KitState(
                active: rows.kit.active, enrolledAt: rows.kit.enrolledAt, lastSeq: rows.kit.lastSeq,
                lostAt: rows.kit.lostAt, wipedAt: rows.kit.wipedAt, wipedLastSeq: rows.kit.wipedLastSeq),
            transactions: rows.transactions.map(transaction),
            auditLog: rows.auditLog.map {
                AuditEntry(
                    id: $0.id, at: $0.at, atMillis: $0.atMillis, actor: $0.actor, action: $0.action, detail: $0.detail,
                    prevHash: $0.prevHash.map(Hex.encode), entryHash: $0.entryHash.map(Hex.encode))
            })
    }

    static func transaction(_ row: AuditTransactionRow) -> Transaction {
        let envelope = row.envelope.isEmpty ? nil : try? TransactionEnvelope(decoding: row.envelope)
        let evidence: String
        let proof: [UInt8]
        var signature: [UInt8]?
        if let envelope, envelope.header.formatVersion >= 2 {
            evidence = "proof-v2"
            proof = envelope.proofBytes()
        } else if envelope != nil {
            evidence = "envelope-v1"
            proof = row.envelope
        } else if let kept = row.proof, (try? TransactionEnvelopeProof(decoding: kept)) != nil {
            evidence = "proof-v2"
            proof = kept
        } else {
            evidence = "header-v1"
            proof = row.header ?? []
            signature = row.signature
        }
        let prevHash = row.prevHash ?? envelope?.header.prevHash ?? []
        let chainHash =
            row.chainHash ?? (row.envelope.isEmpty ? [] : TransactionEnvelope.chainHash(ofEncoded: row.envelope))
        return Transaction(
            seq: row.seq, txId: row.txId, caseId: row.caseId, kind: row.kind, outcome: row.outcome,
            answer: row.answer, receivedAt: row.receivedAt, recordedBy: row.recordedBy, evidence: evidence,
            proof: Data(proof), signature: signature.map { Data($0) }, prevHash: Hex.encode(prevHash),
            chainHash: Hex.encode(chainHash))
    }

    /// The document's bytes (pretty, sorted keys) and the signature over exactly those bytes.
    public static func signed(_ document: Document, key: P256.Signing.PrivateKey) throws -> (
        json: Data, signature: String
    ) {
        let encoder = WireCoding.encoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let json = try encoder.encode(document)
        let signature = try key.signature(for: json).rawRepresentation.base64EncodedString()
        return (json, signature)
    }
}
