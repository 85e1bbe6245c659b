import Crypto
import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import SyncServer
import Testing

/// The reference specialist procedure (`kit-sim consumer`) against a running sync server over
/// TLS: it pulls its feed, verifies the server signature and the kit chain, opens the evidence
/// with its key, checks the formats and confirms; a dossier checked against another server's key
/// is rejected with the reason.
@Suite("Hand-off: reference consumer against a running server")
struct HandoffConsumerTests {
    static var kitSim: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kit-sim")
    }

    /// Seals a step of `kit` to the server's data key, chained after `previous`.
    static func envelope(
        kitId: String, seq: UInt64, caseId: String, kind: TransactionKind, payload: [UInt8],
        previous: inout [UInt8], sealer: EnvelopeSealer
    ) throws -> Data {
        let envelope = try sealer.seal(
            header: TransactionHeader(
                kitId: kitId, seq: seq, txId: UUID(), caseId: caseId, baseVersion: 1, kind: kind.rawValue,
                monotonicNanos: seq, wallMillis: 1_780_000_000_000, prevHash: previous),
            payload: payload)
        previous = envelope.hash
        return Data(envelope.encoded())
    }

    @Test("kit-sim consumer pulls, verifies, opens and accepts; a wrong server key means reject")
    func referenceConsumerEndToEnd() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.kitSim.path), "build kit-sim first")
        let serverState = temporaryPath("handoff-server")
        let server = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: serverState), logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try server.stateDirectory())
        let store = try await server.openStore()
        // A kit, a completed fingerprint case, two procedures.
        let signingKey = P256.Signing.PrivateKey()
        let enrolment = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-e2e", tokenHash: BearerToken.hash(enrolment), expiresAt: Date().addingTimeInterval(600))
        #expect(
            try await store.redeemEnrollment(
                tokenHash: BearerToken.hash(enrolment), kitId: "kit-e2e",
                signingKey: Array(signingKey.publicKey.x963Representation),
                apiTokenHash: BearerToken.hash(BearerToken.generate()), now: Date()))
        let authority = P256.KeyAgreement.PrivateKey()
        let dms = P256.KeyAgreement.PrivateKey()
        let authorityToken = BearerToken.generate()
        let dmsToken = BearerToken.generate()
        try await store.addConsumer(
            HandoffConsumer(
                name: "ausweisbehoerde", procedure: .documentAuthority,
                publicKey: Array(authority.publicKey.x963Representation), active: true, createdAt: Date()),
            tokenHash: BearerToken.hash(authorityToken))
        try await store.addConsumer(
            HandoffConsumer(
                name: "e-akte", procedure: .dms, publicKey: Array(dms.publicKey.x963Representation), active: true,
                createdAt: Date()),
            tokenHash: BearerToken.hash(dmsToken))
        try await store.upsertCase(
            CaseSnapshot(
                caseId: "case-e2e", version: 1, title: "Personalausweis beantragen",
                citizen: .init(
                    citizenId: "c-e2e", givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1940-08-12",
                    address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln")),
                steps: [.sign, .fingerprints, .complete]),
            assignedKit: "kit-e2e")
        let sealer = EnvelopeSealer(signingKey: signingKey, serverDataKey: keys.dataKey.publicKey)
        var previous = TransactionHeader.genesisHash
        let envelopes = [
            try Self.envelope(
                kitId: "kit-e2e", seq: 1, caseId: "case-e2e", kind: .signatureCaptured,
                payload: try StepPayload.compose(
                    facts: StepPayload.Signature(documentSHA256: String(repeating: "cd", count: 32), sampleCount: 9),
                    attachment: Array("ISO 19794-7".utf8)),
                previous: &previous, sealer: sealer),
            try Self.envelope(
                kitId: "kit-e2e", seq: 2, caseId: "case-e2e", kind: .fingerprintsCaptured,
                payload: try StepPayload.compose(
                    facts: StepPayload.FingerprintSet(
                        kept: [.init(position: "leftIndex", score: 71, meetsThreshold: true)],
                        skipped: [.init(position: "rightIndex", reason: "injured")]),
                    attachment: Array("WSQ".utf8)),
                previous: &previous, sealer: sealer),
            try Self.envelope(
                kitId: "kit-e2e", seq: 3, caseId: "case-e2e", kind: .caseCompleted, payload: Array("{}".utf8),
                previous: &previous, sealer: sealer),
        ]
        let reply = try await store.ingest(
            envelopes: envelopes, kitId: "kit-e2e",
            engine: IngestEngine(opener: EnvelopeOpener(dataKey: keys.dataKey)))
        #expect(reply.results.map(\.outcome) == [.applied, .applied, .applied])
        await store.close()

        let directory = try StateDirectory.prepare(temporaryPath("handoff-consumer"))
        let authorityKey = directory.appending("ausweisbehoerde.pem")
        let dmsKey = directory.appending("e-akte.pem")
        let foreignServerKey = directory.appending("other-server.pub.pem")
        try Data(authority.pemRepresentation.utf8).write(to: URL(fileURLWithPath: authorityKey))
        try Data(dms.pemRepresentation.utf8).write(to: URL(fileURLWithPath: dmsKey))
        try Data(P256.Signing.PrivateKey().publicKey.pemRepresentation.utf8).write(
            to: URL(fileURLWithPath: foreignServerKey))

        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let common = [
                "consumer", "--server", "https://127.0.0.1:\(port)", "--ca-file", keys.caCertificatePath,
            ]
            // Checked against another server's key: rejected, with the reason for the back office.
            let wrong = try Self.run(
                common + [
                    "--token", dmsToken, "--key", dmsKey, "--server-key", foreignServerKey, "--procedure", "dms",
                ])
            #expect(wrong.status == 0, "\(wrong.output)")
            #expect(wrong.output.contains("rejected  Dossier ungültig"), "\(wrong.output)")
            let right = try Self.run(
                common + [
                    "--token", authorityToken, "--key", authorityKey, "--server-key", keys.dossierPublicKeyPath,
                    "--procedure", "document-authority",
                ])
            #expect(right.status == 0, "\(right.output)")
            #expect(right.output.contains("case-e2e  accepted"), "\(right.output)")
            // Nothing left to confirm on a second run.
            let again = try Self.run(
                common + [
                    "--token", authorityToken, "--key", authorityKey, "--server-key", keys.dossierPublicKeyPath,
                    "--procedure", "document-authority",
                ])
            #expect(again.status == 0 && !again.output.contains("case-e2e"), "\(again.output)")
        }
        let reopened = try await server.openStore()
        let records = try await reopened.dossiers(rejectedOnly: false)
        await reopened.close()
        #expect(records.first { $0.consumer == "ausweisbehoerde" }?.outcome == .accepted)
        let rejected = records.first { $0.consumer == "e-akte" }
        #expect(rejected?.outcome == .rejected)
        #expect(rejected?.reason?.contains("server signature") == true)
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd(kitSim, arguments)
    }
}
