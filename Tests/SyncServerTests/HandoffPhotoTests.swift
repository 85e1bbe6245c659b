import Crypto
import Foundation
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import SyncServer
import Testing

/// The document authority's dossier carries the biometric photo: the ISO/IEC 19794-5 record as the
/// payload of the `photo.captured` step, whose facts name its SHA-256; the reference consumer checks it.
@Suite("Hand-off: the photo reaches the document authority")
struct HandoffPhotoTests {
    /// A real (small) token record: a flat grey 240 × 320 JPEG with the eye centres.
    static func photoPayload(tamper: Bool = false) throws -> [UInt8] {
        let pixels = [UInt8](repeating: 0xB0, count: 240 * 320 * 3)
        let jpeg = try PhotoJPEGEncoder.encode(rgb: pixels, width: 240, height: 320).jpeg
        let record = try FaceImageRecord(
            imageType: .tokenFrontal, dataType: .jpeg, width: 240, height: 320,
            featurePoints: [.init(code: 0xC2, x: 90, y: 144), .init(code: 0xC1, x: 150, y: 144)], image: jpeg
        ).encoded()
        let facts = StepPayload.Photo(
            imageSHA256: Hex.encode(Array(SHA256.hash(data: jpeg))),
            recordSHA256: Hex.encode(Array(SHA256.hash(data: record))),
            format: "ISO/IEC 19794-5:2005 token frontal, JPEG", width: 240, height: 320, eyes: [90, 144, 150, 144],
            checks: [.init(check: "sharpness", passed: true, value: 80)], framesTaken: 5)
        var attachment = record
        if tamper { attachment[attachment.count - 3] ^= 0x01 }
        return try StepPayload.compose(facts: facts, attachment: attachment)
    }

    @Test("An ID application with photo and fingerprints: the document authority opens and accepts the record")
    func photoInDossier() async throws {
        var city = HandoffCity()
        let location = try await StoreLocation.fresh(.sqlite)
        defer { location.remove() }
        let store = try await location.open()
        try await city.prepare(store)
        try await store.upsertCase(
            makeCase("case-foto", steps: [.identify, .photo, .fingerprints, .complete]), assignedKit: city.kit.kitId)
        let envelopes = [
            try city.kit.identityCheck(caseId: "case-foto"),
            try city.kit.next(.photoCaptured, caseId: "case-foto", payload: try Self.photoPayload()),
            try city.kit.next(
                .fingerprintsCaptured, caseId: "case-foto",
                facts: StepPayload.FingerprintSet(
                    kept: [.init(position: "rightIndex", score: 80, meetsThreshold: true)], skipped: [])),
            try city.kit.next(.caseCompleted, caseId: "case-foto"),
        ]
        let reply = try await store.ingest(envelopes: envelopes, kitId: city.kit.kitId, engine: city.server.engine)
        #expect(reply.outcomes == [.applied, .applied, .applied, .applied])
        #expect(try await city.assembly(store).buildPending() >= 2)
        let records = try await store.dossiers(rejectedOnly: false)
        let authority = try #require(records.first { $0.consumer == city.documents.name })
        let container = try #require(try await store.dossier(id: authority.dossierId)?.container)
        let verified = try DossierVerifier(serverKey: city.dossierKey.publicKey).verify(container)
        let step = try #require(verified.manifest.steps.first { $0.kind == "photo.captured" })
        let payload = try verified.open(step.payload, with: city.documents.key)
        #expect(StepPayload.Photo.bindingProblem(payload: payload) == nil)
        let record = try FaceImageRecord.decode(try #require(StepPayload.Photo.attachment(of: payload)))
        #expect(record.imageType == .tokenFrontal && record.width == 240)
        let verdict = ReferenceConsumer(
            procedure: .documentAuthority, key: city.documents.key, serverKey: city.dossierKey.publicKey
        ).examine(container)
        #expect(verdict == HandoffAcknowledgement(outcome: .accepted), "\(verdict)")
    }

    @Test("A photo whose record was changed after capture is rejected at ingest")
    func swappedPhotoIsRejected() async throws {
        var city = HandoffCity()
        let location = try await StoreLocation.fresh(.sqlite)
        defer { location.remove() }
        let store = try await location.open()
        try await city.prepare(store)
        try await store.upsertCase(makeCase("case-foto", steps: [.photo, .complete]), assignedKit: city.kit.kitId)
        let reply = try await store.ingest(
            envelopes: [
                try city.kit.next(.photoCaptured, caseId: "case-foto", payload: try Self.photoPayload(tamper: true))
            ],
            kitId: city.kit.kitId, engine: city.server.engine)
        #expect(reply.outcomes == [.rejected])
    }
}
