import Foundation

/// The table of contents of a hand-off dossier, format version 1 (docs/handoff.md, schema in
/// docs/handoff-manifest.schema.json). It is the JWS payload the server signs: everything else in
/// the container is bound to it by SHA-256. It holds no personal data in clear: the case
/// snapshot and every step's payload are sealed files.
public struct DossierManifest: Codable, Sendable, Equatable {
    public static let formatName = "buergeramtskoffer-dossier"
    public static let currentVersion = 1

    /// A file of the container and the SHA-256 of its bytes (lowercase hex).
    public struct FileEntry: Codable, Sendable, Equatable {
        public var file: String
        public var sha256: String
        public init(file: String, sha256: String) {
            self.file = file
            self.sha256 = sha256
        }
    }

    /// How the sealed files are sealed to the receiving procedure's key.
    public struct Sealing: Codable, Sendable, Equatable {
        public var kem: String
        public var kdf: String
        public var aead: String
        public var info: String
        /// SHA-256 of the consumer's public key (uncompressed point), lowercase hex.
        public var recipientKeySHA256: String
        public init(recipientKeySHA256: String) {
            kem = "DHKEM(P-256, HKDF-SHA256)"
            kdf = "HKDF-SHA256"
            aead = "AES-256-GCM"
            info = DossierSealing.infoText
            self.recipientKeySHA256 = recipientKeySHA256
        }
    }

    /// A kit whose transactions the dossier holds, with its registered signing key.
    public struct Kit: Codable, Sendable, Equatable {
        public var kitId: String
        /// ECDSA P-256 public key, uncompressed point (X9.63), base64.
        public var signingKey: String
        public init(kitId: String, signingKey: String) {
            self.kitId = kitId
            self.signingKey = signingKey
        }
    }

    /// One applied step: its header fields, the envelope as the kit sealed and signed it, and
    /// the payload sealed to the consumer.
    public struct Step: Codable, Sendable, Equatable {
        public var kitId: String
        public var seq: UInt64
        public var txId: String
        public var kind: String
        public var baseVersion: UInt64
        public var monotonicNanos: UInt64
        public var wallMillis: Int64
        /// Hex of the envelope's `prevHash` and of its chain hash (SHA-256 of the envelope).
        public var prevHash: String
        public var hash: String
        public var envelope: FileEntry
        public var payload: FileEntry

        public init(
            kitId: String, seq: UInt64, txId: String, kind: String, baseVersion: UInt64, monotonicNanos: UInt64,
            wallMillis: Int64, prevHash: String, hash: String, envelope: FileEntry, payload: FileEntry
        ) {
            self.kitId = kitId
            self.seq = seq
            self.txId = txId
            self.kind = kind
            self.baseVersion = baseVersion
            self.monotonicNanos = monotonicNanos
            self.wallMillis = wallMillis
            self.prevHash = prevHash
            self.hash = hash
            self.envelope = envelope
            self.payload = payload
        }
    }

    /// One link of a kit's chain from the first to the last step of the case (steps of other
    /// cases in between appear here with their server-recorded hashes only).
    public struct ChainLink: Codable, Sendable, Equatable {
        public var kitId: String
        public var seq: UInt64
        public var prevHash: String
        public var hash: String
        public init(kitId: String, seq: UInt64, prevHash: String, hash: String) {
            self.kitId = kitId
            self.seq = seq
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    public var format: String
    public var formatVersion: Int
    public var dossierId: String
    public var caseId: String
    public var caseVersion: UInt64
    public var procedure: String
    public var consumer: String
    /// When the completion that caused the dossier was applied (RFC 3339, UTC, seconds).
    public var recordedAt: String
    public var sealing: Sealing
    public var caseSnapshot: FileEntry
    public var kits: [Kit]
    public var steps: [Step]
    public var chain: [ChainLink]

    public init(
        format: String, formatVersion: Int, dossierId: String, caseId: String, caseVersion: UInt64, procedure: String,
        consumer: String, recordedAt: String, sealing: Sealing, caseSnapshot: FileEntry, kits: [Kit], steps: [Step],
        chain: [ChainLink]
    ) {
        self.format = format
        self.formatVersion = formatVersion
        self.dossierId = dossierId
        self.caseId = caseId
        self.caseVersion = caseVersion
        self.procedure = procedure
        self.consumer = consumer
        self.recordedAt = recordedAt
        self.sealing = sealing
        self.caseSnapshot = caseSnapshot
        self.kits = kits
        self.steps = steps
        self.chain = chain
    }

    /// The canonical JSON bytes (sorted keys, no insignificant whitespace) the server signs.
    public func canonicalJSON() throws(DossierError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(self))
        } catch {
            throw .content("the manifest cannot be encoded: \(error)")
        }
    }

    /// Every file the manifest names, in container order after `manifest.json` and `manifest.jws`.
    public var files: [FileEntry] {
        [caseSnapshot] + steps.flatMap { [$0.envelope, $0.payload] }
    }

    public static let manifestFile = "manifest.json"
    public static let signatureFile = "manifest.jws"
}
