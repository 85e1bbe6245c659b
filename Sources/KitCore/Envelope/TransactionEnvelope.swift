import Crypto
import Foundation

/// One sealed, signed, chained transaction as it is stored in the kit's outbox and sent to the
/// sync server (docs/envelope.md), all integers big-endian:
///
/// `header ‖ u16 len ‖ HPKE enc ‖ u32 len ‖ HPKE ciphertext ‖ u16 len ‖ ECDSA P-256 signature (r‖s)`
///
/// The payload is sealed with HPKE (RFC 9180, base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
/// AES-256-GCM) to the server's data key with the encoded header as associated data. Algorithms
/// follow BSI TR-02102-1.
///
/// Format 2 signs and chains the **proof form** (``proofBytes()``), in which the ciphertext is
/// replaced by its SHA-256: once the server deletes a sealed payload after hand-off, the kit's
/// signature and the chain still verify from what is kept. Format 1 (queued by earlier
/// software) signs the ciphertext itself and chains the hash of the whole envelope.
public struct TransactionEnvelope: Sendable, Equatable {
    public var header: TransactionHeader
    /// HPKE encapsulated key (65 bytes, uncompressed P-256 point).
    public var encapsulatedKey: [UInt8]
    /// AES-256-GCM ciphertext of the payload, with its 16-byte tag.
    public var ciphertext: [UInt8]
    /// ECDSA P-256 / SHA-256 signature, raw r‖s (64 bytes).
    public var signature: [UInt8]

    public init(header: TransactionHeader, encapsulatedKey: [UInt8], ciphertext: [UInt8], signature: [UInt8]) {
        self.header = header
        self.encapsulatedKey = encapsulatedKey
        self.ciphertext = ciphertext
        self.signature = signature
    }

    static let magic: [UInt8] = Array("BKTX".utf8)
    /// The format a kit seals now.
    public static let currentFormatVersion: UInt8 = 2
    /// Formats this software reads and verifies.
    public static let supportedFormatVersions: ClosedRange<UInt8> = 1...2
    /// Largest sealed payload accepted (64 MiB): big enough for pen data and finger sets.
    public static let maximumCiphertext = 64 << 20

    /// HPKE `info`: binds the key schedule to this application and format version.
    static func hpkeInfo(_ version: UInt8) -> Data {
        Data("buergeramtskoffer transaction envelope v\(version)".utf8)
    }

    /// SHA-256 of the ciphertext, as format 2 signs it.
    public var ciphertextDigest: [UInt8] { Array(SHA256.hash(data: ciphertext)) }

    /// The bytes the signature covers. Format 2: header, enc, the ciphertext's length and SHA-256.
    /// Format 1: header, enc and the ciphertext itself.
    public func signedBytes() -> [UInt8] {
        guard header.formatVersion >= 2 else {
            var writer = EnvelopeWriter(capacity: ciphertext.count + 256)
            writer.append(header.encoded())
            writer.appendField(encapsulatedKey, lengthType: UInt16.self)
            writer.appendField(ciphertext, lengthType: UInt32.self)
            return writer.bytes
        }
        return proof.signedBytes()
    }

    /// What stays provable without the ciphertext: header, enc, ciphertext length and digest,
    /// signature.
    public var proof: TransactionEnvelopeProof {
        TransactionEnvelopeProof(
            header: header, encapsulatedKey: encapsulatedKey, ciphertextLength: UInt32(clamping: ciphertext.count),
            ciphertextDigest: ciphertextDigest, signature: signature)
    }

    /// The proof form's bytes (docs/envelope.md); the server keeps them after deleting the payload.
    public func proofBytes() -> [UInt8] { proof.encoded() }

    /// The complete envelope.
    public func encoded() -> [UInt8] {
        var writer = EnvelopeWriter(capacity: ciphertext.count + 320)
        writer.append(header.encoded())
        writer.appendField(encapsulatedKey, lengthType: UInt16.self)
        writer.appendField(ciphertext, lengthType: UInt32.self)
        writer.appendField(signature, lengthType: UInt16.self)
        return writer.bytes
    }

    /// The chain hash, which the next envelope's `prevHash` holds: SHA-256 of the proof form
    /// (format 2) or of the complete envelope (format 1).
    public var hash: [UInt8] {
        header.formatVersion >= 2 ? proof.hash : Array(SHA256.hash(data: encoded()))
    }

    /// The chain hash of encoded envelope bytes. Bytes that are not an envelope hash as they
    /// are, so they never match a chain hash by accident of decoding.
    public static func chainHash(ofEncoded bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 4, bytes[4] >= 2, let envelope = try? TransactionEnvelope(decoding: bytes) else {
            return Array(SHA256.hash(data: bytes))
        }
        return envelope.hash
    }

    /// Reads an envelope; rejects trailing bytes and out-of-range fields.
    public init(decoding bytes: [UInt8]) throws(EnvelopeError) {
        var reader = EnvelopeReader(bytes)
        header = try TransactionHeader.decode(from: &reader)
        encapsulatedKey = try reader.readField(lengthType: UInt16.self, limit: 133, "HPKE encapsulated key")
        ciphertext = try reader.readField(
            lengthType: UInt32.self, limit: TransactionEnvelope.maximumCiphertext, "ciphertext")
        signature = try reader.readField(lengthType: UInt16.self, limit: 64, "signature")
        guard reader.remaining == 0 else {
            throw .malformed(reason: "\(reader.remaining) bytes after the signature", offset: reader.offset)
        }
    }
}

/// Seals and signs transactions on the kit. It holds the kit's signing key and the server's data
/// public key: two separate keys for two purposes (BSI CON.1.A4).
public struct EnvelopeSealer: Sendable {
    private let signingKey: P256.Signing.PrivateKey
    private let serverDataKey: P256.KeyAgreement.PublicKey

    public init(signingKey: P256.Signing.PrivateKey, serverDataKey: P256.KeyAgreement.PublicKey) {
        self.signingKey = signingKey
        self.serverDataKey = serverDataKey
    }

    /// A verifier for this sealer's own signatures (the kit checks its queue before sending).
    public var verifier: EnvelopeVerifier { EnvelopeVerifier(kitSigningKey: signingKey.publicKey) }

    /// Seals `payload` to the server and signs the result.
    public func seal(header: TransactionHeader, payload: some DataProtocol) throws(EnvelopeError) -> TransactionEnvelope
    {
        try header.validate()
        let aad = header.encoded()
        do {
            var sender = try HPKE.Sender(
                recipientKey: serverDataKey, ciphersuite: .P256_SHA256_AES_GCM_256,
                info: TransactionEnvelope.hpkeInfo(header.formatVersion))
            let ciphertext = try sender.seal(payload, authenticating: aad)
            guard ciphertext.count <= TransactionEnvelope.maximumCiphertext else {
                throw EnvelopeError.invalidField(name: "payload", reason: "larger than 64 MiB")
            }
            var envelope = TransactionEnvelope(
                header: header, encapsulatedKey: Array(sender.encapsulatedKey), ciphertext: Array(ciphertext),
                signature: [])
            envelope.signature = Array(try signingKey.signature(for: envelope.signedBytes()).rawRepresentation)
            return envelope
        } catch let error as EnvelopeError {
            throw error
        } catch {
            throw .sealingFailed(reason: String(describing: error))
        }
    }
}

/// Checks an envelope's chain link and signature (server on ingest, kit on self-check). Needs
/// only public keys.
public struct EnvelopeVerifier: Sendable {
    private let kitSigningKey: P256.Signing.PublicKey

    public init(kitSigningKey: P256.Signing.PublicKey) {
        self.kitSigningKey = kitSigningKey
    }

    /// Throws ``EnvelopeError/chainBroken(expected:found:)`` when `prevHash` is not
    /// `previousHash`, ``EnvelopeError/signatureInvalid`` when the signature does not verify.
    public func verify(_ envelope: TransactionEnvelope, previousHash: [UInt8]) throws(EnvelopeError) {
        guard envelope.header.prevHash == previousHash else {
            throw .chainBroken(expected: previousHash, found: envelope.header.prevHash)
        }
        try verifySignature(envelope)
    }

    /// Checks the signature only.
    public func verifySignature(_ envelope: TransactionEnvelope) throws(EnvelopeError) {
        try verifySignature(envelope.signature, over: envelope.signedBytes())
    }

    /// Checks a kept proof form (format 2): its chain link and the kit's signature, without the
    /// ciphertext. A format 1 proof cannot be checked this way, because format 1 signs the
    /// ciphertext itself: ``EnvelopeError/proofNeedsCiphertext``.
    public func verify(_ proof: TransactionEnvelopeProof, previousHash: [UInt8]) throws(EnvelopeError) {
        guard proof.header.prevHash == previousHash else {
            throw .chainBroken(expected: previousHash, found: proof.header.prevHash)
        }
        guard proof.header.formatVersion >= 2 else { throw .proofNeedsCiphertext }
        try verifySignature(proof.signature, over: proof.signedBytes())
    }

    private func verifySignature(_ raw: [UInt8], over bytes: [UInt8]) throws(EnvelopeError) {
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw),
            kitSigningKey.isValidSignature(signature, for: bytes)
        else {
            throw .signatureInvalid
        }
    }

    /// Verifies a whole chain in order, starting from the genesis hash or a known hash.
    public func verifyChain(
        _ envelopes: [TransactionEnvelope], startingAfter previousHash: [UInt8] = TransactionHeader.genesisHash
    ) throws(EnvelopeError) {
        var expected = previousHash
        for envelope in envelopes {
            try verify(envelope, previousHash: expected)
            expected = envelope.hash
        }
    }
}

/// Opens sealed payloads on the server with its data private key.
public struct EnvelopeOpener: Sendable {
    private let dataKey: P256.KeyAgreement.PrivateKey

    public init(dataKey: P256.KeyAgreement.PrivateKey) {
        self.dataKey = dataKey
    }

    /// The payload, if the envelope was sealed to this key and neither header nor ciphertext was
    /// altered.
    public func open(_ envelope: TransactionEnvelope) throws(EnvelopeError) -> [UInt8] {
        do {
            var recipient = try HPKE.Recipient(
                privateKey: dataKey, ciphersuite: .P256_SHA256_AES_GCM_256,
                info: TransactionEnvelope.hpkeInfo(envelope.header.formatVersion),
                encapsulatedKey: Data(envelope.encapsulatedKey))
            return Array(try recipient.open(envelope.ciphertext, authenticating: envelope.header.encoded()))
        } catch {
            throw .cannotOpen
        }
    }
}
