/// Operating state reported in the STU Status report (0x03), byte 1.
///
/// Wacom STU interface, Status report. Kept as a raw value so a state added by newer firmware still decodes.
public struct STUStatusCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Ready: the pad sends pen data and accepts commands.
    public static let ready = STUStatusCode(rawValue: 0x00)
    /// An image upload is in progress.
    public static let image = STUStatusCode(rawValue: 0x01)
    /// Encrypted capture is in progress.
    public static let capture = STUStatusCode(rawValue: 0x02)
    /// The pad is calculating encryption keys.
    public static let calculation = STUStatusCode(rawValue: 0x03)
    /// The boot image is shown; the pad returns to ready by itself.
    public static let imageBoot = STUStatusCode(rawValue: 0x04)
    /// The pad is accessing its ROM.
    public static let romBusy = STUStatusCode(rawValue: 0x05)
    /// The pad is resetting.
    public static let systemReset = STUStatusCode(rawValue: 0xFF)

    public var description: String {
        switch self {
        case .ready: return "ready"
        case .image: return "image upload"
        case .capture: return "encrypted capture"
        case .calculation: return "calculating keys"
        case .imageBoot: return "showing boot image"
        case .romBusy: return "ROM busy"
        case .systemReset: return "resetting"
        default: return "unknown state \(STUWire.hex(rawValue))"
        }
    }
}

/// Result of the last command, reported in the STU Status report (0x03), byte 2.
///
/// Wacom STU interface, Status report, lastResultCode. Raw value kept: codes 0x80…0xFF are firmware-internal.
public struct STUResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The last command succeeded.
    public static let none = STUResultCode(rawValue: 0x00)
    /// The pad received a report id it does not know.
    public static let wrongReportID = STUResultCode(rawValue: 0x01)
    /// The command arrived in a state that does not allow it.
    public static let wrongState = STUResultCode(rawValue: 0x02)
    /// CRC error (serial interface only).
    public static let crcError = STUResultCode(rawValue: 0x03)
    /// A parameter was out of range.
    public static let badParameter = STUResultCode(rawValue: 0x04)
    /// The image encoding is not supported by this model.
    public static let graphicsWrongEncodingType = STUResultCode(rawValue: 0x10)
    /// The image is larger than the screen memory.
    public static let graphicsImageTooLong = STUResultCode(rawValue: 0x11)
    /// zlib inflate failed on a compressed image.
    public static let graphicsZlibError = STUResultCode(rawValue: 0x12)
    /// Image area or handwriting area is invalid.
    public static let graphicsWrongParameters = STUResultCode(rawValue: 0x15)

    public var description: String {
        switch self {
        case .none: return "OK"
        case .wrongReportID: return "wrong report id"
        case .wrongState: return "command not allowed in the current state"
        case .crcError: return "CRC error"
        case .badParameter: return "bad parameter"
        case .graphicsWrongEncodingType: return "image encoding not supported by this pad"
        case .graphicsImageTooLong: return "image larger than the screen"
        case .graphicsZlibError: return "zlib error in compressed image"
        case .graphicsWrongParameters: return "image or handwriting area invalid"
        default:
            return rawValue >= 0x80
                ? "firmware-internal error \(STUWire.hex(rawValue))" : "unknown result \(STUWire.hex(rawValue))"
        }
    }
}

/// Status feature report 0x03 (5 bytes): state, last result, status word (u16 little-endian).
///
/// Wacom STU interface, report 0x03 Status.
public struct STUStatus: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.status

    /// Current operating state.
    public var statusCode: STUStatusCode
    /// Result of the last command.
    public var lastResultCode: STUResultCode
    /// Reserved status word, little-endian on the wire.
    public var statusWord: UInt16

    public init(statusCode: STUStatusCode, lastResultCode: STUResultCode, statusWord: UInt16 = 0) {
        self.statusCode = statusCode
        self.lastResultCode = lastResultCode
        self.statusWord = statusWord
    }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        statusCode = STUStatusCode(rawValue: report[1])
        lastResultCode = STUResultCode(rawValue: report[2])
        statusWord = STUWire.u16LE(report, 3)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.reportID.rawValue, statusCode.rawValue, lastResultCode.rawValue]
        STUWire.appendU16LE(statusWord, to: &out)
        return out
    }
}

/// Reset feature report 0x04 (2 bytes): 0 soft reset, 1 hard reset.
///
/// Wacom STU interface, report 0x04 Reset. After a hard reset the USB device must be reopened.
public struct STUReset: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.reset

    /// Kind of reset.
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// Soft reset: state back to ready, screen cleared, settings to defaults.
        case soft = 0x00
        /// Hard reset: the device re-enumerates on USB.
        case hard = 0x01
    }

    /// Kind of reset to perform.
    public var kind: Kind

    public init(kind: Kind) { self.kind = kind }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        guard let kind = Kind(rawValue: report[1]) else {
            throw .invalidFieldValue(
                reportID: Self.reportID.rawValue, field: "resetFlag", value: Int(report[1]), offset: 1)
        }
        self.kind = kind
    }

    public func encoded() -> [UInt8] { [Self.reportID.rawValue, kind.rawValue] }
}
