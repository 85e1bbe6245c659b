import Foundation

/// The clear-text identity of one transaction: who (kit), which position in the kit's chain
/// (seq, prevHash), what (case, kind, the case version it was done against) and when.
///
/// The header is not secret (it holds no personal data) but it is authenticated twice: as HPKE
/// associated data of the sealed payload and under the kit's ECDSA signature. Wall time is
/// informative only; no server rule may depend on it (docs/envelope.md).
public struct TransactionHeader: Sendable, Equatable, Hashable, Codable {
    /// Envelope format version (docs/envelope.md): 2 for everything a kit seals now; 1 for
    /// envelopes queued by earlier software, which the server still takes.
    public var formatVersion: UInt8
    /// The kit that recorded the transaction.
    public var kitId: String
    /// Position in the kit's chain: 1 for the first transaction, then gap-free.
    public var seq: UInt64
    /// Unique id of the transaction (idempotency key on the server).
    public var txId: UUID
    /// The case the transaction belongs to.
    public var caseId: String
    /// Version of the case snapshot the step was done against (conflict checks).
    public var baseVersion: UInt64
    /// What happened (see ``TransactionKind``).
    public var kind: String
    /// Kit's monotonic clock at commit, in nanoseconds since boot.
    public var monotonicNanos: UInt64
    /// Kit's wall clock at commit, in milliseconds since 1970 (informative).
    public var wallMillis: Int64
    /// Chain hash of the previous envelope of this kit (``TransactionEnvelope/hash``); 32 zero
    /// bytes for seq 1.
    public var prevHash: [UInt8]

    public init(
        kitId: String, seq: UInt64, txId: UUID, caseId: String, baseVersion: UInt64, kind: String,
        monotonicNanos: UInt64, wallMillis: Int64, prevHash: [UInt8],
        formatVersion: UInt8 = TransactionEnvelope.currentFormatVersion
    ) {
        self.formatVersion = formatVersion
        self.kitId = kitId
        self.seq = seq
        self.txId = txId
        self.caseId = caseId
        self.baseVersion = baseVersion
        self.kind = kind
        self.monotonicNanos = monotonicNanos
        self.wallMillis = wallMillis
        self.prevHash = prevHash
    }

    /// The `prevHash` of a kit's first transaction.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// Format limits, checked when encoding and decoding.
    public enum Limits {
        public static let kitId = 64
        public static let caseId = 128
        public static let kind = 64
    }

    /// Checks the field ranges the format promises.
    public func validate() throws(EnvelopeError) {
        guard TransactionEnvelope.supportedFormatVersions.contains(formatVersion) else {
            throw .unsupportedVersion(formatVersion)
        }
        guard !kitId.isEmpty, kitId.utf8.count <= Limits.kitId,
            kitId.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.".unicodeScalars.contains($0))
            })
        else {
            throw .invalidField(name: "kitId", reason: "1 to \(Limits.kitId) characters A-Z a-z 0-9 - _ .")
        }
        guard seq >= 1 else { throw .invalidField(name: "seq", reason: "starts at 1") }
        guard !caseId.isEmpty, caseId.utf8.count <= Limits.caseId else {
            throw .invalidField(name: "caseId", reason: "1 to \(Limits.caseId) bytes")
        }
        guard !kind.isEmpty, kind.utf8.count <= Limits.kind else {
            throw .invalidField(name: "kind", reason: "1 to \(Limits.kind) bytes")
        }
        guard prevHash.count == 32 else { throw .invalidField(name: "prevHash", reason: "32 bytes") }
    }

    /// Deterministic encoding: magic, version, then the fields in declaration order.
    public func encoded() -> [UInt8] {
        var writer = EnvelopeWriter()
        writer.append(TransactionEnvelope.magic)
        writer.append(formatVersion)
        writer.appendField(Array(kitId.utf8), lengthType: UInt16.self)
        writer.append(seq)
        writer.append(TransactionHeader.bytes(of: txId))
        writer.appendField(Array(caseId.utf8), lengthType: UInt16.self)
        writer.append(baseVersion)
        writer.appendField(Array(kind.utf8), lengthType: UInt16.self)
        writer.append(monotonicNanos)
        writer.append(wallMillis)
        writer.append(prevHash)
        return writer.bytes
    }

    /// Reads the header at the start of `bytes` (an encoded header, envelope or proof form, or
    /// its first bytes); whatever follows the header is not read.
    public init(decodingPrefixOf bytes: [UInt8]) throws(EnvelopeError) {
        var reader = EnvelopeReader(bytes)
        self = try Self.decode(from: &reader)
    }

    static func decode(from reader: inout EnvelopeReader) throws(EnvelopeError) -> TransactionHeader {
        let magic = try reader.read(count: 4, "magic")
        guard magic == TransactionEnvelope.magic else {
            throw .malformed(reason: "not a transaction envelope (magic \(magic))", offset: 0)
        }
        let version = try reader.read(UInt8.self, "format version")
        guard TransactionEnvelope.supportedFormatVersions.contains(version) else { throw .unsupportedVersion(version) }
        let kitId = try reader.readText(limit: Limits.kitId, "kitId")
        let seq = try reader.read(UInt64.self, "seq")
        let txId = UUID(uuid: TransactionHeader.tuple(try reader.read(count: 16, "txId")))
        let caseId = try reader.readText(limit: Limits.caseId, "caseId")
        let baseVersion = try reader.read(UInt64.self, "baseVersion")
        let kind = try reader.readText(limit: Limits.kind, "kind")
        let monotonic = try reader.read(UInt64.self, "monotonicNanos")
        let wall = try reader.read(Int64.self, "wallMillis")
        let prevHash = try reader.read(count: 32, "prevHash")
        let header = TransactionHeader(
            kitId: kitId, seq: seq, txId: txId, caseId: caseId, baseVersion: baseVersion, kind: kind,
            monotonicNanos: monotonic, wallMillis: wall, prevHash: prevHash, formatVersion: version)
        try header.validate()
        return header
    }

    static func bytes(of uuid: UUID) -> [UInt8] {
        withUnsafeBytes(of: uuid.uuid) { Array($0) }
    }

    static func tuple(_ b: [UInt8]) -> uuid_t {
        (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
    }
}
