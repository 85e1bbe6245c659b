import Crypto

/// The proof form of a transaction envelope (docs/envelope.md, "Proof form"): everything of the
/// envelope except the sealed payload, which is replaced by its length and SHA-256.
///
/// `header ‖ u16 len ‖ HPKE enc ‖ u32 ciphertext length ‖ SHA-256(ciphertext) ‖ u16 len ‖ signature`
///
/// In format 2 the kit's signature covers this form without its signature field and the chain
/// hash is the SHA-256 of the whole form, so the server keeps it when it deletes the payload after
/// hand-off, and anyone holding the kit's public key can still check every transaction and link.
public struct TransactionEnvelopeProof: Sendable, Equatable {
    public var header: TransactionHeader
    /// HPKE encapsulated key (65 bytes).
    public var encapsulatedKey: [UInt8]
    /// Length of the deleted ciphertext in bytes.
    public var ciphertextLength: UInt32
    /// SHA-256 of the deleted ciphertext.
    public var ciphertextDigest: [UInt8]
    /// The kit's ECDSA P-256 signature, raw r‖s.
    public var signature: [UInt8]

    public init(
        header: TransactionHeader, encapsulatedKey: [UInt8], ciphertextLength: UInt32, ciphertextDigest: [UInt8],
        signature: [UInt8]
    ) {
        self.header = header
        self.encapsulatedKey = encapsulatedKey
        self.ciphertextLength = ciphertextLength
        self.ciphertextDigest = ciphertextDigest
        self.signature = signature
    }

    /// The bytes a format 2 signature covers.
    public func signedBytes() -> [UInt8] {
        var writer = EnvelopeWriter()
        writer.append(header.encoded())
        writer.appendField(encapsulatedKey, lengthType: UInt16.self)
        writer.append(ciphertextLength)
        writer.append(ciphertextDigest)
        return writer.bytes
    }

    public func encoded() -> [UInt8] {
        var writer = EnvelopeWriter()
        writer.append(signedBytes())
        writer.appendField(signature, lengthType: UInt16.self)
        return writer.bytes
    }

    /// SHA-256 of the proof form: the chain hash of a format 2 envelope.
    public var hash: [UInt8] { Array(SHA256.hash(data: encoded())) }

    /// Reads a proof form; rejects trailing bytes and out-of-range fields like the envelope does.
    public init(decoding bytes: [UInt8]) throws(EnvelopeError) {
        var reader = EnvelopeReader(bytes)
        header = try TransactionHeader.decode(from: &reader)
        encapsulatedKey = try reader.readField(lengthType: UInt16.self, limit: 133, "HPKE encapsulated key")
        ciphertextLength = try reader.read(UInt32.self, "ciphertext length")
        guard ciphertextLength <= TransactionEnvelope.maximumCiphertext else {
            throw .malformed(reason: "ciphertext length \(ciphertextLength) above the limit", offset: reader.offset - 4)
        }
        ciphertextDigest = try reader.read(count: 32, "ciphertext SHA-256")
        signature = try reader.readField(lengthType: UInt16.self, limit: 64, "signature")
        guard reader.remaining == 0 else {
            throw .malformed(reason: "\(reader.remaining) bytes after the signature", offset: reader.offset)
        }
    }

    /// Whether `envelope` is the one this proof stands for (same header, key, signature and
    /// ciphertext digest).
    public func matches(_ envelope: TransactionEnvelope) -> Bool {
        self == envelope.proof
    }
}
