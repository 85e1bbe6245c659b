import Foundation
import KitDrivers
import KitSimulators
import Testing

/// The driver against the simulated pad. These run only inside stu_testbed.py (which STURigTests starts,
/// or scripts/test directly); elsewhere there is no pad and they are disabled.
@Suite(
    "STU-540 driver on the umockdev rig", .serialized,
    .enabled(if: STUTestbed.isActive, "runs only inside stu_testbed.py (see STURigTests)"))
struct STURigScenarios {
    let control: STUTestbedControl

    init() throws {
        control = try STUTestbedControl()
    }

    func startCapture(
        _ pad: STUSignaturePad, text: String = STURig.signedText, timeout: Duration = .seconds(20)
    ) -> Task<SignatureRecordCapture, any Error> {
        Task {
            try await pad.captureSignature(
                prompt: STURig.prompt, documentSHA256: STURigSHA256.hash(text), timeout: timeout,
                captureDateTime: ISO19794_7DateTime(year: 2026, month: 5, day: 4, hour: 10, minute: 30, second: 0))
        }
    }

    /// Polls the pad model until `condition` holds (the driver works concurrently with the test).
    func waitUntil(
        timeout: Duration = .seconds(10), _ condition: (STUTestbedState) -> Bool
    ) async throws -> STUTestbedState {
        let deadline = ContinuousClock.now + timeout
        while true {
            let state = try await control.state()
            if condition(state) || ContinuousClock.now >= deadline { return state }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func tapButton(_ kind: STUPromptButtonKind) async throws {
        let centre = try STURig.centre(of: kind)
        try await control.tap(x: centre.x, y: centre.y)
    }

    @Test func capabilityAndInformationAreReadFromThePad() async throws {
        let pad = try await STURig.enabledPad(control)
        let information = try #require(await pad.information)
        #expect(information.modelName == "STU-540")
        #expect(information.firmwareVersion == "1.10")
        #expect(await pad.capability == STUModel.stu540.nominalCapability)
        #expect(await pad.model == .stu540)
        #expect(await pad.kernelDriver == .detached)
        #expect(await pad.state == .idle)
        #expect(await pad.powerState == .online)

        let state = try await control.state()
        #expect(state.penDataOptionMode == 3)
        #expect(state.claimed)
        #expect(state.kernelDriver == nil)
        #expect(state.getReports.contains(0x08) && state.getReports.contains(0x09))
        #expect(!state.inking)
        #expect(state.pendingReads == pad.configuration.transfersInFlight)

        let health = await pad.checkHealth(.external)
        #expect(health.isHealthy, "\(health)")
        #expect(health.description.contains("STU-540 firmware 1.10"))

        await pad.close()
        #expect(await pad.state == .closed)
        let after = try await control.state()
        #expect(!after.claimed)
        #expect(after.kernelDriver == "usbhid")
    }

    @Test func failingKernelDriverQueryIsTolerated() async throws {
        try await control.plug()
        try await control.reset()
        try await control.makeKernelDriverQueryFail()
        let pad = STUSignaturePad(context: try USBEventContext())
        try await pad.open()
        try await pad.claim()
        #expect(await pad.kernelDriver == .unknown(code: -99))
        try await pad.enable()
        #expect(await pad.isEnabled)
        await pad.close()
        try await control.reset()
    }

    @Test(arguments: [USBHotplugStrategy.automatic, .polling])
    func hotplugEventsFollowTheCable(strategy: USBHotplugStrategy) async throws {
        try await control.plug()
        let context = try USBEventContext()
        var events = context.hotplugEvents(
            vendorID: 0x056A, productID: 0x00A8, includeExisting: true, pollInterval: .milliseconds(100),
            strategy: strategy
        ).makeAsyncIterator()
        let present = await events.next()
        #expect(present.map { if case .arrived = $0 { true } else { false } } == true)
        try await control.unplug()
        let left = await events.next()
        #expect(left.map { if case .left = $0 { true } else { false } } == true)
        #expect(left?.device == present?.device)
        try await control.plug()
        let back = await events.next()
        #expect(back.map { if case .arrived = $0 { true } else { false } } == true)
    }

    @Test func usbLayerTimesOutStallsAndReadsContinuously() async throws {
        try await control.plug()
        try await control.reset()
        let context = try USBEventContext()
        let handle = try context.openDevice(vendorID: 0x056A, productIDs: [0x00A8])
        #expect(handle.info.description == "bus 1 device 2 056a:00a8")
        #expect(try handle.claimInterface(0) == .detached)

        // GET_REPORT with the wrong length: the pad stalls endpoint 0.
        let wrongLength = USBControlSetup(requestType: 0xA1, request: 0x01, value: 0x0309, index: 0, length: 16)
        let stall = await #expect(throws: USBError.self) {
            _ = try await handle.controlTransfer(wrongLength, timeout: .seconds(1))
        }
        #expect(stall?.code == -9)
        let capability = USBControlSetup(requestType: 0xA1, request: 0x01, value: 0x0309, index: 0, length: 17)
        #expect(try await handle.controlTransfer(capability, timeout: .seconds(1)).count == 17)

        // No pen data: a single interrupt read times out.
        let silent = await #expect(throws: USBError.self) {
            _ = try await handle.interruptTransfer(endpoint: 0x81, length: 64, timeout: .milliseconds(100))
        }
        #expect(silent?.isTimeout == true)

        // The continuous reader: timeouts give nil, reports arrive in order.
        let reader = try handle.interruptReader(endpoint: 0x81, length: 64, transfersInFlight: 3)
        for _ in 0..<20 { #expect(try await reader.next(timeout: .zero) == nil) }
        #expect(try await reader.next(timeout: .milliseconds(50)) == nil)
        let reports = (0..<30).map { [0x34, 0x80, 0x00, 0x00, UInt8($0), 0x00, 0x10, 0x00, 0x00, 0x00, UInt8($0)] }
        for report in reports { try await control.inject(report) }
        var received: [[UInt8]] = []
        while received.count < reports.count, let report = try await reader.next(timeout: .seconds(2)) {
            received.append(report)
        }
        #expect(received == reports)
        await handle.close()
        let stopped = await #expect(throws: USBError.self) { _ = try await reader.next(timeout: .zero) }
        #expect(stopped?.isCancellation == true)
        let after = try await control.state()
        #expect(!after.claimed && after.kernelDriver == "usbhid" && after.pendingReads == 0)
    }

    @Test func promptImageIsUploadedInBlocksOfAtMost253Bytes() async throws {
        let pad = try await STURig.enabledPad(control)
        let layout = try await pad.showPrompt(STURig.prompt)
        #expect(layout.image.width == 800 && layout.image.height == 480)
        let upload = try #require(try await control.state().uploads.last)
        #expect(upload.encoding == 0x00)
        #expect(upload.committed == true)
        #expect(upload.bytes == 800 / 8 * 480)
        #expect(upload.blocks.allSatisfy { $0 >= 1 && $0 <= 253 })
        #expect(upload.blocks.dropLast().allSatisfy { $0 == 253 })
        #expect(upload.blocks.count == (48_000 + 252) / 253)
        #expect(await pad.statistics.imageBlocksWritten == upload.blocks.count)
        #expect(await pad.statistics.imagesUploaded == 1)
        await pad.close()
    }

    @Test func colorPromptUsesRGB565Blocks() async throws {
        let pad = try await STURig.enabledPad(control, configuration: .init(promptImageFormat: .color))
        _ = try await pad.showPrompt(STURig.prompt)
        let upload = try #require(try await control.state().uploads.last)
        #expect(upload.encoding == 0x02)
        #expect(upload.committed == true)
        #expect(upload.bytes == 800 * 480 * 2)
        #expect(upload.blocks.count == (768_000 + 252) / 253)
        #expect(upload.blocks.allSatisfy { $0 <= 253 })
        await pad.close()
    }

    @Test func playedStrokeBecomesARecordAndAPicture() async throws {
        let pad = try await STURig.enabledPad(control)
        let capture = startCapture(pad)
        try await control.waitForInking()
        let stroke = STURig.stroke()
        try await control.play(stroke)
        try await tapButton(.ok)
        let signature = try await capture.value

        #expect(signature.documentSHA256 == STURigSHA256.hash(STURig.signedText))
        let representation = try #require(signature.record.representations.first)
        let maxY = Int(STUModel.stu540.tabletMaxY)
        #expect(representation.points.count == stroke.count)
        for (point, played) in zip(representation.points, stroke) {
            #expect(point[.x] == played.x)
            #expect(point[.y] == maxY - played.y)
            #expect(point[.force] == played.pressure)
            #expect(point[.tipSwitch] == (played.touching ? 1 : 0))
        }
        let times = representation.points.compactMap { $0[.time] }
        #expect(times.count == stroke.count)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        #expect((times.last ?? 0) >= 5 * (stroke.count - 2))

        let encoded = try signature.record.encoded()
        #expect(try ISO19794_7Record(decoding: encoded) == signature.record)
        #expect(try SignatureRecordCapture(sealingPayload: signature.sealingPayload()) == signature)

        if let path = ProcessInfo.processInfo.environment["STU_RIG_PNG_OUT"] {  // for a person to look at
            try Data(signature.png).write(to: URL(fileURLWithPath: path))
        }
        let image = try PNGDecoder.decodeGrayscale(signature.png)
        let transform = SignatureImageTransform(
            tabletMaxX: 10_800, tabletMaxY: 6_480, width: image.width, height: image.height, padding: 8)
        for played in stroke where played.touching {
            let pixel = transform.imagePoint(x: UInt16(played.x), y: UInt16(played.y))
            let index = Int(pixel.y) * image.width + Int(pixel.x)
            #expect(image.pixels[index] < 128, "no ink at \(pixel)")
        }
        #expect(image.pixels[0] == 255 && image.pixels[image.pixels.count - 1] == 255)

        let counters = try #require(await pad.lastCaptureCounters)
        #expect(counters.rejected == 0)
        #expect(counters.accepted == stroke.count + 3)
        #expect(await pad.statistics.capturesCompleted == 1)
        #expect(await pad.state == .idle)
        let area = STURig.prompt.render(for: .stu540).handwritingArea
        let state = try await control.state()
        #expect(!state.inking)
        #expect(
            state.handwritingArea
                == [area.upperLeftX, area.upperLeftY, area.lowerRightX, area.lowerRightY].map { Int($0) })
        await pad.close()
    }

    @Test func changingOneCharacterOfTheSignedTextBreaksTheBinding() async throws {
        let pad = try await STURig.enabledPad(control)
        let capture = startCapture(pad)
        try await control.waitForInking()
        try await control.play(STURig.stroke(count: 30))
        try await tapButton(.ok)
        let signature = try await capture.value
        await pad.close()

        let original = STURigSHA256.hash(STURig.signedText)
        let altered = STURigSHA256.hash(STURig.signedText.replacingOccurrences(of: "37,00", with: "37,01"))
        #expect(original != altered)
        #expect(
            try SignatureRecordCapture(documentSHA256: original, record: signature.record, png: signature.png)
                == signature)
        #expect(throws: SignatureRecordError.digestMismatch) {
            _ = try SignatureRecordCapture(documentSHA256: altered, record: signature.record, png: signature.png)
        }
        var payload = try signature.sealingPayload()
        payload[5 + 9] ^= 0x01  // one bit of the digest in the sealing payload
        #expect(throws: SignatureRecordError.digestMismatch) { _ = try SignatureRecordCapture(sealingPayload: payload) }
    }

    @Test func malformedPenReportsAreRejectedAndCounted() async throws {
        let pad = try await STURig.enabledPad(control)
        let capture = startCapture(pad)
        try await control.waitForInking()
        let stroke = STURig.stroke(count: 40)
        try await control.play(Array(stroke.prefix(20)))
        try await control.inject([0x34, 0x91, 0x2C, 0x10, 0x00, 0x10])  // short: 6 of 11 bytes
        try await control.inject([0x55, 0x91, 0x2C, 0x10, 0x00, 0x10, 0x00, 0x00, 0x10, 0x00, 0x01])  // wrong id
        try await control.inject(
            STUPenSample(x: 20_000, y: 3000, pressure: 300, rdy: true, sw: true, timeCount: 1, sequence: 1)
                .encodedReport())  // x beyond 10800
        try await control.inject(
            STUPenSample(x: 2000, y: 3000, pressure: 4000, rdy: true, sw: true).encodedReport())  // pressure > 1023
        try await control.play(Array(stroke.dropFirst(20)))
        try await tapButton(.ok)
        let signature = try await capture.value

        let counters = try #require(await pad.lastCaptureCounters)
        #expect(counters.wrongLength == 1)
        #expect(counters.wrongReportID == 1)
        #expect(counters.outOfRange == 2)
        #expect(counters.rejected == 4)
        let points = try #require(signature.record.representations.first).points
        #expect(points.map { $0[.x] } == stroke.map { $0.x })
        #expect(await pad.statistics.penReports.rejected == 4)
        let health = await pad.checkHealth(.internal)
        #expect(health.description.contains("rejected pen reports 4"))
        await pad.close()
    }

    @Test func unplugMidCaptureIsAClearErrorAndNothingIsProduced() async throws {
        let pad = try await STURig.enabledPad(control)
        let arrivals = pad.hotplugEvents()
        let capture = startCapture(pad)
        try await control.waitForInking()
        try await control.play(Array(STURig.stroke().prefix(25)))
        try await control.drain()
        try await control.unplug()

        let result = await capture.result
        #expect(throws: STUPadError.deviceRemoved) { try result.get() }
        #expect(await pad.powerState == .offOffline)
        #expect(await pad.state == .error)
        #expect(await pad.isEnabled == false)
        #expect(await pad.statistics.capturesCompleted == 0)
        #expect(await pad.statistics.capturesFailed == 1)
        #expect(await pad.statistics.removals == 1)
        #expect(await pad.statistics.lastError?.contains("unplugged") == true)
        await #expect(throws: STUPadError.deviceRemoved) {
            _ = try await pad.captureSignature(
                prompt: STURig.prompt, documentSHA256: STURigSHA256.hash("x"), timeout: .seconds(1))
        }

        // Plugging the pad back in is an arrival; after close and open it works again.
        try await control.plug()
        var arrived: USBHotplugEvent?
        for await event in arrivals {
            if case .arrived = event {
                arrived = event
                break
            }
        }
        #expect(arrived?.device.productID == 0x00A8)
        await pad.close()
        try await pad.open()
        try await pad.claim()
        try await pad.enable()
        #expect(await pad.powerState == .online)
        #expect(await pad.checkHealth(.external).isHealthy)
        await pad.close()
    }

    @Test func cancelOnThePadEndsTheCaptureWithoutSignature() async throws {
        let pad = try await STURig.enabledPad(control)
        let capture = startCapture(pad)
        try await control.waitForInking()
        try await control.play(STURig.stroke(count: 20))
        try await tapButton(.cancel)
        let result = await capture.result
        #expect(throws: STUPadError.cancelledBySigner) { try result.get() }
        #expect(await pad.state == .idle)
        #expect(try await control.state().inking == false)
        await pad.close()
    }

    @Test func retryClearsTheFirstAttempt() async throws {
        let pad = try await STURig.enabledPad(control)
        let capture = startCapture(pad)
        try await control.waitForInking()
        try await control.play(STURig.stroke(count: 20))
        try await tapButton(.retry)
        let again = try await waitUntil { $0.uploads.count == 2 && $0.inking }
        #expect(again.uploads.count == 2 && again.inking)
        let second = STURig.stroke(count: 35)
        try await control.play(second)
        try await tapButton(.ok)
        let signature = try await capture.value
        #expect(signature.record.representations.first?.points.count == second.count)
        #expect(await pad.statistics.imagesUploaded == 2)
        await pad.close()
    }

    @Test func okWithoutInkIsIgnoredUntilTheTimeout() async throws {
        let pad = try await STURig.enabledPad(control)
        let capture = startCapture(pad, timeout: .seconds(2))
        try await control.waitForInking()
        try await tapButton(.ok)
        let result = await capture.result
        #expect(throws: STUPadError.captureTimedOut) { try result.get() }
        await pad.close()
    }
}
