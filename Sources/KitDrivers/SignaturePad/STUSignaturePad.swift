import Foundation

/// Pixel format of prompt images sent to the pad.
///
/// Wacom STU interface, EncodingMode of StartImageData (0x25).
public enum STUPromptImageFormat: Sendable, Equatable {
    /// 1 bit per pixel (encoding 0x00): every STU model, 48 000 bytes for 800 × 480, uploads in well under a
    /// second.
    case monochrome
    /// RGB 565 (encoding 0x02) where the pad announces it (STU-530/540): 16 times the data of monochrome.
    case color
}

/// A Wacom STU signature pad on USB, driven through libusb with the UnifiedPOS life cycle:
/// `open()` → `claim()` → `enable()` → `captureSignature(…)` … → `disable()` → `release()` → `close()`.
///
/// Enabling reads the Information (0x08) and Capability (0x09) reports, selects pen data option mode 3 (so
/// pen reports are 0x34 with time count and sequence number) and starts reading pen reports continuously at
/// the pad's report rate. A capture uploads the prompt in ImageDataBlock reports of at most 253 bytes,
/// switches the pad's own inking on inside the signing area and turns pen reports into an ISO/IEC 19794-7
/// record and a PNG bound to the SHA-256 of the signed text. Pulling the cable ends a capture with
/// `STUPadError.deviceRemoved` and nothing half-made; the pad then reports power `offOffline`.
///
/// Wacom STU HID interface (PROTOCOLS.md "Wacom STU signature pads"); UnifiedPOS 1.16 device model.
public actor STUSignaturePad {
    /// Settings that rarely change.
    public struct Configuration: Sendable {
        /// USB product ids (vendor 0x056A) this pad object will open, by default every supported STU.
        public var productIDs: Set<UInt16>
        /// The HID interface number.
        public var interfaceNumber: Int32
        /// The interrupt IN endpoint carrying pen reports.
        public var penEndpoint: UInt8
        /// Bytes requested per interrupt transfer (the endpoint's wMaxPacketSize).
        public var penTransferLength: Int
        /// Interrupt transfers kept submitted, so no pen report waits for the host.
        public var transfersInFlight: Int
        /// Timeout of one feature-report transfer.
        public var controlTimeout: Duration
        /// How long the pad may stay busy (e.g. writing an image) before it counts as failed.
        public var readyTimeout: Duration
        /// Pixel format of the prompt.
        public var promptImageFormat: STUPromptImageFormat
        /// Most samples one capture keeps.
        public var sampleLimit: Int

        public init(
            productIDs: Set<UInt16> = Set(STUModel.allCases.map(\.productID)), interfaceNumber: Int32 = 0,
            penEndpoint: UInt8 = 0x81, penTransferLength: Int = 64, transfersInFlight: Int = 4,
            controlTimeout: Duration = .seconds(1), readyTimeout: Duration = .seconds(3),
            promptImageFormat: STUPromptImageFormat = .monochrome,
            sampleLimit: Int = STUCaptureSession.defaultSampleLimit
        ) {
            self.productIDs = productIDs
            self.interfaceNumber = interfaceNumber
            self.penEndpoint = penEndpoint
            self.penTransferLength = penTransferLength
            self.transfersInFlight = transfersInFlight
            self.controlTimeout = controlTimeout
            self.readyTimeout = readyTimeout
            self.promptImageFormat = promptImageFormat
            self.sampleLimit = sampleLimit
        }
    }

    /// The libusb session the pad is opened in.
    public nonisolated let context: USBEventContext
    /// The settings given at creation.
    public nonisolated let configuration: Configuration

    /// UnifiedPOS state: closed, idle, busy (capturing) or error (e.g. unplugged while open).
    public private(set) var state = DeviceState.closed
    /// UnifiedPOS power state: online while the pad answers, offOffline after it was unplugged.
    public private(set) var powerState = DevicePower.unknown
    /// Whether this program holds the pad's HID interface.
    public private(set) var isClaimed = false
    /// Whether pen reports are being read.
    public private(set) var isEnabled = false
    /// The model, from the USB product id.
    public private(set) var model: STUModel?
    /// Where the pad sits on the bus.
    public private(set) var device: USBDeviceInfo?
    /// The Information report read by `enable()`.
    public private(set) var information: STUInformation?
    /// The Capability report read by `enable()`.
    public private(set) var capability: STUCapability?
    /// What claiming found about the kernel's HID driver.
    public private(set) var kernelDriver: USBKernelDriverStatus?
    /// Counters since creation (or `resetStatistics()`).
    public private(set) var statistics = STUPadStatistics()
    /// Pen-report counters of the last capture, kept after it ended (also after a failure).
    public private(set) var lastCaptureCounters: STUPenReportCounters?

    private var handle: USBDeviceHandle?
    private var link: STUHIDLink?
    private var reader: USBInterruptReader?
    private var monitor: Task<Void, Never>?
    private var operationRunning = false

    public init(context: USBEventContext, configuration: Configuration = Configuration()) {
        self.context = context
        self.configuration = configuration
    }

    deinit {
        // Dropped without close(): stop reading so the handle can go; libusb_close then releases the claim
        // (the kernel driver is not re-attached — call close() for that).
        reader?.cancel()
        monitor?.cancel()
    }

    // MARK: Life cycle

    /// Opens the first supported pad on the bus. Throws `noPadFound` when none is plugged in and
    /// `usb(…)` with the udev hint when the process lacks permission.
    public func open() async throws(STUPadError) {
        guard handle == nil else { throw .alreadyOpen }
        let opened: USBDeviceHandle
        do {
            opened = try context.openDevice(vendorID: STUModel.vendorID, productIDs: configuration.productIDs)
        } catch {
            let failure: STUPadError = error.isNotFound ? .noPadFound : .usb(error)
            statistics.lastError = failure.description
            throw failure
        }
        handle = opened
        link = STUHIDLink(
            handle: opened, interface: UInt16(clamping: configuration.interfaceNumber),
            timeout: configuration.controlTimeout)
        model = STUModel(productID: opened.info.productID)
        device = opened.info
        state = .idle
        powerState = .online
        statistics.opens += 1
        startMonitor(for: opened.info)
    }

    /// Claims the HID interface, detaching the kernel's HID driver where one is bound. Retries while another
    /// program holds the interface, up to `timeout`.
    public func claim(timeout: Duration = .seconds(1)) async throws(STUPadError) {
        guard let handle else { throw .notOpen }
        guard !isClaimed else { return }
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                kernelDriver = try handle.claimInterface(configuration.interfaceNumber)
                break
            } catch {
                if error.isBusy && ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                throw noteFailure(error.isDeviceGone ? .deviceRemoved : .usb(error))
            }
        }
        isClaimed = true
    }

    /// Reads Information and Capability, selects pen data option mode 3, turns the pad's inking off, clears
    /// the screen and starts reading pen reports.
    public func enable() async throws(STUPadError) {
        guard handle != nil else { throw .notOpen }
        guard isClaimed else { throw .notClaimed }
        guard !isEnabled else { return }
        try beginOperation()
        defer { endOperation() }
        let information = try await read(STUInformation.self)
        let capability = try await read(STUCapability.self)
        do { _ = try STUCoordinateMapper(capability: capability) } catch { throw noteFailure(.protocolError(error)) }
        self.information = information
        self.capability = capability
        statistics.modelName = information.modelName
        statistics.firmwareVersion = information.firmwareVersion
        try await write(STUPenDataOptionMode(mode: .timeCountSequence))
        try await write(STUInkingMode(isOn: false))
        try await write(STUClearScreen())
        guard let handle else { throw .deviceRemoved }
        do {
            reader = try handle.interruptReader(
                endpoint: configuration.penEndpoint, length: configuration.penTransferLength,
                transfersInFlight: configuration.transfersInFlight)
        } catch {
            throw noteFailure(error.isDeviceGone ? .deviceRemoved : .usb(error))
        }
        isEnabled = true
    }

    /// Stops reading pen reports and turns the pad's inking off.
    public func disable() async {
        guard isEnabled else { return }
        isEnabled = false
        if let reader {
            self.reader = nil
            await reader.stop()
        }
        if powerState == .online { try? await write(STUInkingMode(isOn: false)) }
    }

    /// Disables and gives the HID interface back (the kernel driver is re-attached).
    public func release() async {
        await disable()
        guard isClaimed else { return }
        isClaimed = false
        if let error = handle?.releaseInterface(configuration.interfaceNumber) {
            statistics.lastError = error.description
        }
    }

    /// Releases and closes the pad; safe after the pad was unplugged and when already closed.
    public func close() async {
        await release()
        monitor?.cancel()
        monitor = nil
        if let handle {
            self.handle = nil
            await handle.close()
        }
        link = nil
        state = .closed
        powerState = .unknown
    }

    // MARK: Prompt and capture

    /// Shows the signature prompt (without capturing); returns where its buttons and signing area are.
    public func showPrompt(_ prompt: STUSignaturePrompt) async throws(STUPadError) -> STUPromptLayout {
        guard isEnabled else { throw unavailable }
        try beginOperation()
        defer { endOperation() }
        return try await uploadPrompt(prompt)
    }

    /// Shows the prompt, lets the citizen sign inside its signing area and returns the signature once "OK"
    /// is tapped with ink on the pad. "Wiederholen" clears the pad and starts over; "Abbrechen" throws
    /// `cancelledBySigner`. `documentSHA256` is the SHA-256 of the signed text (32 bytes), computed by the
    /// caller. Nothing is returned or kept when the capture fails.
    public func captureSignature(
        prompt: STUSignaturePrompt, documentSHA256: [UInt8], timeout: Duration = .seconds(120),
        captureDateTime: ISO19794_7DateTime? = nil
    ) async throws(STUPadError) -> SignatureRecordCapture {
        guard documentSHA256.count == 32 else { throw .signature(.digestWrongLength(documentSHA256.count)) }
        guard isEnabled, let reader, let capability else { throw unavailable }
        try beginOperation()
        defer { endOperation() }
        state = .busy
        let outcome = await runCapture(
            prompt: prompt, reader: reader, capability: capability, timeout: timeout)
        if state == .busy { state = .idle }
        switch outcome {
        case .failure(let failure):
            statistics.capturesFailed += 1
            throw noteFailure(failure)
        case .success(let session):
            do {
                let capture = try session.capture(
                    documentSHA256: documentSHA256, captureDateTime: captureDateTime ?? ISO19794_7DateTime(utc: Date()))
                statistics.capturesCompleted += 1
                return capture
            } catch {
                statistics.capturesFailed += 1
                throw noteFailure(.signature(error))
            }
        }
    }

    private func runCapture(
        prompt: STUSignaturePrompt, reader: USBInterruptReader, capability: STUCapability, timeout: Duration
    ) async -> Result<STUCaptureSession, STUPadError> {
        let started = ContinuousClock.now
        let deadline = started + timeout
        var session: STUCaptureSession
        do {
            let layout = try await startSigning(prompt, reader: reader)
            do {
                session = try STUCaptureSession(
                    capability: capability, layout: layout, sampleLimit: configuration.sampleLimit)
            } catch {
                return .failure(.protocolError(error))
            }
        } catch {
            return .failure(error)
        }
        var failure: STUPadError?
        loop: while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                failure = .captureTimedOut
                break
            }
            let report: [UInt8]?
            do {
                report = try await reader.next(timeout: min(remaining, .milliseconds(250)))
            } catch {
                // The hotplug monitor may have seen the removal first and stopped the reader.
                let removed = error.isDeviceGone || powerState == .offOffline
                failure = removed ? .deviceRemoved : error.isCancellation ? .cancelled : .usb(error)
                break
            }
            if Task.isCancelled {
                failure = .cancelled
                break
            }
            guard let report else { continue }
            switch session.process(report: report) {
            case .button(.ok):
                if session.hasInk { break loop }
            case .button(.retry):
                session.restart()
                do { _ = try await startSigning(prompt, reader: reader) } catch {
                    failure = error
                    break loop
                }
            case .button(.cancel):
                failure = .cancelledBySigner
                break loop
            case .sample, .buttonStroke, .rejected:
                continue
            }
        }
        lastCaptureCounters = session.counters
        statistics.penReports.add(session.counters)
        let seconds =
            Double((ContinuousClock.now - started).components.seconds)
            + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        if seconds > 0 { statistics.lastCaptureReportRate = Double(session.counters.accepted) / seconds }
        if failure != .deviceRemoved && powerState == .online {
            // In a task of its own: a cancelled capture (the clerk's cancel, the agent stopping) would
            // fail these transfers at once, leaving the prompt on the pad and inking on.
            await Task {
                try? await self.write(STUInkingMode(isOn: false))
                try? await self.write(STUClearScreen())
            }.value
        }
        if let failure { return .failure(failure) }
        return .success(session)
    }

    /// Uploads the prompt, restricts ink to its signing area, drops stale pen reports and switches inking on.
    private func startSigning(
        _ prompt: STUSignaturePrompt, reader: USBInterruptReader
    ) async throws(STUPadError) -> STUPromptLayout {
        try await write(STUInkingMode(isOn: false))
        let layout = try await uploadPrompt(prompt)
        try await write(STUHandwritingDisplayArea(area: layout.handwritingArea))
        reader.discardBuffered()
        try await write(STUInkingMode(isOn: true))
        return layout
    }

    private func uploadPrompt(_ prompt: STUSignaturePrompt) async throws(STUPadError) -> STUPromptLayout {
        guard let capability else { throw .notEnabled }
        let layout = prompt.render(
            width: Int(capability.screenWidth), height: Int(capability.screenHeight),
            accent: model?.isColor == true ? .darkBlue : .black)
        let encoding: STUImageEncoding =
            configuration.promptImageFormat == .color && capability.encodingFlags.contains(.rgb565)
            ? .rgb565 : .oneBit
        let reports: [[UInt8]]
        do {
            reports = try STUImageEncoder.uploadReports(for: layout.image, encoding: encoding)
        } catch {
            throw noteFailure(.image(error))
        }
        _ = try await waitUntilReady()
        for report in reports {
            try await write(bytes: report)
            if report.first == STUReportID.imageDataBlock.rawValue { statistics.imageBlocksWritten += 1 }
        }
        let status = try await waitUntilReady()
        guard status.lastResultCode == .none else {
            throw noteFailure(.padRejected(command: "the prompt image", result: status.lastResultCode))
        }
        statistics.imagesUploaded += 1
        return layout
    }

    /// Polls the Status report until the pad is ready.
    private func waitUntilReady() async throws(STUPadError) -> STUStatus {
        let deadline = ContinuousClock.now + configuration.readyTimeout
        while true {
            let status = try await read(STUStatus.self)
            if status.statusCode == .ready { return status }
            guard ContinuousClock.now < deadline else { throw noteFailure(.padNotReady(status.statusCode)) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Health and statistics

    /// Checks the pad at the given depth and describes what was found; never throws.
    public func checkHealth(_ level: STUHealthCheckLevel) async -> STUHealthReport {
        var lines: [String] = []
        var healthy = handle != nil && state != .error
        let name = information?.modelName ?? model?.name ?? "Wacom STU"
        lines.append(
            "\(name): state \(state), power \(powerState), claimed \(isClaimed ? "yes" : "no"), "
                + "enabled \(isEnabled ? "yes" : "no")")
        if let device { lines.append("USB \(device)") }
        if let kernelDriver { lines.append("interface claim: \(kernelDriver)") }
        if let firmware = statistics.firmwareVersion { lines.append("firmware \(firmware)") }
        lines.append(
            "communication errors \(statistics.communicationErrors), removals \(statistics.removals), "
                + "rejected pen reports \(statistics.penReports.rejected), lost pen reports \(statistics.penReports.lost)"
        )
        if let lastError = statistics.lastError { lines.append("last error: \(lastError)") }
        if level != .internal {
            if handle == nil || !isClaimed || operationRunning {
                healthy = false
                lines.append(
                    handle == nil
                        ? "external check not possible: pad not open"
                        : operationRunning
                            ? "external check skipped: pad busy" : "external check not possible: not claimed")
            } else {
                do {
                    let status = try await read(STUStatus.self)
                    let information = try await read(STUInformation.self)
                    let capability = try await read(STUCapability.self)
                    // Kept: doctor and the fleet report show model and firmware as read.
                    self.information = information
                    statistics.modelName = information.modelName
                    statistics.firmwareVersion = information.firmwareVersion
                    lines.append(
                        "pad status \(status.statusCode), last result \(status.lastResultCode); "
                            + "\(information.modelName) firmware \(information.firmwareVersion)")
                    lines.append(
                        "screen \(capability.screenWidth)×\(capability.screenHeight), tablet "
                            + "\(capability.tabletMaxX)×\(capability.tabletMaxY), pressure 0…\(capability.tabletMaxPressure), "
                            + "\(capability.maxReportRate) reports/s")
                    if status.statusCode != .ready { healthy = false }
                    if level == .interactive && isEnabled && !operationRunning {
                        try beginOperation()
                        defer { endOperation() }
                        _ = try await uploadPrompt(
                            STUSignaturePrompt(
                                title: "Testbild: Ist dieser Text gut lesbar?", citizenName: "Gerätetest"))
                        lines.append("test prompt shown on the pad: check that it is readable")
                    }
                } catch {
                    healthy = false
                    lines.append("check failed: \(error)")
                }
            }
        }
        lines.insert(healthy ? "OK" : "NOT OK", at: 0)
        return STUHealthReport(level: level, isHealthy: healthy, lines: lines)
    }

    /// Sets all counters back to zero (model and firmware are kept).
    public func resetStatistics() {
        var fresh = STUPadStatistics()
        fresh.modelName = statistics.modelName
        fresh.firmwareVersion = statistics.firmwareVersion
        statistics = fresh
    }

    /// Arrivals and removals of supported pads, for re-opening after a cable was pulled.
    public nonisolated func hotplugEvents(includeExisting: Bool = false) -> AsyncStream<USBHotplugEvent> {
        let productIDs = configuration.productIDs
        let source = context.hotplugEvents(vendorID: STUModel.vendorID, includeExisting: includeExisting)
        return AsyncStream { continuation in
            let task = Task {
                for await event in source where productIDs.contains(event.device.productID) {
                    continuation.yield(event)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: Internals

    private func startMonitor(for device: USBDeviceInfo) {
        monitor?.cancel()
        let events = context.hotplugEvents(
            vendorID: device.vendorID, productID: device.productID, includeExisting: false)
        monitor = Task { [weak self] in
            for await event in events {
                if case .left(let gone) = event, gone.bus == device.bus, gone.address == device.address {
                    await self?.deviceLeft()
                    return
                }
            }
        }
    }

    private func deviceLeft() {
        markRemoved()
    }

    /// The pad vanished: mark it off-line and close the USB handle in the background.
    private func markRemoved() {
        guard let handle, powerState != .offOffline else { return }
        statistics.removals += 1
        powerState = .offOffline
        state = .error
        isEnabled = false
        isClaimed = false
        reader = nil
        link = nil
        self.handle = nil
        monitor?.cancel()
        monitor = nil
        Task { await handle.close() }
    }

    /// Why a pad that is not enabled cannot work: unplugged, never opened, or just not enabled.
    private var unavailable: STUPadError {
        if handle == nil { return powerState == .offOffline ? .deviceRemoved : .notOpen }
        return isClaimed ? .notEnabled : .notClaimed
    }

    private func beginOperation() throws(STUPadError) {
        guard !operationRunning else { throw .busy }
        operationRunning = true
    }

    private func endOperation() {
        operationRunning = false
    }

    /// Records a failure in the statistics (and an unplug in the state) and hands it back for throwing.
    private func noteFailure(_ failure: STUPadError) -> STUPadError {
        switch failure {
        case .deviceRemoved:
            statistics.communicationErrors += 1
            markRemoved()
        case .usb, .protocolError, .padNotReady:
            statistics.communicationErrors += 1
        default:
            break
        }
        statistics.lastError = failure.description
        return failure
    }

    private func read<Report: STUFeatureReport>(_ type: Report.Type) async throws(STUPadError) -> Report {
        guard let link else { throw powerState == .offOffline ? .deviceRemoved : .notOpen }
        do {
            let report = try await link.read(type)
            statistics.featureReportsRead += 1
            return report
        } catch {
            throw noteFailure(error)
        }
    }

    private func write<Report: STUFeatureReport>(_ report: Report) async throws(STUPadError) {
        try await write(bytes: report.encoded())
    }

    private func write(bytes: [UInt8]) async throws(STUPadError) {
        guard let link else { throw powerState == .offOffline ? .deviceRemoved : .notOpen }
        do {
            try await link.write(bytes: bytes)
            statistics.featureReportsWritten += 1
        } catch {
            throw noteFailure(error)
        }
    }
}
