import Crypto
import Foundation
import KitCore
import Testing

@Suite("Transaction envelope: seal, sign, chain (docs/envelope.md)")
struct EnvelopeTests {
    let signingKey = P256.Signing.PrivateKey()
    let dataKey = P256.KeyAgreement.PrivateKey()

    var sealer: EnvelopeSealer { EnvelopeSealer(signingKey: signingKey, serverDataKey: dataKey.publicKey) }
    var verifier: EnvelopeVerifier { EnvelopeVerifier(kitSigningKey: signingKey.publicKey) }
    var opener: EnvelopeOpener { EnvelopeOpener(dataKey: dataKey) }

    func header(seq: UInt64 = 1, prevHash: [UInt8] = TransactionHeader.genesisHash) -> TransactionHeader {
        TransactionHeader(
            kitId: "kit-mainz-07", seq: seq, txId: UUID(), caseId: "case-2026-0042", baseVersion: 3,
            kind: TransactionKind.signatureCaptured.rawValue, monotonicNanos: 123_456_789,
            wallMillis: 1_790_000_000_000,
            prevHash: prevHash)
    }

    @Test func sealOpenRoundTrip() throws {
        let payload = Array("Erika Mustermann, Heidestraße 17".utf8)
        let envelope = try sealer.seal(header: header(), payload: payload)
        let decoded = try TransactionEnvelope(decoding: envelope.encoded())
        #expect(decoded == envelope)
        try verifier.verify(decoded, previousHash: TransactionHeader.genesisHash)
        #expect(try opener.open(decoded) == payload)
        // The payload is not visible in the envelope bytes.
        let bytes = envelope.encoded()
        #expect(!contains(bytes, Array("Mustermann".utf8)))
        #expect(envelope.encapsulatedKey.count == 65)
        #expect(envelope.signature.count == 64)
    }

    @Test func encodingIsDeterministicForTheHeader() throws {
        let fixed = TransactionHeader(
            kitId: "k1", seq: 2, txId: try #require(UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF")),
            caseId: "c", baseVersion: 1, kind: "case.completed", monotonicNanos: 5, wallMillis: -1,
            prevHash: [UInt8](repeating: 0xAB, count: 32))
        let bytes = fixed.encoded()
        #expect(bytes.prefix(5) == [0x42, 0x4B, 0x54, 0x58, 0x02])  // "BKTX", format 2
        #expect(Array(bytes[5...8]) == [0x00, 0x02, 0x6B, 0x31])  // len 2, "k1"
        #expect(Array(bytes[9...16]) == [0, 0, 0, 0, 0, 0, 0, 2])  // seq
        #expect(
            Array(bytes[17...32]) == [
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
            ])
        #expect(bytes.count == 5 + 4 + 8 + 16 + 3 + 8 + 16 + 8 + 8 + 32)
        #expect(fixed.encoded() == bytes)
    }

    @Test func everyFlippedByteIsDetected() throws {
        let envelope = try sealer.seal(header: header(), payload: Array(repeating: 0x42, count: 40))
        let bytes = envelope.encoded()
        let headerLength = envelope.header.encoded().count
        let prevHashRange = (headerLength - 32)..<headerLength
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x01
            let failure: EnvelopeError
            do {
                let decoded = try TransactionEnvelope(decoding: tampered)
                try verifier.verify(decoded, previousHash: TransactionHeader.genesisHash)
                _ = try opener.open(decoded)
                Issue.record("flipping byte \(index) went unnoticed")
                continue
            } catch {
                failure = error
            }
            if prevHashRange.contains(index) {
                guard case .chainBroken = failure else {
                    Issue.record("byte \(index) (chain link): \(failure)")
                    continue
                }
            } else {
                switch failure {
                case .signatureInvalid, .malformed, .unsupportedVersion, .invalidField: break
                default: Issue.record("byte \(index): unexpected \(failure)")
                }
            }
        }
    }

    @Test func alteredHeaderCannotBeOpenedEvenWithoutSignatureCheck() throws {
        var envelope = try sealer.seal(header: header(), payload: [1, 2, 3])
        envelope.header.baseVersion += 1
        #expect(throws: EnvelopeError.cannotOpen) { try opener.open(envelope) }
        #expect(throws: EnvelopeError.signatureInvalid) { try verifier.verifySignature(envelope) }
    }

    @Test func wrongKeysAreRejected() throws {
        let envelope = try sealer.seal(header: header(), payload: [1, 2, 3])
        let otherKit = EnvelopeVerifier(kitSigningKey: P256.Signing.PrivateKey().publicKey)
        #expect(throws: EnvelopeError.signatureInvalid) { try otherKit.verifySignature(envelope) }
        let otherServer = EnvelopeOpener(dataKey: P256.KeyAgreement.PrivateKey())
        #expect(throws: EnvelopeError.cannotOpen) { try otherServer.open(envelope) }
    }

    @Test func chainDetectsMissingReorderedAndReplacedTransactions() throws {
        var chain: [TransactionEnvelope] = []
        var previous = TransactionHeader.genesisHash
        for seq in 1...4 {
            let envelope = try sealer.seal(header: header(seq: UInt64(seq), prevHash: previous), payload: [UInt8(seq)])
            chain.append(envelope)
            previous = envelope.hash
        }
        try verifier.verifyChain(chain)
        var missing = chain
        missing.remove(at: 1)
        #expect(throws: EnvelopeError.self) { try verifier.verifyChain(missing) }
        #expect(throws: EnvelopeError.self) { try verifier.verifyChain([chain[0], chain[2], chain[1], chain[3]]) }
        var replaced = chain
        replaced[2] = try sealer.seal(header: header(seq: 3, prevHash: chain[1].hash), payload: [99])
        do {
            try verifier.verifyChain(replaced)
            Issue.record("replacement not detected")
        } catch {
            guard case .chainBroken(let expected, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(expected == replaced[2].hash)
        }
    }

    @Test func invalidHeadersAreRefusedBeforeSealing() throws {
        var bad = header()
        bad.seq = 0
        #expect(throws: EnvelopeError.invalidField(name: "seq", reason: "starts at 1")) {
            try sealer.seal(header: bad, payload: [])
        }
        bad = header()
        bad.kitId = "kit with spaces"
        #expect(throws: EnvelopeError.self) { try sealer.seal(header: bad, payload: []) }
    }

    @Test func hostileBytesNeverCrash() throws {
        let valid = try sealer.seal(header: header(), payload: Array(repeating: 7, count: 100)).encoded()
        var generator = SeededGenerator(seed: 0x5EED)
        for round in 0..<3000 {
            var input: [UInt8]
            switch round % 3 {
            case 0:
                input = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            case 1:
                input = Array(valid.prefix(Int.random(in: 0...valid.count, using: &generator)))
            default:
                input = valid
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    input[Int.random(in: 0..<input.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
            }
            if let envelope = try? TransactionEnvelope(decoding: input) {
                #expect(envelope.encoded() == input)
            }
        }
        // A huge claimed ciphertext length is refused without allocating it.
        var huge = Array(valid.prefix(valid.count - 64 - 2 - 4 - 16 - 100))
        huge.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: EnvelopeError.self) { try TransactionEnvelope(decoding: huge) }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible fuzz loops.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
