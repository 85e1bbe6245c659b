import Crypto
import Foundation
import KitCore
import KitDrivers
import KitTestSupport
import SyncServer
import Testing

/// A city whose cases stand in every state the case list names, made by the real ingest engine,
/// dossier builder, confirmations and retention: the route tests and the browser test's seeder
/// (``CasePagesBrowserSeed``) share it.
struct CaseCity {
    static let handedOff = "2026-MZ-0500"
    static let atKit = "2026-MZ-0501"
    static let conflict = "2026-MZ-0502"
    static let deleted = "2026-MZ-0503"
    static let accepted = "2026-MZ-0504"
    static let waiting = "2026-MZ-0505"
    static let rejectionReason = "Kassenzeichen fehlt"
    static let receiptLines = ["STADT MAINZ BUERGERAMT", "Kartenzahlung girocard", "Betrag EUR 37,00", "Genehmigt"]

    var city = HandoffCity()
    let dossierKey: P256.Signing.PrivateKey

    /// A city whose server uses `dataKey` (the seeder passes the real server's key).
    init(
        dataKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(),
        dossierKey: P256.Signing.PrivateKey = P256.Signing.PrivateKey()
    ) {
        city.server = ServerFixture(dataKey: dataKey)
        city.kit = TestKit("kit-mz-01", server: city.server)
        self.dossierKey = dossierKey
    }

    /// A signature as the kit's pad driver captures it: ISO/IEC 19794-7 record and rendered PNG,
    /// bound to the signed text (a wave drawn on an STU-540).
    static func signature() throws -> SignatureRecordCapture {
        var samples: [STUTimedPenSample] = []
        for index in 0..<120 {
            let wave = Int(900 * sin(Double(index) / 8))
            let sample = STUPenSample(
                x: UInt16(1_500 + index * 60), y: UInt16(3_000 + wave), pressure: 700, rdy: true,
                sw: index > 2 && index < 117, timeCount: UInt16(index * 5), sequence: UInt16(index))
            samples.append(STUTimedPenSample(sample: sample, monotonicMilliseconds: UInt64(index * 5)))
        }
        return try SignatureRecordCapture(
            samples: samples, capability: STUModel.stu540.nominalCapability,
            documentSHA256: Array(SHA256.hash(data: Data("Ich beantrage einen Personalausweis.".utf8))),
            captureDateTime: ISO19794_7DateTime(year: 2026, month: 12, day: 7, hour: 9, minute: 30, second: 0))
    }

    /// A signature payload exactly as the kit seals it: facts, then the driver's KSIG attachment.
    static func signaturePayload(_ capture: SignatureRecordCapture) throws -> [UInt8] {
        try StepPayload.compose(
            facts: StepPayload.Signature(
                documentSHA256: Hex.encode(capture.documentSHA256), sampleCount: 120, padModel: "STU-540"),
            attachment: try capture.sealingPayload())
    }

    static let fingers = StepPayload.FingerprintSet(
        kept: [
            .init(position: "rightIndex", score: 82, meetsThreshold: true),
            .init(position: "leftIndex", score: 31, meetsThreshold: false),
        ],
        skipped: [.init(position: "leftThumb", reason: "injured")], scanner: "libfprint/virtual_image")

    /// Seeds every state, plus `fillers` cases waiting at the kit (for paging).
    mutating func seed(_ store: any SyncStore, fillers: Int = 0) async throws {
        try await city.prepare(store)
        var kit = city.kit
        func ingest(_ envelopes: [Data]) async throws -> IngestReply {
            try await store.ingest(envelopes: envelopes, kitId: kit.kitId, engine: city.server.engine)
        }
        let idCard: [CaseStep] = [.identify, .sign, .fingerprints, .pay, .complete]
        try await store.upsertCase(makeCase(Self.handedOff, steps: idCard, feeCents: 3700), assignedKit: kit.kitId)
        try await store.upsertCase(makeCase(Self.atKit, citizenId: "citizen-2"), assignedKit: kit.kitId)
        try await store.upsertCase(
            makeCase(Self.conflict, citizenId: "citizen-3", steps: [.identify, .pay, .complete], feeCents: 3700),
            assignedKit: kit.kitId)
        for id in [Self.deleted, Self.accepted, Self.waiting] {
            try await store.upsertCase(
                makeCase(id, citizenId: "citizen-\(id)", steps: [.identify, .sign, .complete]), assignedKit: kit.kitId)
        }
        for index in 0..<fillers {
            try await store.upsertCase(
                makeCase("2026-MZ-\(1000 + index)", citizenId: "citizen-f\(index)"), assignedKit: kit.kitId)
        }
        let signature = try Self.signaturePayload(try Self.signature())
        let payment = StepPayload.Payment(
            approved: true, amountCents: 3700, trace: "000123", receipt: "0042", receiptLines: Self.receiptLines)
        var envelopes = [
            try kit.identityCheck(caseId: Self.handedOff),
            try kit.next(.signatureCaptured, caseId: Self.handedOff, payload: signature),
            try kit.next(
                .fingerprintsCaptured, caseId: Self.handedOff,
                payload: try StepPayload.compose(
                    facts: Self.fingers, attachment: [UInt8](repeating: 0x5A, count: 2_000))),
            try kit.next(.paymentOutcome, caseId: Self.handedOff, facts: payment),
            try kit.next(.caseCompleted, caseId: Self.handedOff),
            try kit.identityCheck(caseId: Self.atKit),
            try kit.identityCheck(caseId: Self.conflict),
            try kit.next(.paymentOutcome, caseId: Self.conflict, facts: payment),
            try kit.next(.paymentOutcome, caseId: Self.conflict, facts: payment),
        ]
        for id in [Self.deleted, Self.accepted, Self.waiting] {
            envelopes += [
                try kit.identityCheck(caseId: id),
                try kit.next(.signatureCaptured, caseId: id, payload: signature),
                try kit.next(.caseCompleted, caseId: id),
            ]
        }
        let reply = try await ingest(envelopes)
        #expect(reply.outcomes.filter { $0 == .conflict }.count == 1, "one double payment")
        city.kit = kit
        let assembly = DossierAssembly(
            store: store,
            builder: DossierBuilder(opener: EnvelopeOpener(dataKey: city.server.dataKey), signingKey: dossierKey),
            logger: quietLogger())
        try await assembly.buildPending()
        func acknowledge(_ caseId: String, _ consumer: TestConsumer, _ ack: HandoffAcknowledgement) async throws {
            let id = HandoffRouting.dossierId(caseId: caseId, consumer: consumer.name)
            #expect(
                try await store.acknowledgeDossier(id: id, consumer: consumer.name, acknowledgement: ack, at: Date())
                    == .recorded)
        }
        try await acknowledge(Self.handedOff, city.dms, HandoffAcknowledgement(outcome: .accepted))
        try await acknowledge(
            Self.handedOff, city.cash, HandoffAcknowledgement(outcome: .rejected, reason: Self.rejectionReason))
        try await acknowledge(Self.deleted, city.dms, HandoffAcknowledgement(outcome: .accepted))
        let deletion = try await store.deleteExpiredEvidence(retentionDays: 0, now: Date().addingTimeInterval(1))
        #expect(deletion.cases == [Self.deleted])
        try await acknowledge(Self.accepted, city.dms, HandoffAcknowledgement(outcome: .accepted))
    }
}
