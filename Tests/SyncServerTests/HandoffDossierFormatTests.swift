import Crypto
import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// The dossier builder and verifier without a store: what the manifest names, that the
/// verifier refuses altered containers, forged proofs and broken chains.
@Suite("Hand-off: dossier format")
struct HandoffDossierFormatTests {
    /// Sources for a two-step case with one foreign link between the steps.
    static func sources(_ city: inout HandoffCity) throws -> DossierSources {
        let first = try city.kit.identityCheck(caseId: "case-f")
        let foreign = try city.kit.identityCheck(caseId: "case-x")
        let last = try city.kit.next(.caseCompleted, caseId: "case-f")
        func stored(_ data: Data) throws -> StoredTransaction {
            let envelope = try TransactionEnvelope(decoding: Array(data))
            return StoredTransaction(
                kitId: envelope.header.kitId, seq: envelope.header.seq, kind: envelope.header.kind, outcome: "applied",
                envelope: Array(data), prevHash: envelope.header.prevHash, chainHash: envelope.hash)
        }
        let consumer = P256.KeyAgreement.PrivateKey()
        return DossierSources(
            record: DossierRecord(
                dossierId: HandoffRouting.dossierId(caseId: "case-f", consumer: "e-akte"), caseId: "case-f",
                consumer: "e-akte", procedure: .dms, recordedAt: Date(timeIntervalSince1970: 1_780_000_000)),
            consumerKey: Array(consumer.publicKey.x963Representation), caseVersion: 1,
            caseSnapshot: Array(try JSONEncoder().encode(makeCase("case-f"))),
            kitSigningKeys: [city.kit.kitId: Array(city.kit.signingKey.publicKey.x963Representation)],
            steps: [try stored(first), try stored(last)],
            chain: [try stored(first), try stored(foreign), try stored(last)])
    }

    @Test("the builder's container verifies; every altered byte, forged proof or broken chain is refused")
    func builtContainerVerifiesAndResistsTampering() throws {
        var city = HandoffCity()
        let sources = try Self.sources(&city)
        let builder = DossierBuilder(opener: EnvelopeOpener(dataKey: city.server.dataKey), signingKey: city.dossierKey)
        let container = try builder.build(sources)
        let verifier = DossierVerifier(serverKey: city.dossierKey.publicKey)
        let manifest = try verifier.verify(container).manifest
        #expect(manifest.steps.map(\.seq) == [1, 3])
        #expect(manifest.chain.map(\.seq) == [1, 2, 3])
        #expect(manifest.recordedAt == "2026-05-28T20:26:40Z")
        #expect(manifest.procedure == "dms")
        // Every byte, flipped: refused.
        var refused = 0
        for index in container.indices {
            var damaged = container
            damaged[index] ^= 0x01
            if (try? verifier.verify(damaged)) == nil { refused += 1 }
        }
        #expect(refused == container.count)
        // Another server's key.
        #expect(throws: DossierError.self) {
            try DossierVerifier(serverKey: P256.Signing.PrivateKey().publicKey).verify(container)
        }
        // A server that lies about the chain (a gap), or about the kit's key, signs a manifest
        // the verifier still refuses.
        var gap = sources
        gap.chain.remove(at: 1)
        #expect(throws: DossierError.self) { try verifier.verify(try builder.build(gap)) }
        var forgedKey = sources
        forgedKey.kitSigningKeys[city.kit.kitId] = Array(P256.Signing.PrivateKey().publicKey.x963Representation)
        #expect(throws: DossierError.self) { try verifier.verify(try builder.build(forgedKey)) }
        var brokenLink = sources
        brokenLink.chain[1].chainHash = Array(repeating: 7, count: 32)
        #expect(throws: DossierError.self) { try verifier.verify(try builder.build(brokenLink)) }
        // Garbage is refused, not crashed on.
        for garbage in [[], [UInt8](repeating: 0, count: 1024), Array("manifest.json".utf8)] {
            #expect(throws: DossierError.self) { try verifier.verify(garbage) }
        }
    }
}
