import CFPrint
import Foundation
import KitFingerprintShims

/// A fingerprint scanner driven through libfprint 2 (`FpDevice`): `claim` opens the device
/// (`fp_device_open`), `capture` waits for a finger and returns its image (`fp_device_capture` with
/// wait-for-finger, a `GCancellable` for timeout and cancellation), `release` closes it.
///
/// Images come out at 500 ppi: libfprint reports each image's resolution (`fp_image_get_ppmm`); an
/// image more than 1 % off 500 ppi is resampled (`FingerprintImageResampler`) and the scan says so.
/// Note that libfprint runs NBIS minutiae detection on every captured image and turns an image without
/// any minutiae (no finger, blank, far too small) into a "retry" error instead of returning it.
///
/// Removal of the device (libfprint `FP_DEVICE_ERROR_REMOVED`, the device's "removed" property) ends
/// the running capture with `.deviceRemoved` and puts the scanner into the error state; every later
/// capture fails at once until the scanner is closed and a new one is opened. Every wait has a
/// timeout, and a libfprint operation that does not answer a cancellation within
/// `cancellationGrace` is abandoned, so no caller can hang.
public actor LibfprintScanner: FingerprintScanner {
    /// How long libfprint may take to confirm a cancellation before the wait is abandoned.
    public static let cancellationGrace: Duration = .seconds(3)
    /// Smallest image side accepted from a scanner (a flat finger at 500 ppi is ~250 px or more).
    public static let minimumImageSide = 32

    public nonisolated let info: FingerprintScannerInfo
    private let library: LibfprintContext
    private var loop: LibfprintMainLoop { library.loop }
    private let monitor = LibfprintDeviceMonitor()
    private var device: LibfprintPointer?
    private var signalHandlers: [UInt] = []
    private var claimed = false
    private var enabled = false
    private var operations = 0
    private var fault: FingerprintScannerError?
    private var currentCapture: (call: LibfprintPendingCall<FingerprintScan>, cancellable: LibfprintPointer)?
    public private(set) var statistics = FingerprintScannerStatistics()

    init(info: FingerprintScannerInfo, library: LibfprintContext) {
        self.info = info
        self.library = library
    }

    public var state: DeviceState {
        if device == nil { return .closed }
        if fault != nil || monitor.removed { return .error }
        return operations > 0 ? .busy : .idle
    }

    public var power: DevicePower {
        if monitor.removed { return .offOffline }
        return claimed ? .online : .unknown
    }

    /// The error that put the scanner into the error state, if any.
    public var lastFault: FingerprintScannerError? {
        monitor.removed ? .deviceRemoved : fault
    }

    // MARK: Life cycle

    public func open() async throws(FingerprintScannerError) {
        guard device == nil else { throw .invalidState(operation: "open", state: "already open") }
        let wanted = info.id
        let context = library.context
        let monitor = self.monitor
        let call = LibfprintPendingCall<(LibfprintPointer, [UInt])>()
        let queued = loop.perform {
            for candidate in LibfprintContext.devices(of: context)
            where LibfprintContext.describe(candidate).id == wanted {
                g_object_ref(candidate.raw)
                call.finish(.success((candidate, Self.watch(candidate, monitor: monitor))))
                return
            }
            call.finish(.failure(.scannerNotFound(id: wanted)))
        }
        guard queued else { throw .libraryUnavailable("GLib main loop") }
        let (found, handlers) = try await call.wait().get()
        device = found
        signalHandlers = handlers
        fault = nil
    }

    public func claim(timeout: Duration = .seconds(5)) async throws(FingerprintScannerError) {
        guard let device else { throw .invalidState(operation: "claim", state: "closed") }
        guard !claimed else { throw .invalidState(operation: "claim", state: "already claimed") }
        if monitor.removed { throw .deviceRemoved }
        operations += 1
        defer { operations -= 1 }
        let result = await run(operation: "opening the scanner", timeout: timeout) { cancellable, completion in
            fp_device_open(device.device, cancellable.cancellable, LibfprintAsyncCompletion.callback, completion)
        } finish: { asyncResult, timedOut, seconds in
            var error: UnsafeMutablePointer<GError>?
            if fp_device_open_finish(device.device, asyncResult, &error) != 0 { return .success(true) }
            return .failure(
                LibfprintErrors.take(error, operation: "opening the scanner", timedOut: timedOut, seconds: seconds))
        }
        switch result {
        case .success:
            claimed = true
            fault = nil
        case .failure(let error):
            record(error)
            throw error
        }
    }

    public func enable() async throws(FingerprintScannerError) {
        guard claimed else { throw .invalidState(operation: "enable", state: device == nil ? "closed" : "not claimed") }
        try checkPresent()
        enabled = true
    }

    public func disable() async {
        enabled = false
    }

    public func release() async {
        enabled = false
        if let running = currentCapture {
            let cancellable = running.cancellable
            loop.perform { g_cancellable_cancel(cancellable.cancellable) }
            _ = await running.call.wait()
        }
        guard claimed, let device else { return }
        claimed = false
        operations += 1
        defer { operations -= 1 }
        // Errors while closing (e.g. the device is already gone) leave nothing to undo.
        _ = await run(operation: "closing the scanner", timeout: .seconds(5)) { cancellable, completion in
            fp_device_close(device.device, cancellable.cancellable, LibfprintAsyncCompletion.callback, completion)
        } finish: { asyncResult, _, _ in
            var error: UnsafeMutablePointer<GError>?
            // libfprint 1.94 refuses to close a removed device ("This device has been removed").
            if fp_device_close_finish(device.device, asyncResult, &error) == 0, let error { g_error_free(error) }
            return .success(true)
        }
    }

    public func close() async {
        await release()
        guard let device else { return }
        let handlers = signalHandlers
        self.device = nil
        signalHandlers = []
        fault = nil
        loop.perform {
            for handler in handlers { g_signal_handler_disconnect(device.raw, gulong(handler)) }
            g_object_unref(device.raw)
        }
    }

    // MARK: Capture

    public func capture(
        timeout: Duration = .seconds(30), events: (@Sendable (FingerprintScannerEvent) -> Void)? = nil
    ) async throws(FingerprintScannerError) -> FingerprintScan {
        guard let device else { throw .invalidState(operation: "capture", state: "closed") }
        guard claimed else { throw .invalidState(operation: "capture", state: "not claimed") }
        guard enabled else { throw .invalidState(operation: "capture", state: "disabled") }
        guard currentCapture == nil else { throw .busy }
        try checkPresent()
        guard info.canCapture else { throw .captureNotSupported(driver: info.driver) }

        statistics.capturesStarted += 1
        operations += 1
        monitor.setHandler(events)
        defer {
            monitor.setHandler(nil)
            operations -= 1
        }
        let operation = "waiting for a finger"
        let result = await run(operation: operation, timeout: timeout) { cancellable, completion in
            fp_device_capture(device.device, 1, cancellable.cancellable, LibfprintAsyncCompletion.callback, completion)
        } finish: { asyncResult, timedOut, seconds in
            var error: UnsafeMutablePointer<GError>?
            guard let image = fp_device_capture_finish(device.device, asyncResult, &error) else {
                return .failure(LibfprintErrors.take(error, operation: operation, timedOut: timedOut, seconds: seconds))
            }
            defer { g_object_unref(UnsafeMutableRawPointer(image)) }
            return Self.scan(from: image)
        } started: { call, cancellable in
            self.currentCapture = (call, cancellable)
        }
        currentCapture = nil
        switch result {
        case .success(let scan):
            statistics.capturesSucceeded += 1
            if scan.resampled { statistics.resampledImages += 1 }
            return scan
        case .failure(let error):
            record(error)
            throw error
        }
    }

    /// Cancels a running capture; it ends with `.cancelled`.
    public func cancelCapture() {
        guard let cancellable = currentCapture?.cancellable else { return }
        loop.perform { g_cancellable_cancel(cancellable.cancellable) }
    }

    // MARK: Health

    public func checkHealth(_ level: FingerprintHealthLevel) async -> FingerprintHealthReport {
        var findings = [
            "backend: \(info.backend)", "driver: \(info.driver)", "device: \(info.deviceID) (\(info.name))",
            "state: \(state)", "power: \(power)",
            "captures: \(statistics.capturesSucceeded)/\(statistics.capturesStarted), retries \(statistics.retries), "
                + "timeouts \(statistics.timeouts), errors \(statistics.communicationErrors)",
        ]
        if let lastError = statistics.lastError { findings.append("last error: \(lastError)") }
        var healthy = lastFault == nil && device != nil
        if level == .internal {
            return FingerprintHealthReport(level: level, healthy: healthy, findings: findings)
        }

        let present = await library.scanners().contains { $0.id == info.id }
        findings.append(present ? "attached: yes" : "attached: no")
        healthy = healthy && present
        if let device {
            let call = LibfprintPendingCall<(Bool, String)>()
            if loop.perform({
                let open = fp_device_is_open(device.device) != 0
                let temperature: String
                switch fp_device_get_temperature(device.device) {
                case FP_TEMPERATURE_HOT: temperature = "hot (must cool down)"
                case FP_TEMPERATURE_WARM: temperature = "warm"
                default: temperature = "cold"
                }
                call.finish(.success((open, temperature)))
            }), let (open, temperature) = try? await call.wait().get() {
                findings.append("open in libfprint: \(open ? "yes" : "no")")
                findings.append("temperature: \(temperature)")
                healthy = healthy && !temperature.hasPrefix("hot")
            }
        }
        findings.append(info.canCapture ? "image capture: supported" : "image capture: NOT supported")
        healthy = healthy && info.canCapture
        if level == .external {
            return FingerprintHealthReport(level: level, healthy: healthy, findings: findings)
        }

        do {
            let scan = try await capture(timeout: .seconds(30), events: nil)
            let quality = FingerprintQuality(assessing: scan.image)
            findings.append(
                "test capture: \(scan.image.width)×\(scan.image.height) px, quality \(quality.score)/100"
                    + (quality.issues.isEmpty
                        ? "" : " (" + quality.issues.map(\.rawValue).joined(separator: ", ") + ")"))
        } catch {
            findings.append("test capture failed: \(error)")
            healthy = false
        }
        return FingerprintHealthReport(level: level, healthy: healthy, findings: findings)
    }

    // MARK: Internals

    private func checkPresent() throws(FingerprintScannerError) {
        if monitor.removed { throw .deviceRemoved }
        if let fault, !fault.isRetryable { throw fault }
    }

    private func record(_ error: FingerprintScannerError) {
        statistics.lastError = error.description
        switch error {
        case .retry, .invalidImage: statistics.retries += 1
        case .timeout: statistics.timeouts += 1
        case .cancelled, .busy, .invalidState: break
        case .deviceRemoved:
            statistics.communicationErrors += 1
            monitor.markRemoved()
            fault = error
        default:
            statistics.communicationErrors += 1
            fault = error
        }
    }

    /// Starts an asynchronous libfprint call on the loop thread and waits for it, its timeout, or
    /// the caller's cancellation, whichever comes first.
    private func run<Value: Sendable>(
        operation: String, timeout: Duration,
        start: @escaping @Sendable (LibfprintPointer, UnsafeMutableRawPointer) -> Void,
        finish: @escaping @Sendable (OpaquePointer?, Bool, Double) -> Result<Value, FingerprintScannerError>,
        started: (LibfprintPendingCall<Value>, LibfprintPointer) -> Void = { _, _ in }
    ) async -> Result<Value, FingerprintScannerError> {
        let loop = self.loop
        let call = LibfprintPendingCall<Value>()
        let seconds = LibfprintErrors.seconds(timeout)
        let graceMilliseconds = LibfprintErrors.milliseconds(Self.cancellationGrace)
        guard let rawCancellable = g_cancellable_new() else {
            return .failure(.libraryUnavailable("GCancellable"))
        }
        let cancellable = LibfprintPointer(UnsafeMutableRawPointer(rawCancellable))
        let timer = LibfprintTimerID()
        let queued = loop.perform {
            let completion = LibfprintAsyncCompletion { asyncResult in
                loop.cancelTimer(timer.value)
                call.finish(finish(asyncResult, call.timedOut, seconds))
            }
            start(cancellable, Unmanaged.passRetained(completion).toOpaque())
            timer.value = loop.addTimer(milliseconds: LibfprintErrors.milliseconds(timeout)) {
                call.timedOut = true
                g_cancellable_cancel(cancellable.cancellable)
                loop.addTimer(milliseconds: graceMilliseconds) {
                    call.finish(.failure(.timeout(operation: operation, seconds: seconds)))
                }
            }
        }
        guard queued else {
            g_object_unref(cancellable.raw)
            return .failure(.libraryUnavailable("GLib main loop"))
        }
        started(call, cancellable)
        let outcome = await withTaskCancellationHandler {
            await call.wait()
        } onCancel: {
            loop.perform {
                g_cancellable_cancel(cancellable.cancellable)
                loop.addTimer(milliseconds: graceMilliseconds) { call.finish(.failure(.cancelled)) }
            }
        }
        // libfprint holds its own reference while the operation runs.
        loop.perform { g_object_unref(cancellable.raw) }
        return outcome
    }

    /// Connects the removal and finger-status notifications (loop thread only).
    private static func watch(_ device: LibfprintPointer, monitor: LibfprintDeviceMonitor) -> [UInt] {
        let removed = kit_fprint_connect_notify(
            device.raw, "removed",
            { _, _, data in
                // The "removed" property only ever changes from FALSE to TRUE.
                guard let data else { return }
                Unmanaged<LibfprintDeviceMonitor>.fromOpaque(data).takeUnretainedValue().markRemoved()
            }, Unmanaged.passRetained(monitor).toOpaque(),
            { data in
                if let data { Unmanaged<LibfprintDeviceMonitor>.fromOpaque(data).release() }
            })
        let finger = kit_fprint_connect_notify(
            device.raw, "finger-status",
            { object, _, data in
                guard let data, let object else { return }
                let flags = fp_device_get_finger_status(
                    UnsafeMutableRawPointer(object).assumingMemoryBound(to: FpDevice.self))
                Unmanaged<LibfprintDeviceMonitor>.fromOpaque(data).takeUnretainedValue().fingerStatusChanged(
                    flags.rawValue)
            }, Unmanaged.passRetained(monitor).toOpaque(),
            { data in
                if let data { Unmanaged<LibfprintDeviceMonitor>.fromOpaque(data).release() }
            })
        return [UInt(removed), UInt(finger)]
    }

    /// Copies a libfprint image into a 500 ppi `FingerprintScan` (loop thread only).
    static func scan(from image: OpaquePointer) -> Result<FingerprintScan, FingerprintScannerError> {
        let width = Int(fp_image_get_width(image))
        let height = Int(fp_image_get_height(image))
        var length = 0
        let data = fp_image_get_data(image, &length)
        guard let data, width >= minimumImageSide, height >= minimumImageSide, length == width * height else {
            return .failure(.invalidImage(width: width, height: height, bytes: length))
        }
        let pixels = Array(UnsafeBufferPointer(start: data, count: length))
        let ppmm = fp_image_get_ppmm(image)
        let ppi = ppmm.isFinite && ppmm > 0 ? ppmm * 25.4 : FingerprintImageResampler.targetPPI
        let original = FingerprintImage(width: width, height: height, pixels: pixels, ppi: Int(ppi.rounded()))
        let resampled = FingerprintImageResampler.needsResampling(ppi: ppi)
        let image = FingerprintImageResampler.resample(original, fromPPI: ppi)
        return .success(FingerprintScan(image: image, deviceResolution: ppi, resampled: resampled))
    }
}

/// A GLib source id shared between the closures of one call (loop thread only).
final class LibfprintTimerID: @unchecked Sendable {
    var value: UInt32 = 0
}
