/// Counters a signature pad keeps while the program runs.
///
/// UnifiedPOS 1.16 statistics (retrieveStatistics / resetStatistics): communication errors, operations,
/// firmware, plus STU pen-report counters.
public struct STUPadStatistics: Sendable, Equatable {
    /// Model name from the Information report, e.g. "STU-540".
    public var modelName: String?
    /// Firmware version from the Information report, e.g. "1.10".
    public var firmwareVersion: String?
    /// Successful `open()` calls.
    public var opens = 0
    /// Feature reports read (GET_REPORT).
    public var featureReportsRead = 0
    /// Feature reports written (SET_REPORT), image blocks included.
    public var featureReportsWritten = 0
    /// Image data blocks (0x26) written.
    public var imageBlocksWritten = 0
    /// Prompt images uploaded completely.
    public var imagesUploaded = 0
    /// Signatures captured and returned.
    public var capturesCompleted = 0
    /// Captures that ended without a signature (cancel, timeout, unplug, error).
    public var capturesFailed = 0
    /// USB transfers that failed (timeouts, stalls, unplugs).
    public var communicationErrors = 0
    /// Times the pad disappeared from the bus while open.
    public var removals = 0
    /// Pen reports over all captures.
    public var penReports = STUPenReportCounters()
    /// Pen reports per second measured over the last capture.
    public var lastCaptureReportRate: Double?
    /// The last error, as shown to IT staff.
    public var lastError: String?

    public init() {}
}

/// How deep a health check goes.
///
/// UnifiedPOS 1.16 checkHealth levels.
public enum STUHealthCheckLevel: Int, Sendable, CaseIterable {
    /// State and counters only, no I/O.
    case `internal` = 1
    /// Talks to the pad: Status, Information and Capability reports.
    case external = 2
    /// Also clears the pad's screen and shows a test prompt (someone should look at the pad).
    case interactive = 3
}

/// The result of a health check: one line per finding, readable by IT staff (UnifiedPOS CheckHealthText).
///
/// UnifiedPOS 1.16 checkHealth / CheckHealthText.
public struct STUHealthReport: Sendable, Equatable, CustomStringConvertible {
    /// The level that was run.
    public var level: STUHealthCheckLevel
    /// Whether everything checked was fine.
    public var isHealthy: Bool
    /// Findings, first the verdict.
    public var lines: [String]

    public init(level: STUHealthCheckLevel, isHealthy: Bool, lines: [String]) {
        self.level = level
        self.isHealthy = isHealthy
        self.lines = lines
    }

    public var description: String { lines.joined(separator: "\n") }
}
