import Crypto
import Foundation
import KitCore
import Testing

/// Format 2 (docs/envelope.md, "Proof form"): the signature and the chain survive the deletion of
/// the sealed payload, and kits upgraded with format 1 envelopes still queued chain on.
@Suite("Transaction envelope: proof form and the format 1 upgrade")
struct EnvelopeProofTests {
    let signingKey = P256.Signing.PrivateKey()
    let dataKey = P256.KeyAgreement.PrivateKey()

    var sealer: EnvelopeSealer { EnvelopeSealer(signingKey: signingKey, serverDataKey: dataKey.publicKey) }
    var verifier: EnvelopeVerifier { EnvelopeVerifier(kitSigningKey: signingKey.publicKey) }

    func header(seq: UInt64, prevHash: [UInt8], version: UInt8 = 2) -> TransactionHeader {
        TransactionHeader(
            kitId: "kit-mainz-07", seq: seq, txId: UUID(), caseId: "case-2026-0042", baseVersion: 3,
            kind: TransactionKind.fingerprintsCaptured.rawValue, monotonicNanos: seq * 1000,
            wallMillis: 1_790_000_000_000,
            prevHash: prevHash, formatVersion: version)
    }

    /// A chain sealed with the given format per position.
    func chain(_ versions: [UInt8]) throws -> [TransactionEnvelope] {
        var previous = TransactionHeader.genesisHash
        var envelopes: [TransactionEnvelope] = []
        for (index, version) in versions.enumerated() {
            let envelope = try sealer.seal(
                header: header(seq: UInt64(index + 1), prevHash: previous, version: version),
                payload: Array("WSQ finger image \(index)".utf8) + [UInt8](repeating: UInt8(index), count: 500))
            envelopes.append(envelope)
            previous = envelope.hash
        }
        return envelopes
    }

    @Test("a format 2 chain verifies from its proof forms alone, without any ciphertext")
    func proofsVerifyWithoutCiphertext() throws {
        let envelopes = try chain([2, 2, 2, 2])
        #expect(envelopes.allSatisfy { $0.encoded()[4] == 2 })
        var previous = TransactionHeader.genesisHash
        for envelope in envelopes {
            let kept = try TransactionEnvelopeProof(decoding: envelope.proofBytes())
            #expect(!envelope.proofBytes().contains(subsequence: envelope.ciphertext.prefix(24)))
            #expect(kept.ciphertextLength == UInt32(envelope.ciphertext.count))
            #expect(kept.hash == envelope.hash)
            #expect(kept.matches(envelope))
            try verifier.verify(kept, previousHash: previous)
            previous = kept.hash
        }
        // Opened as before: the payload is still only readable with the data key.
        #expect(
            try EnvelopeOpener(dataKey: dataKey).open(envelopes[0]).starts(with: Array("WSQ finger image 0".utf8)))
    }

    @Test("every flipped byte of a proof form is refused: decoding, signature or chain")
    func everyFlippedProofByteIsDetected() throws {
        let envelopes = try chain([2, 2])
        let bytes = envelopes[1].proofBytes()
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x01
            let refused: Bool
            do {
                let proof = try TransactionEnvelopeProof(decoding: tampered)
                try verifier.verify(proof, previousHash: envelopes[0].hash)
                refused = false
            } catch {
                refused = true
            }
            #expect(refused, "byte \(index) of \(bytes.count) flipped but accepted")
        }
    }

    @Test("one flipped ciphertext byte breaks a format 2 signature: the digest covers it")
    func ciphertextIsCoveredByTheDigest() throws {
        var envelope = try chain([2])[0]
        for index in [0, envelope.ciphertext.count / 2, envelope.ciphertext.count - 1] {
            var tampered = envelope
            tampered.ciphertext[index] ^= 0x80
            #expect(throws: EnvelopeError.signatureInvalid) { try verifier.verifySignature(tampered) }
            #expect(tampered.hash != envelope.hash)
        }
        // The header's version byte is signed and is the HPKE info: a downgrade does not verify.
        envelope.header.formatVersion = 1
        #expect(throws: EnvelopeError.signatureInvalid) { try verifier.verifySignature(envelope) }
    }

    @Test("format 1 envelopes queued before the upgrade chain on into format 2")
    func upgradeChainsFormat1IntoFormat2() throws {
        let envelopes = try chain([1, 1, 2, 2])
        #expect(envelopes.map { $0.encoded()[4] } == [1, 1, 2, 2])
        try verifier.verifyChain(try envelopes.map { try TransactionEnvelope(decoding: $0.encoded()) })
        // Format 1 chains the hash of the whole envelope, format 2 of the proof form.
        #expect(envelopes[0].hash == Array(SHA256.hash(data: envelopes[0].encoded())))
        #expect(envelopes[2].hash == Array(SHA256.hash(data: envelopes[2].proofBytes())))
        #expect(envelopes[2].header.prevHash == envelopes[1].hash)
        for envelope in envelopes {
            #expect(TransactionEnvelope.chainHash(ofEncoded: envelope.encoded()) == envelope.hash)
            #expect(try EnvelopeOpener(dataKey: dataKey).open(envelope).count == 18 + 500)
        }
        // A format 1 proof cannot stand alone: its signature covers the deleted ciphertext.
        let oldProof = try TransactionEnvelopeProof(decoding: envelopes[1].proofBytes())
        #expect(throws: EnvelopeError.proofNeedsCiphertext) {
            try verifier.verify(oldProof, previousHash: envelopes[0].hash)
        }
        // The format 2 successor still proves the link to it.
        try verifier.verify(
            try TransactionEnvelopeProof(decoding: envelopes[2].proofBytes()), previousHash: envelopes[1].hash)
    }

    @Test("hostile proof forms: cut short, oversized lengths, trailing bytes, unknown version")
    func hostileProofForms() throws {
        let bytes = try chain([2])[0].proofBytes()
        for length in [0, 4, 5, 40, bytes.count - 1] {
            #expect(throws: EnvelopeError.self) { try TransactionEnvelopeProof(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: EnvelopeError.self) { try TransactionEnvelopeProof(decoding: bytes + [0]) }
        var version = bytes
        version[4] = 3
        #expect(throws: EnvelopeError.unsupportedVersion(3)) { try TransactionEnvelopeProof(decoding: version) }
        // A claimed ciphertext length above the format's limit.
        let headerLength = try TransactionEnvelopeProof(decoding: bytes).header.encoded().count
        var huge = bytes
        let lengthOffset = headerLength + 2 + 65
        huge.replaceSubrange(lengthOffset..<lengthOffset + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: EnvelopeError.self) { try TransactionEnvelopeProof(decoding: huge) }
        // Random bytes never decode into a proof that verifies.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<400, using: &generator)
            let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let proof = try? TransactionEnvelopeProof(decoding: noise) {
                #expect(throws: EnvelopeError.self) { try verifier.verify(proof, previousHash: proof.header.prevHash) }
            }
        }
        // Bytes that are not an envelope hash as they are.
        #expect(
            TransactionEnvelope.chainHash(ofEncoded: [0x42, 0x4B, 0x54, 0x58, 2, 0])
                == Array(SHA256.hash(data: [0x42, 0x4B, 0x54, 0x58, 2, 0])))
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence: ArraySlice<UInt8>) -> Bool {
        firstRange(of: subsequence) != nil
    }
}
