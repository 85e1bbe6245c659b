import Crypto
import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// The photo step end to end on the kit: the camera simulator serves the committed portrait, the
/// station takes the burst and seals `photo.captured` with the image's SHA-256 in the facts.
@Suite("Photo station (photo.captured)", .serialized)
struct PhotoStationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("KitDriversTests/Camera/Fixtures")

    func station(_ kit: EvidenceKit, serving fixture: String) throws -> (PhotoStation, CameraSimulator) {
        let simulator = try CameraSimulator(
            scene: .image(path: Self.fixtures.appendingPathComponent(fixture).path))
        return (PhotoStation(runtime: kit.runtime, source: simulator.source, logger: quietLogger()), simulator)
    }

    @Test("A passing photo is one transaction whose signed facts name its image and record")
    func photoIsRecordedWithItsHash() async throws {
        let kit = try await EvidenceKit(steps: [.identify, .photo, .fingerprints, .complete])
        let (station, simulator) = try station(kit, serving: "portrait.png")
        defer { simulator.stop() }
        let (receipt, photo) = try await station.capture(caseId: EvidenceKit.caseId, burst: 3)
        #expect(try kit.kinds() == ["photo.captured"])
        let (header, payload) = try kit.payload(seq: receipt.seq)
        #expect(header.kind == "photo.captured")
        let facts = try StepPayload.facts(StepPayload.Photo.self, from: payload)
        #expect(facts.imageSHA256 == Hex.encode(Array(SHA256.hash(data: photo.image))))
        #expect(facts.width == photo.width && facts.height == photo.height)
        #expect(facts.eyes.count == 4)
        #expect(facts.checks.count == PhotoQualityCheck.allCases.count)
        #expect(StepPayload.Photo.bindingProblem(payload: payload) == nil)
        let record = try #require(StepPayload.Photo.attachment(of: payload))
        #expect(try FaceImageRecord.decode(record).image == photo.image)

        // Another image in place of the captured one no longer matches the signed facts.
        var swapped = payload
        swapped[swapped.count - 10] ^= 0xFF
        #expect(StepPayload.Photo.bindingProblem(payload: swapped) != nil)
    }

    @Test("A refused photo records nothing and says why in German")
    func refusedPhotoRecordsNothing() async throws {
        let kit = try await EvidenceKit(steps: [.identify, .photo, .fingerprints, .complete])
        let (station, simulator) = try station(kit, serving: "too-dark.png")
        defer { simulator.stop() }
        do {
            _ = try await station.capture(caseId: EvidenceKit.caseId, burst: 2)
            Issue.record("a dark frame was recorded")
        } catch {
            guard case .camera(.photoRefused(let assessment)) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(assessment.refusal?.check == .exposure)
            #expect(error.german.contains("dunkel"))
        }
        #expect(try kit.kinds().isEmpty)
    }

    @Test("The live checks answer per check with a light")
    func previewChecks() async throws {
        let kit = try await EvidenceKit(steps: [.identify, .photo, .complete])
        let (station, simulator) = try station(kit, serving: "portrait.png")
        defer { simulator.stop() }
        let assessment = try await station.preview()
        #expect(assessment.acceptable)
        #expect(assessment.results.map(\.check) == PhotoQualityCheck.allCases)
        #expect(try kit.kinds().isEmpty)
    }

    @Test("The workflow takes the photo step between identity and fingerprints")
    func workflowHasPhotoStep() throws {
        let snapshot = CaseSnapshot(
            caseId: "c", version: 1, title: "Personalausweis", citizen: EvidenceKit.defaultCitizen,
            steps: [.identify, .photo, .fingerprints, .complete])
        let workflow = CaseWorkflow(
            snapshot: snapshot, record: .init(transactions: [("identity.checked", 1)], identityOutcomes: [1: .matched]))
        #expect(workflow.current == .photo)
        #expect(CaseWorkflow.kind(of: .photo) == .photoCaptured)
        #expect(workflow.mayRecord(.photoCaptured) == nil)
        let after = CaseWorkflow(
            snapshot: snapshot,
            record: .init(
                transactions: [("identity.checked", 1), ("photo.captured", 2)], identityOutcomes: [1: .matched]))
        #expect(after.current == .fingerprints)
    }
}
