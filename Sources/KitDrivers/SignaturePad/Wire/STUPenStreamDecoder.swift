/// What the pen stream decoder found in the interrupt-IN data.
///
/// Wacom STU interface, input reports.
public enum STUPenEvent: Hashable, Sendable {
    /// A pen report.
    case sample(STUTimedPenSample)
    /// The sequence number jumped: `count` reports were lost before `receivedSequence`.
    case reportsLost(count: Int, expectedSequence: UInt16, receivedSequence: UInt16)
    /// A well-framed input report that is not pen data (e.g. encrypted pen data 0x10/0x33, event data 0x99).
    case otherReport(reportID: UInt8, bytes: [UInt8])
}

/// Frames concatenated or split interrupt-IN reads into STU input reports and decodes pen data.
///
/// Shaped like swift-nio-extras' LengthFieldBasedFrameDecoder: `append` bytes as they arrive, call `next()`
/// until it returns nil ("need more data"), call `finish()` at end of stream — leftover bytes are an error.
/// Report lengths come from the report id (Wacom STU interface: 0x01 = 7 bytes, 0x34 = 11 bytes, other
/// input reports as listed in the STU SDK). Time counts are unwrapped into a monotonic time and sequence
/// gaps are reported as `.reportsLost` before the sample that revealed them.
public struct STUPenStreamDecoder: Sendable {
    enum ReadState: Hashable, Sendable {
        case waitingForReportID
        case waitingForReport(id: UInt8, length: Int)
    }

    /// Input report sizes including the id byte (Wacom STU SDK reportSize + 1).
    static let inputReportSizes: [UInt8: Int] = [
        0x01: 7,  // PenData
        0x10: 17,  // PenDataEncrypted
        0x14: 17,  // DevicePublicKey (STU-300/500/520)
        0x30: 9,  // PenDataOption (STU-520)
        0x31: 21,  // PenDataEncryptedOption (STU-520)
        0x33: 17,  // PenDataTimeCountSequenceEncrypted
        0x34: 11,  // PenDataTimeCountSequence
        0x50: 17,  // EncryptionStatus
        0x99: 10,  // EventData (STU-540 operation modes)
        0x9A: 17,  // EventDataEncrypted
    ]

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var consumedBeforeBuffer = 0
    private(set) var state = ReadState.waitingForReportID
    private var clock = STUTimeCountUnwrapper()
    private var sequences = STUSequenceTracker()
    private var pending: STUPenEvent?

    public init() {}

    /// Bytes received but not yet framed.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes from one interrupt-IN read (any split: several reports, or part of one).
    public mutating func append(_ bytes: [UInt8]) {
        if readIndex > 4096 {
            consumedBeforeBuffer += readIndex
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next event, or nil when more bytes are needed. After `unknownInputReport` the bad byte has
    /// been skipped, so calling `next()` again resynchronises on the following bytes.
    public mutating func next() throws(STUReportError) -> STUPenEvent? {
        if let event = pending {
            pending = nil
            return event
        }
        while true {
            switch state {
            case .waitingForReportID:
                guard readIndex < buffer.count else { return nil }
                let id = buffer[readIndex]
                guard let length = Self.inputReportSizes[id] else {
                    let offset = consumedBeforeBuffer + readIndex
                    readIndex += 1
                    throw .unknownInputReport(reportID: id, offset: offset)
                }
                state = .waitingForReport(id: id, length: length)
            case .waitingForReport(let id, let length):
                guard buffer.count - readIndex >= length else { return nil }
                let report = Array(buffer[readIndex..<(readIndex + length)])
                readIndex += length
                state = .waitingForReportID
                return try event(for: report, id: id)
            }
        }
    }

    /// Decodes everything currently buffered.
    public mutating func drain() throws(STUReportError) -> [STUPenEvent] {
        var events: [STUPenEvent] = []
        while let event = try next() { events.append(event) }
        return events
    }

    /// Ends the stream: throws when a partial report is left over.
    public mutating func finish() throws(STUReportError) {
        let leftover = buffer.count - readIndex
        guard leftover > 0 else { return }
        let id = buffer[readIndex]
        let expected = Self.inputReportSizes[id] ?? leftover + 1
        throw .truncatedStream(reportID: id, expected: expected, available: leftover)
    }

    private mutating func event(for report: [UInt8], id: UInt8) throws(STUReportError) -> STUPenEvent {
        guard id == STUReportID.penData.rawValue || id == STUReportID.penDataTimeCountSequence.rawValue else {
            return .otherReport(reportID: id, bytes: report)
        }
        let sample = try STUPenSample(decodingReport: report)
        let time = sample.timeCount.map { clock.unwrap($0) }
        let timed = STUPenEvent.sample(STUTimedPenSample(sample: sample, monotonicMilliseconds: time))
        if let sequence = sample.sequence, let gap = sequences.observe(sequence) {
            pending = timed
            return .reportsLost(count: gap.lost, expectedSequence: gap.expected, receivedSequence: sequence)
        }
        return timed
    }
}

/// A point on the STU screen in pixels (fractional).
///
/// Wacom STU interface: screen coordinates derived from tablet units via the Capability report.
public struct STUScreenPoint: Hashable, Sendable {
    /// Horizontal position, pixels from the left edge.
    public var x: Double
    /// Vertical position, pixels from the top edge.
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Converts tablet units from pen reports into screen pixels using the Capability report (0x09):
/// pixel = unit × screenSize ÷ tabletMax, as the Wacom SDK samples do.
///
/// Wacom STU interface, report 0x09 Capability (tabletMaxX/Y, screenWidth/Height).
public struct STUCoordinateMapper: Hashable, Sendable {
    /// The capability the mapping is based on.
    public let capability: STUCapability

    /// Throws when the capability has a zero tablet range or screen size.
    public init(capability: STUCapability) throws(STUReportError) {
        guard capability.tabletMaxX > 0, capability.tabletMaxY > 0 else {
            throw .unusableCapability(reason: "tablet range is \(capability.tabletMaxX) × \(capability.tabletMaxY)")
        }
        guard capability.screenWidth > 0, capability.screenHeight > 0 else {
            throw .unusableCapability(reason: "screen size is \(capability.screenWidth) × \(capability.screenHeight)")
        }
        self.capability = capability
    }

    /// The screen position of tablet coordinates (may lie outside the screen for out-of-range input).
    public func screenPoint(x: UInt16, y: UInt16) -> STUScreenPoint {
        STUScreenPoint(
            x: Double(x) * Double(capability.screenWidth) / Double(capability.tabletMaxX),
            y: Double(y) * Double(capability.screenHeight) / Double(capability.tabletMaxY))
    }

    /// The screen position of a pen sample.
    public func screenPoint(for sample: STUPenSample) -> STUScreenPoint {
        screenPoint(x: sample.x, y: sample.y)
    }

    /// The pixel under a pen sample, clamped into the screen.
    public func pixel(for sample: STUPenSample) -> (x: Int, y: Int) {
        let point = screenPoint(for: sample)
        let x = min(Int(capability.screenWidth) - 1, max(0, Int(point.x.rounded(.down))))
        let y = min(Int(capability.screenHeight) - 1, max(0, Int(point.y.rounded(.down))))
        return (x, y)
    }
}
