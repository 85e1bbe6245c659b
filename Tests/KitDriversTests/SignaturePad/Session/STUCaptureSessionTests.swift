import Foundation
import Testing

@testable import KitDrivers

@Suite("STU capture session: pen reports to signature samples")
struct STUCaptureSessionTests {
    let capability = STUModel.stu540.nominalCapability
    let layout = STUSignaturePrompt(title: "Ich bestätige die Richtigkeit meiner Angaben.", citizenName: "Test")
        .render(for: .stu540)

    func report(
        x: UInt16, y: UInt16, pressure: UInt16 = 500, sw: Bool = true, rdy: Bool = true, time: UInt16 = 0,
        sequence: UInt16 = 0
    ) -> [UInt8] {
        STUPenSample(x: x, y: y, pressure: pressure, rdy: rdy, sw: sw, timeCount: time, sequence: sequence)
            .encodedReport()
    }

    /// Tablet coordinates of the centre of a prompt button.
    func centre(of kind: STUPromptButtonKind) throws -> (x: UInt16, y: UInt16) {
        let rect = try #require(layout.button(kind)).rect
        let x =
            (Double(rect.x) + Double(rect.width) / 2) * Double(capability.tabletMaxX) / Double(capability.screenWidth)
        let y =
            (Double(rect.y) + Double(rect.height) / 2) * Double(capability.tabletMaxY) / Double(capability.screenHeight)
        return (UInt16(x), UInt16(y))
    }

    @Test func wellFormedReportsAreBufferedWithMonotonicTime() throws {
        var session = try STUCaptureSession(capability: capability, layout: layout)
        let times: [UInt16] = [65_530, 65_535, 4, 9]
        for (index, time) in times.enumerated() {
            let outcome = session.process(
                report: report(x: 2000 + UInt16(index) * 10, y: 3000, time: time, sequence: UInt16(index)))
            #expect(outcome == .sample)
        }
        #expect(session.samples.map(\.monotonicMilliseconds) == [65_530, 65_535, 65_540, 65_545])
        #expect(session.counters.accepted == 4)
        #expect(session.counters.rejected == 0)
        #expect(session.hasInk)
    }

    @Test func malformedReportsAreRejectedAndCounted() throws {
        var session = try STUCaptureSession(capability: capability, layout: layout)
        let valid = report(x: 100, y: 100)
        #expect(session.process(report: Array(valid.prefix(6))) == .rejected(.wrongLength))
        #expect(session.process(report: valid + [0]) == .rejected(.wrongLength))
        #expect(session.process(report: []) == .rejected(.wrongReportID))
        #expect(session.process(report: [0x55] + Array(valid.dropFirst())) == .rejected(.wrongReportID))
        #expect(session.process(report: report(x: 10_801, y: 100)) == .rejected(.outOfRange))
        #expect(session.process(report: report(x: 100, y: 6_481)) == .rejected(.outOfRange))
        #expect(session.process(report: report(x: 100, y: 100, pressure: 1_024)) == .rejected(.outOfRange))
        #expect(session.process(report: valid) == .sample)
        #expect(session.counters.wrongLength == 2)
        #expect(session.counters.wrongReportID == 2)
        #expect(session.counters.outOfRange == 3)
        #expect(session.counters.rejected == 7)
        #expect(session.counters.accepted == 1)
        #expect(session.samples.count == 1)
    }

    @Test func reportsWithoutTimingAreAccepted() throws {
        var session = try STUCaptureSession(capability: capability)
        let plain = STUPenSample(x: 50, y: 60, pressure: 10, rdy: true, sw: true).encodedReport()
        #expect(plain.count == 7)
        #expect(session.process(report: plain) == .sample)
        #expect(session.samples.first?.monotonicMilliseconds == nil)
    }

    @Test func sequenceGapsCountLostReports() throws {
        var session = try STUCaptureSession(capability: capability)
        for sequence: UInt16 in [1, 2, 6, 7] { _ = session.process(report: report(x: 1, y: 1, sequence: sequence)) }
        #expect(session.counters.lost == 3)
    }

    @Test func tapOnOKIsAButtonNotInk() throws {
        var session = try STUCaptureSession(capability: capability, layout: layout)
        _ = session.process(report: report(x: 3000, y: 3000))
        _ = session.process(report: report(x: 3000, y: 3000, pressure: 0, sw: false))
        let ok = try centre(of: .ok)
        #expect(session.process(report: report(x: ok.x, y: ok.y)) == .buttonStroke)
        #expect(session.process(report: report(x: ok.x, y: ok.y)) == .buttonStroke)
        #expect(session.process(report: report(x: ok.x, y: ok.y, pressure: 0, sw: false)) == .button(.ok))
        #expect(session.samples.count == 2)
    }

    @Test func strokeThatLeavesAButtonIsNotAPress() throws {
        var session = try STUCaptureSession(capability: capability, layout: layout)
        let cancel = try centre(of: .cancel)
        _ = session.process(report: report(x: cancel.x, y: cancel.y))
        let outcome = session.process(report: report(x: 3000, y: 3000, pressure: 0, sw: false))
        #expect(outcome == .buttonStroke)
        #expect(session.samples.isEmpty)
    }

    @Test func retryDiscardsSamples() throws {
        var session = try STUCaptureSession(capability: capability, layout: layout)
        _ = session.process(report: report(x: 3000, y: 3000))
        session.restart()
        #expect(session.samples.isEmpty)
        #expect(!session.hasInk)
        #expect(session.counters.accepted == 1)
    }

    @Test func sampleLimitRejectsFurtherReports() throws {
        var session = try STUCaptureSession(capability: capability, sampleLimit: 2)
        _ = session.process(report: report(x: 1, y: 1))
        _ = session.process(report: report(x: 2, y: 1))
        #expect(session.process(report: report(x: 3, y: 1)) == .rejected(.bufferFull))
        #expect(session.counters.bufferFull == 1)
        #expect(session.counters.accepted == 2)
    }

    @Test func captureBindsTheDigest() throws {
        var session = try STUCaptureSession(capability: capability)
        for step in 0..<20 {
            _ = session.process(report: report(x: 2000 + UInt16(step) * 50, y: 3000, time: UInt16(step * 5)))
        }
        let digest = [UInt8](repeating: 0xAB, count: 32)
        let capture = try session.capture(documentSHA256: digest, captureDateTime: .unspecified)
        #expect(capture.documentSHA256 == digest)
        #expect(capture.record.representations.first?.points.count == 20)
        var other = digest
        other[0] ^= 1
        #expect(throws: SignatureRecordError.digestMismatch) {
            _ = try SignatureRecordCapture(documentSHA256: other, record: capture.record, png: capture.png)
        }
    }

    @Test func emptySessionHasNothingToCapture() throws {
        let session = try STUCaptureSession(capability: capability)
        #expect(throws: SignatureRecordError.noInk) {
            _ = try session.capture(documentSHA256: [UInt8](repeating: 0, count: 32), captureDateTime: .unspecified)
        }
    }

    @Test func unusableCapabilityIsRefused() {
        var broken = capability
        broken.tabletMaxX = 0
        #expect(throws: STUReportError.self) { _ = try STUCaptureSession(capability: broken) }
    }

    @Test func randomReportsNeverCrash() throws {
        var session = try STUCaptureSession(capability: capability, layout: layout, sampleLimit: 500)
        var rng = STUTestRNG(seed: 0x5354_5532)
        for _ in 0..<4000 {
            let id: UInt8 = Bool.random(using: &rng) ? 0x34 : 0x01
            let bytes = rng.report(id: id, maxLength: 14)
            switch session.process(report: bytes) {
            case .sample, .buttonStroke, .button, .rejected: break
            }
        }
        let counters = session.counters
        #expect(counters.accepted + counters.rejected == 4000)
        #expect(session.samples.count <= 500)
    }

    @Test func captureTimeIsUTC() {
        let date = ISO19794_7DateTime(utc: Date(timeIntervalSince1970: 1_700_000_000.25))
        #expect(
            date
                == ISO19794_7DateTime(
                    year: 2023, month: 11, day: 14, hour: 22, minute: 13, second: 20, millisecond: 250))
    }

    @Test func padErrorsNameTheirUnifiedPOSCode() {
        #expect(STUPadError.notOpen.unifiedPOSCode == 101)
        #expect(STUPadError.deviceRemoved.unifiedPOSCode == 108)
        #expect(STUPadError.captureTimedOut.unifiedPOSCode == 112)
        #expect(STUPadError.usb(USBError(code: -7, operation: "x")).unifiedPOSCode == 112)
        #expect(STUPadError.deviceRemoved.description.contains("unplugged"))
        #expect(
            STUPadError.padRejected(command: "the prompt image", result: .graphicsWrongEncodingType)
                .description.contains("0x10"))
    }
}
