import KitDrivers

/// Plays a `FingerprintSimulatorScript` into libfprint's virtual image device (the process under
/// test runs with `FP_VIRTUAL_IMAGE=<socket>` and has opened the scanner, which makes libfprint
/// listen on the socket).
///
/// libfprint 1.94's virtual device reads the socket all the time and drops an image that arrives
/// while no capture is waiting for a finger, just as a real scanner ignores a finger placed while it
/// is idle. So images must be paced:
/// - `sendNextCapture()` sends the next capture-ending step (and the steps before it) on demand;
///   tests call it when the scanner reports `.waitingForFinger`;
/// - `play(interval:)` sends one capture-ending step per interval, for demos with `kit-sim`.
public actor FingerprintVirtualImageSimulator {
    /// The script.
    public let script: FingerprintSimulatorScript
    /// Index of the next step.
    public private(set) var position = 0
    private let connection: FingerprintVirtualImageConnection
    private let connectTimeout: Duration
    private var closed = false

    /// Creates a simulator for the socket at `socketPath`.
    public init(socketPath: String, script: FingerprintSimulatorScript, connectTimeout: Duration = .seconds(10)) {
        self.script = script
        self.connection = FingerprintVirtualImageConnection(path: socketPath)
        self.connectTimeout = connectTimeout
    }

    /// True when all steps have been sent.
    public var isFinished: Bool { position >= script.steps.count }

    /// Connects now (otherwise the first step connects).
    public func connect() async throws(FingerprintSimulatorError) {
        try await connection.connect(timeout: connectTimeout)
    }

    /// Sends steps up to and including the next one that ends a capture, plus a `finger:off` right
    /// after it (lifting the finger belongs to the same touch); returns the capture-ending step, or nil
    /// if the script has no more.
    @discardableResult
    public func sendNextCapture() async throws(FingerprintSimulatorError) -> FingerprintSimulatorStep? {
        while position < script.steps.count {
            let step = script.steps[position]
            position += 1
            try await perform(step)
            guard step.endsCapture else { continue }
            while position < script.steps.count, script.steps[position] == .finger(present: false) {
                position += 1
                try await perform(.finger(present: false))
            }
            return step
        }
        return nil
    }

    /// Sends the whole script, pausing `interval` after each capture-ending step; `log` gets one line
    /// per step.
    public func play(interval: Duration, log: (@Sendable (String) -> Void)? = nil)
        async throws(FingerprintSimulatorError)
    {
        while position < script.steps.count {
            let index = position
            let step = script.steps[position]
            position += 1
            try await perform(step)
            log?("step \(index + 1)/\(script.steps.count): \(Self.describe(step))")
            if step.endsCapture, position < script.steps.count {
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Hangs up for good: later sends do nothing (a late trigger must not reach the next scanner
    /// that listens on the same path).
    public func close() {
        closed = true
        connection.close()
    }

    private func perform(_ step: FingerprintSimulatorStep) async throws(FingerprintSimulatorError) {
        guard !closed else { throw .closed }
        switch step {
        case .wait(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
        case .reconnect:
            try await connection.connect(timeout: connectTimeout)
        default:
            guard let bytes = FingerprintVirtualImageWire.bytes(for: step) else { return }
            if !connection.isConnected { try await connection.connect(timeout: connectTimeout) }
            do {
                try await connection.send(bytes)
            } catch {
                // The scanner was closed and opened again since we connected: its new listener
                // waits for a new connection.
                try await connection.connect(timeout: connectTimeout)
                try await connection.send(bytes)
            }
            if case .truncated = step { connection.close() }
        }
    }

    /// One-line description of a step, e.g. "image smudged seed=3 400×500".
    public static func describe(_ step: FingerprintSimulatorStep) -> String {
        func image(_ image: FingerprintSimulatorImage) -> String {
            switch image.picture {
            case .empty: return "empty 0×0"
            case .sliver: return "sliver 1×5000"
            case .finger(let defect):
                return
                    "\(defect == .none ? "clean" : defect.rawValue) seed=\(image.seed) pattern=\(image.pattern.rawValue) "
                    + "\(image.width)×\(image.height)"
            }
        }
        switch step {
        case .image(let picture): return "image " + image(picture)
        case .truncated(let picture, let bytes): return "truncated after \(bytes) pixel bytes of " + image(picture)
        case .retry(let reason): return "command -1 retry (\(reason))"
        case .error(let code): return "command -2 error code \(code)"
        case .fingerDetection(let on): return "command -3 finger detection \(on ? "on" : "off")"
        case .finger(let present): return "command -4 finger \(present ? "present" : "absent")"
        case .remove: return "command -5 device removed"
        case .wait(let milliseconds): return "wait \(milliseconds) ms"
        case .reconnect: return "reconnect"
        }
    }
}
