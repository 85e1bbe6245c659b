/// Image encodings a pad announces in Capability.encodingFlag.
///
/// Wacom STU interface, report 0x09 Capability, encodingFlag bits: 0x01 zlib, 0x02 1-bit, 0x04 16-bit, 0x08 24-bit.
public struct STUEncodingFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// zlib-compressed monochrome images are accepted.
    public static let zlib = STUEncodingFlags(rawValue: 0x01)
    /// Uncompressed 1-bit monochrome images are accepted.
    public static let oneBit = STUEncodingFlags(rawValue: 0x02)
    /// 16-bit RGB 565 images are accepted.
    public static let rgb565 = STUEncodingFlags(rawValue: 0x04)
    /// 24-bit colour images are accepted.
    public static let rgb24 = STUEncodingFlags(rawValue: 0x08)

    /// The image encodings these flags allow, in ascending id order.
    public var encodings: [STUImageEncoding] {
        var result: [STUImageEncoding] = []
        if contains(.oneBit) { result.append(.oneBit) }
        if contains(.oneBit) && contains(.zlib) { result.append(.oneBitZlib) }
        if contains(.rgb565) { result.append(.rgb565) }
        if contains(.rgb24) { result.append(.rgb24) }
        return result
    }
}

/// Capability feature report 0x09 (17 bytes): tablet range, pressure range, screen size, report rate,
/// resolution and supported image encodings. Multi-byte fields are big-endian; bytes 15–16 are reserved.
///
/// Wacom STU interface, report 0x09 Capability.
public struct STUCapability: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.capability

    /// Largest x value in pen reports (tablet units).
    public var tabletMaxX: UInt16
    /// Largest y value in pen reports (tablet units).
    public var tabletMaxY: UInt16
    /// Largest pressure value in pen reports.
    public var tabletMaxPressure: UInt16
    /// LCD width in pixels.
    public var screenWidth: UInt16
    /// LCD height in pixels.
    public var screenHeight: UInt16
    /// Pen reports per second.
    public var maxReportRate: UInt8
    /// Tablet units per inch.
    public var resolution: UInt16
    /// Supported image encodings.
    public var encodingFlags: STUEncodingFlags

    public init(
        tabletMaxX: UInt16, tabletMaxY: UInt16, tabletMaxPressure: UInt16, screenWidth: UInt16,
        screenHeight: UInt16, maxReportRate: UInt8, resolution: UInt16, encodingFlags: STUEncodingFlags
    ) {
        self.tabletMaxX = tabletMaxX
        self.tabletMaxY = tabletMaxY
        self.tabletMaxPressure = tabletMaxPressure
        self.screenWidth = screenWidth
        self.screenHeight = screenHeight
        self.maxReportRate = maxReportRate
        self.resolution = resolution
        self.encodingFlags = encodingFlags
    }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        tabletMaxX = STUWire.u16BE(report, 1)
        tabletMaxY = STUWire.u16BE(report, 3)
        tabletMaxPressure = STUWire.u16BE(report, 5)
        screenWidth = STUWire.u16BE(report, 7)
        screenHeight = STUWire.u16BE(report, 9)
        maxReportRate = report[11]
        resolution = STUWire.u16BE(report, 12)
        encodingFlags = STUEncodingFlags(rawValue: report[14])
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.reportID.rawValue]
        for value in [tabletMaxX, tabletMaxY, tabletMaxPressure, screenWidth, screenHeight] {
            STUWire.appendU16BE(value, to: &out)
        }
        out.append(maxReportRate)
        STUWire.appendU16BE(resolution, to: &out)
        out.append(encodingFlags.rawValue)
        out.append(contentsOf: [0, 0])
        return out
    }
}

/// The STU models this driver supports, keyed by USB product id (vendor 0x056A).
///
/// Wacom STU SDK product-id table. Screen and tablet figures are the nominal values; always prefer the
/// Capability report (0x09) read from the device, which is authoritative.
public enum STUModel: UInt16, Sendable, CaseIterable {
    /// STU-430: 320 × 200 monochrome.
    case stu430 = 0x00A4
    /// STU-530: 800 × 480 colour.
    case stu530 = 0x00A5
    /// STU-430V: 320 × 200 monochrome, USB and serial.
    case stu430V = 0x00A6
    /// STU-540: 800 × 480 colour.
    case stu540 = 0x00A8

    /// Wacom's USB vendor id.
    public static let vendorID: UInt16 = 0x056A

    /// Looks a model up by USB product id; nil for product ids this driver does not know.
    public init?(productID: UInt16) { self.init(rawValue: productID) }

    /// USB product id.
    public var productID: UInt16 { rawValue }

    /// Marketing name, e.g. "STU-540".
    public var name: String {
        switch self {
        case .stu430: return "STU-430"
        case .stu530: return "STU-530"
        case .stu430V: return "STU-430V"
        case .stu540: return "STU-540"
        }
    }

    /// Whether the LCD shows colour (16/24-bit images).
    public var isColor: Bool { self == .stu530 || self == .stu540 }

    /// Nominal screen width in pixels.
    public var screenWidth: Int { isColor ? 800 : 320 }
    /// Nominal screen height in pixels.
    public var screenHeight: Int { isColor ? 480 : 200 }
    /// Nominal largest x in pen reports (tablet units, 100 units per mm).
    public var tabletMaxX: Int { isColor ? 10800 : 9600 }
    /// Nominal largest y in pen reports (tablet units, 100 units per mm).
    public var tabletMaxY: Int { isColor ? 6480 : 6000 }
    /// Largest pressure value.
    public var maxPressure: Int { 1023 }

    /// Image encodings the model accepts (SDK: 430/430V 1-bit only; 530/540 1-bit, zlib, 16-bit, 24-bit).
    public var supportedEncodings: STUEncodingFlags {
        isColor ? [.zlib, .oneBit, .rgb565, .rgb24] : [.oneBit]
    }

    /// A capability with the nominal figures, for tests and for pads whose capability report is unreadable.
    public var nominalCapability: STUCapability {
        STUCapability(
            tabletMaxX: UInt16(tabletMaxX), tabletMaxY: UInt16(tabletMaxY), tabletMaxPressure: UInt16(maxPressure),
            screenWidth: UInt16(screenWidth), screenHeight: UInt16(screenHeight), maxReportRate: 200,
            resolution: 2540, encodingFlags: supportedEncodings)
    }
}
