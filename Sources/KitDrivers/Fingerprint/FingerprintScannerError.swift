/// Why the scanner asks for the finger to be placed again (libfprint `FpDeviceRetry`; the codes are
/// libfprint's). Worded so the clerk can read it out to the citizen.
public enum FingerprintScanRetry: Int, Sendable, Codable, CaseIterable, Equatable {
    /// The scan was poor (also: the library found no ridge detail in the image).
    case general = 0
    /// Swipe sensors: the swipe was too short.
    case tooShort = 1
    /// The finger was not centred on the sensor.
    case centerFinger = 2
    /// Lift the finger and place it again (pressure or quality problem).
    case removeFinger = 3

    /// Instruction in German, for the citizen.
    public var german: String {
        switch self {
        case .general: return "Aufnahme nicht verwertbar. Bitte den Finger erneut flach auflegen."
        case .tooShort: return "Zu kurz. Bitte den Finger langsam und vollständig über den Sensor ziehen."
        case .centerFinger: return "Finger nicht mittig. Bitte den Finger mittig auf den Scanner legen."
        case .removeFinger: return "Bitte den Finger kurz abheben und dann erneut auflegen."
        }
    }

    /// Instruction in English, for the citizen.
    public var english: String {
        switch self {
        case .general: return "The scan could not be used. Please place your finger flat again."
        case .tooShort: return "Too short. Please swipe your finger slowly over the whole sensor."
        case .centerFinger: return "Finger not centred. Please place it in the middle of the scanner."
        case .removeFinger: return "Please lift your finger briefly and place it again."
        }
    }
}

/// Everything that can go wrong when driving a fingerprint scanner, with the libfprint error it
/// comes from where there is one (`FpDeviceError`, `FpDeviceRetry`, `G_IO_ERROR_CANCELLED`). The life
/// cycle follows UnifiedPOS (open → claim → enable → capture → disable → release → close).
public enum FingerprintScannerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The GLib main loop or the libfprint context could not be created.
    case libraryUnavailable(String)
    /// No fingerprint scanner was found.
    case noScanner
    /// The scanner chosen earlier is no longer attached.
    case scannerNotFound(id: String)
    /// The operation is not allowed in the current life-cycle step.
    case invalidState(operation: String, state: String)
    /// Another operation on the scanner is still running.
    case busy
    /// The scanner cannot deliver images (match-on-chip devices keep them inside).
    case captureNotSupported(driver: String)
    /// The operation did not finish in time (for a capture: no finger was placed).
    case timeout(operation: String, seconds: Double)
    /// The caller cancelled the operation.
    case cancelled
    /// The scanner asks for the finger to be placed again.
    case retry(FingerprintScanRetry)
    /// The scanner was unplugged or disappeared.
    case deviceRemoved
    /// The scanner is too hot and must cool down before the next capture.
    case tooHot
    /// The communication with the scanner failed (libfprint protocol error).
    case communication(message: String)
    /// The scanner reported another error (libfprint `FpDeviceError` code).
    case deviceError(code: Int, message: String)
    /// The scanner delivered an image that cannot be a fingerprint (empty, too small, wrong size).
    case invalidImage(width: Int, height: Int, bytes: Int)
    /// Another GLib error (domain, code, message as GLib reports them).
    case library(domain: String, code: Int, message: String)

    /// True for errors after which the capture can simply be repeated.
    public var isRetryable: Bool {
        switch self {
        case .retry, .timeout, .invalidImage: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .libraryUnavailable(let what):
            return "Fingerprint: \(what) could not be created. Check that libfprint-2-2 is installed."
        case .noScanner:
            return "Fingerprint: no scanner found. Check the USB cable and that the scanner is supported by libfprint."
        case .scannerNotFound(let id):
            return "Fingerprint: scanner \(id) is no longer attached. Reconnect it and open it again."
        case .invalidState(let operation, let state):
            return "Fingerprint: \(operation) is not possible while the scanner is \(state)."
        case .busy:
            return "Fingerprint: the scanner is busy with another capture. Wait for it to finish or cancel it."
        case .captureNotSupported(let driver):
            return "Fingerprint: the scanner (driver \(driver)) cannot deliver images; use an image scanner."
        case .timeout(let operation, let seconds):
            return "Fingerprint: \(operation) did not finish within \(seconds) s."
        case .cancelled:
            return "Fingerprint: the operation was cancelled."
        case .retry(let reason):
            return "Fingerprint: scan not usable, place the finger again (\(reason))."
        case .deviceRemoved:
            return "Fingerprint: the scanner was unplugged. Reconnect it and open it again."
        case .tooHot:
            return "Fingerprint: the scanner is too hot. Let it cool down for a few minutes."
        case .communication(let message):
            return "Fingerprint: communication with the scanner failed (\(message)). Reconnect the scanner."
        case .deviceError(let code, let message):
            return "Fingerprint: the scanner reported error \(code) (\(message))."
        case .invalidImage(let width, let height, let bytes):
            return "Fingerprint: the scanner delivered an unusable image (\(width)×\(height) px, \(bytes) bytes)."
        case .library(let domain, let code, let message):
            return "Fingerprint: library error \(domain) \(code) (\(message))."
        }
    }
}
