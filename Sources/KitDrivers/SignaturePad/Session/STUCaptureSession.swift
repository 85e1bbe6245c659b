import Foundation

/// Why a pen report was not taken into a signature.
///
/// Wacom STU interface, input reports 0x01 (7 bytes) / 0x34 (11 bytes) and the ranges of Capability 0x09.
public enum STUPenReportRejection: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Shorter or longer than the fixed size of its report id (e.g. a truncated USB read).
    case wrongLength
    /// Not a pen report (id other than 0x01 / 0x34), or an empty read.
    case wrongReportID
    /// x, y or pressure beyond the tablet range the pad announced in its Capability report.
    case outOfRange
    /// The capture already holds the most samples it keeps (a pen left on the pad for minutes).
    case bufferFull

    public var description: String {
        switch self {
        case .wrongLength: return "pen report with the wrong length"
        case .wrongReportID: return "input report that is not pen data"
        case .outOfRange: return "pen report with coordinates or pressure outside the tablet range"
        case .bufferFull: return "pen report beyond the capture's sample limit"
        }
    }
}

/// Counters of the pen reports one capture (or a pad's lifetime) has seen.
///
/// Wacom STU interface, input reports; lost reports from the 0x34 sequence number.
public struct STUPenReportCounters: Sendable, Equatable {
    /// Well-formed pen reports taken (ink, hover and button presses).
    public var accepted = 0
    /// Reports rejected for a wrong length.
    public var wrongLength = 0
    /// Reports rejected for a report id that is not pen data.
    public var wrongReportID = 0
    /// Reports rejected for coordinates or pressure out of range.
    public var outOfRange = 0
    /// Reports rejected because the sample limit was reached.
    public var bufferFull = 0
    /// Reports the pad sent but the host never saw (gaps in the 0x34 sequence number).
    public var lost = 0

    public init() {}

    /// All rejected reports.
    public var rejected: Int { wrongLength + wrongReportID + outOfRange + bufferFull }

    /// The counter for one rejection reason.
    public subscript(reason: STUPenReportRejection) -> Int {
        switch reason {
        case .wrongLength: return wrongLength
        case .wrongReportID: return wrongReportID
        case .outOfRange: return outOfRange
        case .bufferFull: return bufferFull
        }
    }

    mutating func count(_ reason: STUPenReportRejection) {
        switch reason {
        case .wrongLength: wrongLength += 1
        case .wrongReportID: wrongReportID += 1
        case .outOfRange: outOfRange += 1
        case .bufferFull: bufferFull += 1
        }
    }

    /// Adds another set of counters (for lifetime statistics).
    public mutating func add(_ other: STUPenReportCounters) {
        accepted += other.accepted
        wrongLength += other.wrongLength
        wrongReportID += other.wrongReportID
        outOfRange += other.outOfRange
        bufferFull += other.bufferFull
        lost += other.lost
    }
}

/// What one pen report did to a capture session.
///
/// Project convention for the STU signature screen (ink inside the signing area, taps on prompt buttons).
public enum STUPenReportOutcome: Sendable, Equatable {
    /// A sample kept for the signature (touching or hovering).
    case sample
    /// Part of a tap on a prompt button; not kept.
    case buttonStroke
    /// A tap on this prompt button was completed.
    case button(STUPromptButtonKind)
    /// The report was rejected and counted.
    case rejected(STUPenReportRejection)
}

/// One signing: takes the raw interrupt-IN reports of the pad, rejects malformed ones, turns the pad's time
/// count into monotonic time, tells button taps from ink and buffers the signature samples. Pure value type,
/// no I/O: `process(report:)` is the whole per-report path (decode → session → buffer), so it can be timed
/// and fuzzed without a device.
///
/// Wacom STU interface: input reports 0x01 / 0x34, ranges from Capability 0x09; buttons per
/// `STUSignaturePrompt`. A stroke that starts on a button is a tap, not ink.
public struct STUCaptureSession: Sendable {
    /// Most samples one capture keeps: 2 minutes at 200 reports per second.
    public static let defaultSampleLimit = 24_000

    /// The pad's ranges.
    public let capability: STUCapability
    /// The prompt on screen (nil: no buttons, every sample is ink).
    public let layout: STUPromptLayout?
    /// Most samples kept.
    public let sampleLimit: Int

    /// The signature so far (touching and hovering samples, in arrival order).
    public private(set) var samples: [STUTimedPenSample] = []
    /// Counters of this session.
    public private(set) var counters = STUPenReportCounters()

    private let mapper: STUCoordinateMapper
    private var hitTester: STUPromptHitTester<STUPromptButtonKind>?
    private var clock = STUTimeCountUnwrapper()
    private var sequences = STUSequenceTracker()
    private var penDown = false
    private var inButtonStroke = false

    /// Throws when the capability cannot map coordinates (zero tablet range or screen size).
    public init(
        capability: STUCapability, layout: STUPromptLayout? = nil, sampleLimit: Int = defaultSampleLimit
    ) throws(STUReportError) {
        let mapper = try STUCoordinateMapper(capability: capability)
        self.capability = capability
        self.layout = layout
        self.sampleLimit = max(0, sampleLimit)
        self.mapper = mapper
        self.hitTester = layout.map { STUPromptHitTester(layout: $0, mapper: mapper) }
        samples.reserveCapacity(min(self.sampleLimit, 4096))
    }

    /// Whether any kept sample touched the pad.
    public var hasInk: Bool { samples.contains { $0.sample.sw } }

    /// Processes one interrupt-IN report (exactly the bytes of one transfer).
    public mutating func process(report: [UInt8]) -> STUPenReportOutcome {
        guard let id = report.first,
            id == STUReportID.penData.rawValue || id == STUReportID.penDataTimeCountSequence.rawValue
        else { return reject(.wrongReportID) }
        guard let sample = try? STUPenSample(decodingReport: report) else { return reject(.wrongLength) }
        guard sample.x <= capability.tabletMaxX, sample.y <= capability.tabletMaxY,
            sample.pressure <= capability.tabletMaxPressure
        else { return reject(.outOfRange) }

        if let sequence = sample.sequence, let gap = sequences.observe(sequence), gap.lost > 0, gap.lost < 0x8000 {
            counters.lost += gap.lost
        }
        let time = sample.timeCount.map { clock.unwrap($0) }
        counters.accepted += 1

        if sample.sw && !penDown {
            penDown = true
            inButtonStroke = hitTester.map { $0.button(at: mapper.screenPoint(for: sample)) != nil } ?? false
        }
        let pressed = hitTester?.process(sample)
        if inButtonStroke {
            if !sample.sw {
                penDown = false
                inButtonStroke = false
            }
            return pressed.map { .button($0) } ?? .buttonStroke
        }
        if !sample.sw { penDown = false }
        guard samples.count < sampleLimit else {
            counters.accepted -= 1
            return reject(.bufferFull)
        }
        samples.append(STUTimedPenSample(sample: sample, monotonicMilliseconds: time))
        return .sample
    }

    /// Discards the samples (the signer chose "retry"); counters are kept.
    public mutating func restart() {
        samples.removeAll(keepingCapacity: true)
        penDown = false
        inButtonStroke = false
        hitTester = layout.map { STUPromptHitTester(layout: $0, mapper: mapper) }
    }

    /// The finished signature: ISO/IEC 19794-7 record and PNG, bound to the SHA-256 of the signed text.
    public func capture(
        documentSHA256: [UInt8], captureDateTime: ISO19794_7DateTime
    ) throws(SignatureRecordError) -> SignatureRecordCapture {
        try SignatureRecordCapture(
            samples: samples, capability: capability, documentSHA256: documentSHA256,
            captureDateTime: captureDateTime)
    }

    private mutating func reject(_ reason: STUPenReportRejection) -> STUPenReportOutcome {
        counters.count(reason)
        return .rejected(reason)
    }
}

extension ISO19794_7DateTime {
    /// The capture time of a `Date`, in UTC with milliseconds.
    ///
    /// ISO/IEC 19794-7:2014 representation header, capture date and time (UTC).
    public init(utc date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        self.init(
            year: UInt16(clamping: parts.year ?? 0), month: UInt8(clamping: parts.month ?? 0),
            day: UInt8(clamping: parts.day ?? 0), hour: UInt8(clamping: parts.hour ?? 0),
            minute: UInt8(clamping: parts.minute ?? 0), second: UInt8(clamping: parts.second ?? 0),
            millisecond: UInt16(clamping: (parts.nanosecond ?? 0) / 1_000_000))
    }
}
