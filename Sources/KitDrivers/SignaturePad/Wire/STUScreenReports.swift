/// A screen rectangle as the STU protocol sends it: four u16 little-endian pixel coordinates,
/// upper-left and lower-right corner (both inclusive).
///
/// Wacom STU interface, Rectangle used by reports 0x23, 0x24 and 0x2A.
public struct STURectangle: Hashable, Sendable {
    /// Left edge, pixels.
    public var upperLeftX: UInt16
    /// Top edge, pixels.
    public var upperLeftY: UInt16
    /// Right edge (inclusive), pixels.
    public var lowerRightX: UInt16
    /// Bottom edge (inclusive), pixels.
    public var lowerRightY: UInt16

    public init(upperLeftX: UInt16, upperLeftY: UInt16, lowerRightX: UInt16, lowerRightY: UInt16) {
        self.upperLeftX = upperLeftX
        self.upperLeftY = upperLeftY
        self.lowerRightX = lowerRightX
        self.lowerRightY = lowerRightY
    }

    /// The rectangle covering a pixel rect (inclusive corners); negative or oversized values are clamped.
    public init(_ rect: STUPixelRect) {
        func clamp(_ value: Int) -> UInt16 { UInt16(max(0, min(Int(UInt16.max), value))) }
        self.init(
            upperLeftX: clamp(rect.x), upperLeftY: clamp(rect.y), lowerRightX: clamp(rect.x + rect.width - 1),
            lowerRightY: clamp(rect.y + rect.height - 1))
    }

    func append(to out: inout [UInt8]) {
        for value in [upperLeftX, upperLeftY, lowerRightX, lowerRightY] { STUWire.appendU16LE(value, to: &out) }
    }

    static func read(_ bytes: [UInt8], at offset: Int) -> STURectangle {
        STURectangle(
            upperLeftX: STUWire.u16LE(bytes, offset), upperLeftY: STUWire.u16LE(bytes, offset + 2),
            lowerRightX: STUWire.u16LE(bytes, offset + 4), lowerRightY: STUWire.u16LE(bytes, offset + 6))
    }
}

/// ClearScreen feature report 0x20 (2 bytes, second byte 0): clears the LCD to the background colour.
///
/// Wacom STU interface, report 0x20 ClearScreen.
public struct STUClearScreen: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.clearScreen

    public init() {}

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
    }

    public func encoded() -> [UInt8] { [Self.reportID.rawValue, 0] }
}

/// InkingMode feature report 0x21 (2 bytes): 0 off, 1 on (the pad draws ink under the pen itself).
///
/// Wacom STU interface, report 0x21 InkingMode. Any non-zero value read back means on.
public struct STUInkingMode: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.inkingMode

    /// Whether the pad draws ink.
    public var isOn: Bool

    public init(isOn: Bool) { self.isOn = isOn }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        isOn = report[1] != 0
    }

    public func encoded() -> [UInt8] { [Self.reportID.rawValue, isOn ? 1 : 0] }
}

/// InkThreshold feature report 0x22 (5 bytes): pressure marks to start and stop the pad's own ink,
/// u16 little-endian each, valid 0…0x3FF (defaults on 0x15, off 0x10).
///
/// Wacom STU interface, report 0x22 InkThreshold.
public struct STUInkThreshold: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.inkThreshold

    /// Pressure at which ink starts.
    public var onPressureMark: UInt16
    /// Pressure below which ink stops.
    public var offPressureMark: UInt16

    public init(onPressureMark: UInt16, offPressureMark: UInt16) {
        self.onPressureMark = onPressureMark
        self.offPressureMark = offPressureMark
    }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        onPressureMark = STUWire.u16LE(report, 1)
        offPressureMark = STUWire.u16LE(report, 3)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.reportID.rawValue]
        STUWire.appendU16LE(onPressureMark, to: &out)
        STUWire.appendU16LE(offPressureMark, to: &out)
        return out
    }
}

/// HandwritingDisplayArea feature report 0x2A (9 bytes): the rectangle in which the pad draws ink.
///
/// Wacom STU interface, report 0x2A HandwritingDisplayArea (rectangle as u16 little-endian).
public struct STUHandwritingDisplayArea: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.handwritingDisplayArea

    /// The inking rectangle.
    public var area: STURectangle

    public init(area: STURectangle) { self.area = area }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        area = STURectangle.read(report, at: 1)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.reportID.rawValue]
        area.append(to: &out)
        return out
    }
}

/// PenDataOptionMode feature report 0x32 (2 bytes): which optional fields pen reports carry.
///
/// Wacom STU interface, report 0x32. On the STU-430/530/540 only mode 3 yields input report 0x34.
public struct STUPenDataOptionMode: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.penDataOptionMode

    /// Pen report option.
    public enum Mode: UInt8, Sendable, CaseIterable {
        /// Plain pen data (report 0x01).
        case none = 0x00
        /// Time count only (STU-520 only).
        case timeCount = 0x01
        /// Sequence number only.
        case sequenceNumber = 0x02
        /// Time count and sequence number (report 0x34, STU-430/530/540).
        case timeCountSequence = 0x03
    }

    /// Selected mode.
    public var mode: Mode

    public init(mode: Mode) { self.mode = mode }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        guard let mode = Mode(rawValue: report[1]) else {
            throw .invalidFieldValue(
                reportID: Self.reportID.rawValue, field: "penDataOptionMode", value: Int(report[1]), offset: 1)
        }
        self.mode = mode
    }

    public func encoded() -> [UInt8] { [Self.reportID.rawValue, mode.rawValue] }
}
