import Crypto
import Foundation
import KitCore
import KitTestSupport
import Logging
import SyncServer
import Testing

/// A receiving procedure as the tests drive it: its HPKE key pair and bearer token.
struct TestConsumer {
    let name: String
    let procedure: HandoffProcedure
    let key = P256.KeyAgreement.PrivateKey()
    let token = BearerToken.generate()

    func register(in store: any SyncStore) async throws {
        try await store.addConsumer(
            HandoffConsumer(
                name: name, procedure: procedure, publicKey: Array(key.publicKey.x963Representation), active: true,
                createdAt: Date()),
            tokenHash: BearerToken.hash(token))
    }
}

/// A city with one consumer per procedure, a kit and the server's keys.
struct HandoffCity {
    var server = ServerFixture()
    var kit: TestKit
    let dossierKey = P256.Signing.PrivateKey()
    let register = TestConsumer(name: "meldewesen", procedure: .register)
    let documents = TestConsumer(name: "ausweisbehoerde", procedure: .documentAuthority)
    let cash = TestConsumer(name: "stadtkasse", procedure: .cashOffice)
    let dms = TestConsumer(name: "e-akte", procedure: .dms)

    /// Text inside the fingerprint payload: it must never be found in clear on the server.
    static let evidenceMarker = Array("FINGERPRINT-EVIDENCE-MARKER-7f3a".utf8)

    init() {
        let server = ServerFixture()
        self.server = server
        kit = TestKit("kit-handoff", server: server)
    }

    var consumers: [TestConsumer] { [register, documents, cash, dms] }

    func assembly(_ store: any SyncStore) -> DossierAssembly {
        DossierAssembly(
            store: store,
            builder: DossierBuilder(opener: EnvelopeOpener(dataKey: server.dataKey), signingKey: dossierKey),
            logger: quietLogger())
    }

    func prepare(_ store: any SyncStore) async throws {
        try await kit.enrol(in: store)
        for consumer in consumers { try await consumer.register(in: store) }
    }

    /// An ID card application: identity, signature, fingerprints, payment, completion. The last
    /// element is the completion; the others come first.
    /// `interleaving` names another case whose identity check the kit records after the signature.
    mutating func idCardApplication(_ caseId: String, interleaving other: String? = nil) throws -> [Data] {
        let start = [
            try kit.identityCheck(caseId: caseId),
            try kit.next(
                .signatureCaptured, caseId: caseId,
                payload: try StepPayload.compose(
                    facts: StepPayload.Signature(documentSHA256: String(repeating: "ab", count: 32), sampleCount: 3),
                    attachment: Array("pen samples".utf8))),
        ]
        let between = try other.map { [try kit.identityCheck(caseId: $0)] } ?? []
        return start + between + [
            try kit.next(
                .fingerprintsCaptured, caseId: caseId,
                payload: try StepPayload.compose(
                    facts: StepPayload.FingerprintSet(
                        kept: [.init(position: "rightIndex", score: 80, meetsThreshold: true)], skipped: []),
                    attachment: Self.evidenceMarker + [UInt8](repeating: 0x5A, count: 3000))),
            try kit.next(
                .paymentOutcome, caseId: caseId,
                facts: StepPayload.Payment(approved: true, amountCents: 3700, trace: "000123")),
            try kit.next(.caseCompleted, caseId: caseId),
        ]
    }

    static func idCardCase(_ caseId: String) -> CaseSnapshot {
        makeCase(caseId, steps: [.identify, .sign, .fingerprints, .pay, .complete], feeCents: 3700)
    }
}
