/// Report ids of the Wacom STU HID protocol used by this driver, with their fixed sizes.
///
/// Wacom STU interface: the first byte of each report is its id and the pad stalls a report of the wrong length.
/// Sizes include the id byte (the STU SDK documents them without it).
public enum STUReportID: UInt8, Sendable, CaseIterable {
    /// Input report: pen data without timing (interrupt IN).
    case penData = 0x01
    /// Feature GET: device status.
    case status = 0x03
    /// Feature SET: soft or hard reset.
    case reset = 0x04
    /// Feature GET: model name and firmware.
    case information = 0x08
    /// Feature GET: tablet range, screen size and supported image encodings.
    case capability = 0x09
    /// Feature SET: clear the LCD to the background colour.
    case clearScreen = 0x20
    /// Feature GET/SET: whether the pad draws ink itself.
    case inkingMode = 0x21
    /// Feature GET/SET: pressure thresholds for the pad's own ink.
    case inkThreshold = 0x22
    /// Feature SET: begin an image upload into a screen rectangle.
    case startImageDataArea = 0x24
    /// Feature SET: begin a full-screen image upload.
    case startImageData = 0x25
    /// Feature SET: one block of image data.
    case imageDataBlock = 0x26
    /// Feature SET: commit or abandon an image upload.
    case endImageData = 0x27
    /// Feature GET/SET: screen rectangle in which the pad draws ink.
    case handwritingDisplayArea = 0x2A
    /// Feature GET/SET: which optional fields pen reports carry.
    case penDataOptionMode = 0x32
    /// Input report: pen data with time count and sequence number (interrupt IN).
    case penDataTimeCountSequence = 0x34

    /// Size of the whole report in bytes, including the leading report-id byte.
    public var reportSize: Int {
        switch self {
        case .penData: return 7
        case .status: return 5
        case .reset: return 2
        case .information: return 17
        case .capability: return 17
        case .clearScreen: return 2
        case .inkingMode: return 2
        case .inkThreshold: return 5
        case .startImageDataArea: return 11
        case .startImageData: return 2
        case .imageDataBlock: return 256
        case .endImageData: return 2
        case .handwritingDisplayArea: return 9
        case .penDataOptionMode: return 2
        case .penDataTimeCountSequence: return 11
        }
    }
}

/// A fixed-size STU feature report that can be turned into bytes and parsed back.
///
/// Wacom STU interface, feature reports: byte 0 is the report id, the size is fixed per id.
public protocol STUFeatureReport: Sendable, Equatable {
    /// The report id this type encodes.
    static var reportID: STUReportID { get }
    /// The complete report, id byte first, exactly `reportID.reportSize` bytes long.
    func encoded() -> [UInt8]
    /// Parses a complete report as returned by GET_REPORT; throws for a wrong id or length.
    init(decoding report: [UInt8]) throws(STUReportError)
}

extension STUFeatureReport {
    /// Fixed size of this report in bytes, including the id byte.
    public static var reportSize: Int { reportID.reportSize }
}

/// The USB control transfer that reads or writes one STU feature report on endpoint 0.
///
/// USB HID 1.11 §7.2.1 / §7.2.2: GET_REPORT is bmRequestType 0xA1, bRequest 0x01; SET_REPORT is 0x21, 0x09;
/// wValue is the report type (0x03 = feature) in the high byte and the report id in the low byte.
public struct STUHIDControlRequest: Sendable, Equatable {
    /// bmRequestType.
    public let requestType: UInt8
    /// bRequest.
    public let request: UInt8
    /// wValue: 0x0300 | report id.
    public let value: UInt16
    /// wIndex: the HID interface number.
    public let index: UInt16
    /// wLength: the fixed report size including the id byte.
    public let length: UInt16

    /// GET_REPORT for a feature report.
    public static func getFeature(_ id: STUReportID, interface: UInt16 = 0) -> STUHIDControlRequest {
        STUHIDControlRequest(
            requestType: 0xA1, request: 0x01, value: 0x0300 | UInt16(id.rawValue), index: interface,
            length: UInt16(id.reportSize))
    }

    /// SET_REPORT for a feature report.
    public static func setFeature(_ id: STUReportID, interface: UInt16 = 0) -> STUHIDControlRequest {
        STUHIDControlRequest(
            requestType: 0x21, request: 0x09, value: 0x0300 | UInt16(id.rawValue), index: interface,
            length: UInt16(id.reportSize))
    }
}
