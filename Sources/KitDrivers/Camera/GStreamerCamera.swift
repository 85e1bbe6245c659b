import Foundation

/// The kit's camera for the biometric photo, driven through GStreamer. Life cycle after UnifiedPOS
/// 1.16 §"Device states": `open` checks the configuration, `claim` starts the pipeline (and so takes
/// the video device), `enable` allows captures; `release` stops the pipeline, `close` forgets it.
public actor GStreamerCamera {
    /// Where frames come from.
    public let source: CameraSource
    /// The mode frames are converted to.
    public let mode: CameraMode
    public private(set) var state: DeviceState = .closed
    public private(set) var statistics = CameraStatistics()
    private var enabled = false
    private var capture: GStreamerCapture?

    /// Creates a camera for `source` delivering `mode`.
    public init(source: CameraSource, mode: CameraMode = .preview) {
        self.source = source
        self.mode = mode
    }

    /// Power as far as the driver knows: online while the pipeline runs.
    public var power: DevicePower { capture == nil ? .unknown : .online }

    /// Nothing to find before the pipeline starts; moves to idle.
    public func open() {
        if state == .closed { state = .idle }
    }

    /// Starts the pipeline.
    public func claim(timeout: Duration = .seconds(5)) throws(CameraError) {
        guard state != .closed else { throw .invalidState(operation: "claim", state: "closed") }
        guard capture == nil else { return }
        do throws(CameraError) {
            capture = try GStreamerCapture(source: source, mode: mode, startTimeout: timeout)
        } catch {
            record(error)
            throw error
        }
    }

    /// Allows captures.
    public func enable() throws(CameraError) {
        guard capture != nil else { throw .invalidState(operation: "enable", state: "not claimed") }
        enabled = true
    }

    /// The next frame.
    public func frame(timeout: Duration = .seconds(3)) throws(CameraError) -> CameraFrame {
        guard enabled, let capture else { throw .invalidState(operation: "capture", state: "not enabled") }
        do throws(CameraError) {
            let frame = try capture.frame(timeout: timeout)
            statistics.framesCaptured += 1
            return frame
        } catch {
            record(error)
            throw error
        }
    }

    /// The frame rate the pipeline negotiated.
    public var framesPerSecond: Double? { capture?.framesPerSecond }

    /// Counts a recorded or refused photo.
    public func count(recorded: Bool) {
        if recorded { statistics.photosRecorded += 1 } else { statistics.photosRefused += 1 }
    }

    /// Stops allowing captures.
    public func disable() { enabled = false }

    /// Stops the pipeline and frees the device.
    public func release() {
        enabled = false
        capture = nil
    }

    /// Forgets the camera.
    public func close() {
        release()
        state = .closed
    }

    /// Checks the camera: `.external` starts the pipeline if needed and waits for one frame.
    public func checkHealth(_ level: CameraHealthLevel, timeout: Duration = .seconds(5)) -> CameraHealthReport {
        var findings = ["source: \(source.pipelineHead)", "mode asked: \(mode)"]
        if let error = statistics.lastError { findings.append("last error: \(error)") }
        guard level == .external else {
            return CameraHealthReport(level: level, healthy: state != .error, findings: findings)
        }
        do throws(CameraError) {
            let running: GStreamerCapture
            if let capture {
                running = capture
            } else {
                running = try GStreamerCapture(source: source, mode: mode, startTimeout: timeout)
            }
            let frame = try running.frame(timeout: timeout)
            // Caps name the rate for v4l2; a network stream (MJPEG) does not: then measure it.
            var rate = running.framesPerSecond
            if rate == nil {
                let clock = ContinuousClock()
                let start = clock.now
                for _ in 0..<5 { _ = try running.frame(timeout: timeout) }
                let elapsed = clock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                if seconds > 0 { rate = 5 / seconds }
            }
            findings.append("frame: \(frame.width)x\(frame.height)")
            findings.append("frame rate: " + (rate.map { String(format: "%.1f fps", $0) } ?? "unknown"))
            return CameraHealthReport(
                level: level, healthy: true, width: frame.width, height: frame.height, framesPerSecond: rate,
                findings: findings)
        } catch {
            record(error)
            findings.append(error.description)
            return CameraHealthReport(level: level, healthy: false, findings: findings)
        }
    }

    private func record(_ error: CameraError) {
        statistics.communicationErrors += 1
        statistics.lastError = error.description
    }
}
