import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Logging
import Testing

/// The agent's signature step against the simulated pad (issue #7): a signing becomes exactly one
/// sealed `signature.captured` transaction, and an unplugged pad leaves the outbox untouched. These
/// run only inside stu_testbed.py (STURigTests starts it).
@Suite(
    "Signature station on the umockdev rig", .serialized,
    .enabled(if: STUTestbed.isActive, "runs only inside stu_testbed.py (see STURigTests)"))
struct STURigEvidence {
    static let text = "Ich beantrage einen neuen Personalausweis. Gebühr 37,00 EUR."
    let control: STUTestbedControl

    init() throws {
        control = try STUTestbedControl()
    }

    func signing(_ kit: EvidenceKit, pad: STUSignaturePad) -> Task<Result<Outbox.Receipt, EvidenceError>, Never> {
        let station = SignatureStation(runtime: kit.runtime, logger: quietLogger())
        return Task { () async -> Result<Outbox.Receipt, EvidenceError> in
            do throws(EvidenceError) {
                return .success(
                    try await station.sign(
                        caseId: EvidenceKit.caseId, text: Self.text, on: pad, timeout: .seconds(20)))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Tablet coordinates of a button of the prompt the station shows.
    func centre(of kind: STUPromptButtonKind) throws -> (x: Int, y: Int) {
        let model = STURig.model
        let layout = SignatureStation.prompt(text: Self.text, citizenName: "Erika Mustermann").render(for: model)
        let rect = try #require(layout.button(kind)).rect
        return (
            Int((Double(rect.x) + Double(rect.width) / 2) * Double(model.tabletMaxX) / Double(model.screenWidth)),
            Int((Double(rect.y) + Double(rect.height) / 2) * Double(model.tabletMaxY) / Double(model.screenHeight))
        )
    }

    @Test func aSigningBecomesOneSealedTransactionBoundToTheText() async throws {
        let kit = try await EvidenceKit()
        let pad = try await STURig.enabledPad(control)
        let signing = signing(kit, pad: pad)
        try await control.waitForInking()
        let stroke = STURig.stroke(count: 50)
        try await control.play(stroke)
        let ok = try centre(of: .ok)
        try await control.tap(x: ok.x, y: ok.y)
        let receipt = try await signing.value.get()
        await pad.close()

        #expect(try kit.kinds() == ["signature.captured"])
        let (header, payload) = try kit.payload(seq: receipt.seq)
        #expect(header.caseId == EvidenceKit.caseId)
        let facts = try StepPayload.facts(StepPayload.Signature.self, from: payload)
        #expect(facts.documentSHA256 == Hex.encode(STURigSHA256.hash(Self.text)))
        #expect(facts.padModel == "STU-540")
        let stored = try SignatureRecordCapture(sealingPayload: splitPayload(payload).attachment)
        #expect(stored.documentSHA256 == STURigSHA256.hash(Self.text))
        let points = try #require(stored.record.representations.first).points
        #expect(points.map { $0[.x] } == stroke.map(\.x))
        #expect(facts.sampleCount == stroke.count)
    }

    @Test func anUnpluggedPadLeavesNothingHalfWritten() async throws {
        let kit = try await EvidenceKit()
        let pad = try await STURig.enabledPad(control)
        let signing = signing(kit, pad: pad)
        try await control.waitForInking()
        try await control.play(Array(STURig.stroke().prefix(25)))
        try await control.drain()
        try await control.unplug()
        let result = await signing.value
        guard case .failure(.signaturePad(.deviceRemoved)) = result else {
            Issue.record("expected the pad's removal, got \(result)")
            return
        }
        #expect(try kit.kinds().isEmpty)
        #expect(try kit.outbox.stats().lastSeq == 0)
        await pad.close()
        try await control.plug()
    }
}
