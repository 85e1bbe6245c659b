/// How deep a health check goes (UnifiedPOS `checkHealth` levels).
public enum FingerprintHealthLevel: String, Sendable, Codable, CaseIterable {
    /// Only what the driver knows, no device I/O.
    case `internal`
    /// Asks the device (still attached, open, able to capture, temperature).
    case external
    /// Takes a capture and assesses its quality; needs a finger on the scanner.
    case interactive
}

/// The result of a health check, readable by IT staff (UnifiedPOS `CheckHealthText`).
public struct FingerprintHealthReport: Sendable, Equatable, Codable {
    /// Level that was checked.
    public var level: FingerprintHealthLevel
    /// True if nothing is wrong.
    public var healthy: Bool
    /// One finding per line, e.g. "driver: virtual_image".
    public var findings: [String]

    /// Creates a report.
    public init(level: FingerprintHealthLevel, healthy: Bool, findings: [String]) {
        self.level = level
        self.healthy = healthy
        self.findings = findings
    }

    /// The report as text: "Fingerprint scanner (external): OK" followed by the findings.
    public var text: String {
        (["Fingerprint scanner (\(level.rawValue)): \(healthy ? "OK" : "FAULT")"] + findings.map { "  " + $0 })
            .joined(separator: "\n")
    }
}

/// Counters kept per scanner (UnifiedPOS statistics: operations, errors, last error, firmware).
public struct FingerprintScannerStatistics: Sendable, Equatable, Codable {
    /// Captures started.
    public var capturesStarted = 0
    /// Captures that returned an image.
    public var capturesSucceeded = 0
    /// Captures the scanner asked to repeat.
    public var retries = 0
    /// Captures that ran into their timeout.
    public var timeouts = 0
    /// Communication and device errors (including removal).
    public var communicationErrors = 0
    /// Images resampled to 500 ppi because the scanner has another resolution.
    public var resampledImages = 0
    /// The last error, as text.
    public var lastError: String?
    /// Firmware version, if the backend can tell (libfprint cannot).
    public var firmware: String?

    /// Empty statistics.
    public init() {}
}
