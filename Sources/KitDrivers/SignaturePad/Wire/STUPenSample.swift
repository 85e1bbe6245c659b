/// One pen report from an STU pad: position and pressure in tablet units, proximity and tip switch, and —
/// for report 0x34 — the pad's millisecond time count and report sequence number.
///
/// Wacom STU interface, input reports 0x01 PenData (7 bytes) and 0x34 PenDataTimeCountSequence (11 bytes):
/// byte 1 = rdy << 7 | sw << 4 | pressure[11:8], byte 2 = pressure[7:0], x u16 big-endian, y u16 big-endian,
/// then (0x34 only) timeCount u16 big-endian and sequence u16 big-endian.
public struct STUPenSample: Hashable, Sendable {
    /// X in tablet units (0 … capability.tabletMaxX).
    public var x: UInt16
    /// Y in tablet units (0 … capability.tabletMaxY).
    public var y: UInt16
    /// Pressure (12 bits on the wire, 0 … capability.tabletMaxPressure).
    public var pressure: UInt16
    /// Pen in proximity ("ready").
    public var rdy: Bool
    /// Tip switch: pen touching the surface.
    public var sw: Bool
    /// Pad time count in milliseconds, wrapping at 65536 (report 0x34 only).
    public var timeCount: UInt16?
    /// Report sequence number, wrapping at 65536 (report 0x34 only).
    public var sequence: UInt16?

    public init(
        x: UInt16, y: UInt16, pressure: UInt16, rdy: Bool, sw: Bool, timeCount: UInt16? = nil, sequence: UInt16? = nil
    ) {
        self.x = x
        self.y = y
        self.pressure = pressure
        self.rdy = rdy
        self.sw = sw
        self.timeCount = timeCount
        self.sequence = sequence
    }

    /// Decodes one complete input report 0x01 or 0x34, id byte first.
    public init(decodingReport report: [UInt8]) throws(STUReportError) {
        guard let id = report.first else { throw .emptyReport }
        let reportID: STUReportID
        switch id {
        case STUReportID.penData.rawValue: reportID = .penData
        case STUReportID.penDataTimeCountSequence.rawValue: reportID = .penDataTimeCountSequence
        default: throw .unexpectedReportID(expected: STUReportID.penData.rawValue, actual: id)
        }
        try STUWire.validate(report, as: reportID)
        let status = report[1]
        rdy = status & 0x80 != 0
        sw = status & 0x70 != 0
        pressure = UInt16(status & 0x0F) << 8 | UInt16(report[2])
        x = STUWire.u16BE(report, 3)
        y = STUWire.u16BE(report, 5)
        if reportID == .penDataTimeCountSequence {
            timeCount = STUWire.u16BE(report, 7)
            sequence = STUWire.u16BE(report, 9)
        } else {
            timeCount = nil
            sequence = nil
        }
    }

    /// Encodes the sample as the pad would send it: report 0x34 when a time count or sequence is present
    /// (a missing one is sent as 0), report 0x01 otherwise. Pressure is cut to 12 bits.
    public func encodedReport() -> [UInt8] {
        let hasTiming = timeCount != nil || sequence != nil
        let id = hasTiming ? STUReportID.penDataTimeCountSequence : STUReportID.penData
        var status = UInt8((pressure >> 8) & 0x0F)
        if rdy { status |= 0x80 }
        if sw { status |= 0x10 }
        var out: [UInt8] = [id.rawValue, status, UInt8(pressure & 0xFF)]
        STUWire.appendU16BE(x, to: &out)
        STUWire.appendU16BE(y, to: &out)
        if hasTiming {
            STUWire.appendU16BE(timeCount ?? 0, to: &out)
            STUWire.appendU16BE(sequence ?? 0, to: &out)
        }
        return out
    }
}

/// A pen sample with the pad's wrapping 16-bit time count turned into a monotonic millisecond time.
///
/// Wacom STU interface, report 0x34 timeCount (1 ms ticks, wraps at 0xFFFF).
public struct STUTimedPenSample: Hashable, Sendable {
    /// The decoded report.
    public var sample: STUPenSample
    /// Monotonic pad time in ms (starts at the first time count seen); nil for reports without time count.
    public var monotonicMilliseconds: UInt64?

    public init(sample: STUPenSample, monotonicMilliseconds: UInt64?) {
        self.sample = sample
        self.monotonicMilliseconds = monotonicMilliseconds
    }
}

/// Turns the pad's 16-bit millisecond counter into a monotonic 64-bit time.
///
/// Wacom STU interface, report 0x34 timeCount. Each step forward is taken modulo 65536, so a wrap from
/// 0xFFFF to 0x0000 counts as 1 ms. A silence longer than 65.5 s between two reports cannot be seen in a
/// 16-bit counter and is under-counted by multiples of 65536 ms (the pad only reports while the pen is near).
public struct STUTimeCountUnwrapper: Hashable, Sendable {
    private var last: UInt16?
    private var total: UInt64 = 0

    public init() {}

    /// Returns the monotonic time for the next time count.
    public mutating func unwrap(_ timeCount: UInt16) -> UInt64 {
        if let last {
            total &+= UInt64(timeCount &- last)
        } else {
            total = UInt64(timeCount)
        }
        last = timeCount
        return total
    }
}

/// Detects lost pen reports from the pad's 16-bit sequence number.
///
/// Wacom STU interface, report 0x34 sequence (incremented per report, wraps at 0xFFFF).
public struct STUSequenceTracker: Hashable, Sendable {
    private var last: UInt16?

    public init() {}

    /// Records a sequence number and returns how many reports were skipped before it (0 when in order).
    /// A repeated or backwards number counts as a gap of (received − expected) modulo 65536.
    public mutating func observe(_ sequence: UInt16) -> (lost: Int, expected: UInt16)? {
        defer { last = sequence }
        guard let last else { return nil }
        let expected = last &+ 1
        let lost = Int(sequence &- expected)
        return lost == 0 ? nil : (lost, expected)
    }
}
