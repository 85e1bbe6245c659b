import Foundation
import KitSimulators
import Testing

@testable import KitDrivers

/// Collects scanner events from the backend thread.
final class FingerprintEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [FingerprintScannerEvent] = []

    func append(_ event: FingerprintScannerEvent) { lock.withLock { events.append(event) } }
    var all: [FingerprintScannerEvent] { lock.withLock { events } }
}

/// Runs `body` with a started rig and always stops the rig afterwards.
func withLibfprintRig(
    _ sequence: String, _ body: (LibfprintRig) async throws -> Void
) async throws {
    let rig = try await LibfprintRig.start(try FingerprintSimulatorScript(sequence: sequence))
    do {
        try await body(rig)
    } catch {
        await rig.stop()
        throw error
    }
    await rig.stop()
}

/// Expects `capture` to fail with `expected`, within `limit`.
func expectCaptureError(
    _ rig: LibfprintRig, timeout: Duration = .seconds(10), limit: Duration = .seconds(15),
    _ expected: FingerprintScannerError, sourceLocation: SourceLocation = #_sourceLocation
) async {
    let started = ContinuousClock.now
    do {
        let scan = try await rig.scanner.capture(timeout: timeout, events: rig.feed)
        Issue.record(
            "expected \(expected), got an image of \(scan.image.width)×\(scan.image.height)",
            sourceLocation: sourceLocation)
    } catch {
        #expect(error == expected, sourceLocation: sourceLocation)
    }
    #expect(ContinuousClock.now - started < limit, sourceLocation: sourceLocation)
}

@Suite("libfprint scanner through the virtual image device", .serialized)
struct LibfprintScannerTests {
    @Test("libfprint offers the virtual image device as a scanner that can capture")
    func enumeration() async throws {
        _ = LibfprintRig.socketPath
        let context = try await LibfprintContext.create()
        let scanners = await context.scanners()
        await context.shutdown()
        let info = try #require(scanners.first { $0.driver == "virtual_image" })
        #expect(info.backend == "libfprint")
        #expect(info.canCapture)
        #expect(info.id == "virtual_image/\(info.deviceID)")
    }

    @Test("a clean synthetic finger arrives unchanged at 500 ppi, with the scanner's events")
    func cleanCapture() async throws {
        try await withLibfprintRig("clean:7") { rig in
            let log = FingerprintEventLog()
            let feed = rig.feed
            let scan = try await rig.scanner.capture(timeout: .seconds(10)) { event in
                log.append(event)
                feed(event)
            }
            let expected = FingerprintSimulatorImage(picture: .finger(.none), seed: 7).render()
            let same = scan.image == expected
            #expect(same, "the scanner returned another image than the one sent")
            #expect(scan.deviceResolution == 500)
            #expect(!scan.resampled)
            #expect(log.all == [.waitingForFinger, .fingerPresent, .fingerRemoved])
            #expect(await rig.scanner.statistics.capturesSucceeded == 1)
            #expect(await rig.scanner.state == .idle)
            #expect(await rig.scanner.power == .online)
        }
    }

    @Test("life cycle: capture needs claim and enable; claiming twice is refused; close returns to closed")
    func lifeCycle() async throws {
        _ = LibfprintRig.socketPath
        let context = try await LibfprintContext.create()
        let info = try #require(await context.scanners().first { $0.driver == "virtual_image" })
        let scanner = context.scanner(info)
        #expect(await scanner.state == .closed)
        await #expect(throws: FingerprintScannerError.invalidState(operation: "capture", state: "closed")) {
            try await scanner.capture(timeout: .seconds(1), events: nil)
        }
        try await scanner.open()
        #expect(await scanner.state == .idle)
        await #expect(throws: FingerprintScannerError.invalidState(operation: "capture", state: "not claimed")) {
            try await scanner.capture(timeout: .seconds(1), events: nil)
        }
        try await scanner.claim(timeout: .seconds(5))
        await #expect(throws: FingerprintScannerError.invalidState(operation: "claim", state: "already claimed")) {
            try await scanner.claim(timeout: .seconds(5))
        }
        await #expect(throws: FingerprintScannerError.invalidState(operation: "capture", state: "disabled")) {
            try await scanner.capture(timeout: .seconds(1), events: nil)
        }
        try await scanner.enable()
        let health = await scanner.checkHealth(.external)
        #expect(health.healthy, "\(health.text)")
        await scanner.close()
        #expect(await scanner.state == .closed)
        await context.shutdown()
    }

    @Test("an unknown scanner id cannot be opened")
    func unknownScanner() async throws {
        let context = try await LibfprintContext.create()
        let scanner = context.scanner(
            FingerprintScannerInfo(
                backend: "libfprint", driver: "nonexistent", deviceID: "9", name: "", scanType: .press,
                canCapture: true))
        await #expect(throws: FingerprintScannerError.scannerNotFound(id: "nonexistent/9")) {
            try await scanner.open()
        }
        await context.shutdown()
    }

    @Test("nobody places a finger: the capture ends with a timeout, no hang")
    func timeoutWithoutFinger() async throws {
        try await withLibfprintRig("") { rig in
            await expectCaptureError(
                rig, timeout: .seconds(1), limit: .seconds(5), .timeout(operation: "waiting for a finger", seconds: 1))
            #expect(await rig.scanner.statistics.timeouts == 1)
            #expect(await rig.scanner.state == .idle)
        }
    }

    @Test("a capture cancelled by the caller ends promptly with .cancelled")
    func cancellation() async throws {
        try await withLibfprintRig("") { rig in
            let scanner = rig.scanner
            let task = Task { try await scanner.capture(timeout: .seconds(30), events: nil) }
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            task.cancel()
            let result = await task.result
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(throws: FingerprintScannerError.cancelled) { try result.get() }
        }
    }

    @Test("a 0×0 image never reaches the caller: timeout, and after reconnecting the scanner works")
    func emptyImage() async throws {
        try await withLibfprintRig("empty,reconnect,clean:3") { rig in
            await expectCaptureError(
                rig, timeout: .seconds(2), limit: .seconds(8), .timeout(operation: "waiting for a finger", seconds: 2))
            let scan = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
            let same = scan.image == FingerprintSimulatorImage(picture: .finger(.none), seed: 3).render()
            #expect(same, "the scanner returned another image than the one sent")
        }
    }

    @Test("a 1×5000 image is refused by libfprint's minutiae detection: retry")
    func sliverImage() async throws {
        try await withLibfprintRig("sliver,clean") { rig in
            await expectCaptureError(rig, .retry(.general))
            _ = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
            #expect(await rig.scanner.statistics.retries == 1)
        }
    }

    @Test("a frame cut off mid-image (client hangs up): retry or timeout, no crash; the next connection works")
    func truncatedFrame() async throws {
        try await withLibfprintRig("truncated:5000,clean:4") { rig in
            // libfprint 1.94 passes the zero-filled rest on to minutiae detection, which finds nothing
            // (retry); other versions drop the frame (timeout). Either is a typed error, not a hang.
            let started = ContinuousClock.now
            do {
                _ = try await rig.scanner.capture(timeout: .seconds(2), events: rig.feed)
                Issue.record("a truncated frame was returned as an image")
            } catch let error as FingerprintScannerError {
                #expect(error == .retry(.general) || error == .timeout(operation: "waiting for a finger", seconds: 2))
            }
            #expect(ContinuousClock.now - started < .seconds(8))
            let scan = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
            let same = scan.image == FingerprintSimulatorImage(picture: .finger(.none), seed: 4).render()
            #expect(same, "the scanner returned another image than the one sent")
        }
    }

    @Test("retry commands map to the libfprint retry reason")
    func retryCommands() async throws {
        try await withLibfprintRig("retry:center,retry:remove-finger,clean") { rig in
            await expectCaptureError(rig, .retry(.centerFinger))
            await expectCaptureError(rig, .retry(.removeFinger))
            _ = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
        }
    }

    @Test("a device error puts the scanner into the error state until it is claimed again")
    func deviceError() async throws {
        try await withLibfprintRig("error:5,clean") { rig in
            await expectCaptureError(
                rig,
                .communication(message: "The driver encountered a protocol error with the device."))
            #expect(await rig.scanner.state == .error)
            await #expect(throws: FingerprintScannerError.self) {
                try await rig.scanner.capture(timeout: .seconds(1), events: nil)
            }
            await rig.scanner.release()
            try await rig.scanner.claim(timeout: .seconds(5))
            try await rig.scanner.enable()
            #expect(await rig.scanner.state == .idle)
            _ = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
        }
    }

    @Test("device removed mid-capture (-5): .deviceRemoved, error state, later captures fail at once")
    func deviceRemoved() async throws {
        try await withLibfprintRig("clean,remove,clean") { rig in
            _ = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
            await expectCaptureError(rig, .deviceRemoved)
            #expect(await rig.scanner.state == .error)
            #expect(await rig.scanner.power == .offOffline)
            await expectCaptureError(rig, timeout: .seconds(10), limit: .seconds(1), .deviceRemoved)
            let health = await rig.scanner.checkHealth(.internal)
            #expect(!health.healthy)
        }
    }

    @Test("finger detection commands: with automatic detection off the image needs a finger report")
    func fingerCommands() async throws {
        try await withLibfprintRig("detection:off,finger:on,clean:5,finger:off") { rig in
            let scan = try await rig.scanner.capture(timeout: .seconds(10), events: rig.feed)
            let same = scan.image == FingerprintSimulatorImage(picture: .finger(.none), seed: 5).render()
            #expect(same, "the scanner returned another image than the one sent")
        }
    }
}

extension LibfprintScannerTests {
    @Test("interactive health check takes a capture and reports its quality")
    func interactiveHealth() async throws {
        try await withLibfprintRig("clean:8") { rig in
            let scanner = rig.scanner
            let check = Task { await scanner.checkHealth(.interactive) }
            try await Task.sleep(for: .milliseconds(500))
            try await rig.simulator.sendNextCapture()
            let report = await check.value
            #expect(report.healthy, "\(report.text)")
            #expect(report.findings.contains { $0.hasPrefix("test capture: 400×500 px, quality") })
            #expect(report.text.hasPrefix("Fingerprint scanner (interactive): OK"))
        }
    }

    @Test("a scanner removed while open is reported as detached; shutdown ends the hotplug stream")
    func hotplug() async throws {
        let rig = try await LibfprintRig.start(try FingerprintSimulatorScript(sequence: "remove"))
        let received = FingerprintHotplugLog()
        // Subscribed before the capture: the watch is queued on the GLib loop ahead of the capture
        // that removes the device (a subscription made inside the task could come after it).
        let events = rig.context.hotplugEvents()
        let consumer = Task {
            for await event in events { received.append(event) }
            received.finish()
        }
        await expectCaptureError(rig, .deviceRemoved)
        #expect(await received.wait(until: { $0.events.count >= 1 }, within: .seconds(5)))
        #expect(received.snapshot.events == [.detached(rig.scanner.info)])
        await rig.stop()
        #expect(await received.wait(until: \.finished, within: .seconds(5)), "shutdown must end the stream")
        consumer.cancel()
    }
}

/// Hotplug events seen by a consumer task, with a bounded wait (tests must not hang).
final class FingerprintHotplugLog: @unchecked Sendable {
    struct Snapshot {
        var events: [FingerprintScannerHotplug] = []
        var finished = false
    }

    private let lock = NSLock()
    private var state = Snapshot()

    func append(_ event: FingerprintScannerHotplug) { lock.withLock { state.events.append(event) } }
    func finish() { lock.withLock { state.finished = true } }
    var snapshot: Snapshot { lock.withLock { state } }

    /// Polls until `condition` holds or `limit` has passed; returns whether it holds.
    func wait(until condition: (Snapshot) -> Bool, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !condition(snapshot) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
