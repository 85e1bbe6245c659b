/// How deep a camera health check goes (UnifiedPOS `checkHealth` levels).
public enum CameraHealthLevel: String, Sendable, Codable, CaseIterable {
    /// Only what the driver knows, no device I/O.
    case `internal`
    /// Starts the pipeline and takes one frame: present, resolution, frame rate.
    case external
}

/// The result of a camera health check, readable by IT staff (UnifiedPOS `CheckHealthText`).
public struct CameraHealthReport: Sendable, Equatable, Codable {
    public var level: CameraHealthLevel
    /// True if a frame arrived (external) or nothing is known to be wrong (internal).
    public var healthy: Bool
    /// Frame size that arrived, e.g. 1280 × 720.
    public var width: Int?
    public var height: Int?
    /// Frame rate the pipeline negotiated, or measured over five frames when the source does not say.
    public var framesPerSecond: Double?
    /// One finding per line, e.g. "source: v4l2src device=/dev/video0".
    public var findings: [String]

    /// Creates a report.
    public init(
        level: CameraHealthLevel, healthy: Bool, width: Int? = nil, height: Int? = nil, framesPerSecond: Double? = nil,
        findings: [String]
    ) {
        self.level = level
        self.healthy = healthy
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.findings = findings
    }

    /// The report as text: "Camera (external): OK" followed by the findings.
    public var text: String {
        (["Camera (\(level.rawValue)): \(healthy ? "OK" : "FAULT")"] + findings.map { "  " + $0 })
            .joined(separator: "\n")
    }
}

/// Counters kept per camera (UnifiedPOS statistics).
public struct CameraStatistics: Sendable, Equatable, Codable {
    /// Frames pulled from the pipeline.
    public var framesCaptured = 0
    /// Photos recorded (a burst that produced a record).
    public var photosRecorded = 0
    /// Bursts in which no frame passed the checks.
    public var photosRefused = 0
    /// Pipeline and stream errors.
    public var communicationErrors = 0
    /// The last error, as text.
    public var lastError: String?

    /// Empty statistics.
    public init() {}
}
