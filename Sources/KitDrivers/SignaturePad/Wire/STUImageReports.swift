/// Pixel encoding of an image upload, sent in StartImageData (0x25) / StartImageDataArea (0x24).
///
/// Wacom STU interface, EncodingMode (HID variants; the bulk variants 0x10/0x12/0x14 are not used here).
public enum STUImageEncoding: UInt8, Sendable, CaseIterable {
    /// Uncompressed monochrome, 1 bit per pixel, rows padded to whole bytes, MSB first, 0 = black.
    case oneBit = 0x00
    /// zlib-compressed monochrome.
    case oneBitZlib = 0x01
    /// Uncompressed colour, RGB 565, 2 bytes per pixel, high byte first.
    case rgb565 = 0x02
    /// Uncompressed colour, 3 bytes per pixel (STU-530/540).
    case rgb24 = 0x04

    static func decode(_ byte: UInt8, reportID: STUReportID, offset: Int) throws(STUReportError) -> STUImageEncoding {
        guard let encoding = STUImageEncoding(rawValue: byte) else {
            throw .invalidFieldValue(
                reportID: reportID.rawValue, field: "encodingMode", value: Int(byte), offset: offset)
        }
        return encoding
    }
}

/// StartImageData feature report 0x25 (2 bytes): begins a full-screen image upload.
///
/// Wacom STU interface, report 0x25 StartImageData.
public struct STUStartImageData: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.startImageData

    /// Encoding of the blocks that follow.
    public var encoding: STUImageEncoding

    public init(encoding: STUImageEncoding) { self.encoding = encoding }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        encoding = try STUImageEncoding.decode(report[1], reportID: Self.reportID, offset: 1)
    }

    public func encoded() -> [UInt8] { [Self.reportID.rawValue, encoding.rawValue] }
}

/// StartImageDataArea feature report 0x24 (11 bytes): begins an image upload into a screen rectangle.
/// Layout: id, encoding, 0x01, rectangle (4 × u16 little-endian).
///
/// Wacom STU interface, report 0x24 StartImageDataArea (STU-430/530/540). Byte 2 is always 1 in the
/// Wacom SDK; it is written as 1 and ignored when decoding.
public struct STUStartImageDataArea: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.startImageDataArea

    /// Encoding of the blocks that follow.
    public var encoding: STUImageEncoding
    /// Target rectangle on the screen.
    public var area: STURectangle

    public init(encoding: STUImageEncoding, area: STURectangle) {
        self.encoding = encoding
        self.area = area
    }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        encoding = try STUImageEncoding.decode(report[1], reportID: Self.reportID, offset: 1)
        area = STURectangle.read(report, at: 3)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.reportID.rawValue, encoding.rawValue, 1]
        area.append(to: &out)
        return out
    }
}

/// ImageDataBlock feature report 0x26 (256 bytes): id, data length (u16 little-endian), up to 253 data
/// bytes, zero padding to 256.
///
/// Wacom STU interface, report 0x26 ImageDataBlock (HID size; serial and bulk transfers allow larger blocks).
public struct STUImageDataBlock: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.imageDataBlock
    /// Most data bytes one 256-byte block can carry.
    public static let maximumDataLength = 253

    /// The image bytes in this block.
    public let data: [UInt8]

    /// Creates a block; throws when `data` is longer than 253 bytes.
    public init(data: [UInt8]) throws(STUReportError) {
        guard data.count <= Self.maximumDataLength else { throw .imageBlockTooLong(length: data.count) }
        self.data = data
    }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        let length = Int(STUWire.u16LE(report, 1))
        guard length <= Self.maximumDataLength else {
            throw .invalidFieldValue(reportID: Self.reportID.rawValue, field: "length", value: length, offset: 1)
        }
        data = Array(report[3..<(3 + length)])
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.reportID.rawValue]
        out.reserveCapacity(Self.reportSize)
        STUWire.appendU16LE(UInt16(data.count), to: &out)
        out.append(contentsOf: data)
        out.append(contentsOf: [UInt8](repeating: 0, count: Self.reportSize - out.count))
        return out
    }
}

/// EndImageData feature report 0x27 (2 bytes): 0 commits the image to the LCD, 1 abandons it.
///
/// Wacom STU interface, report 0x27 EndImageData.
public struct STUEndImageData: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.endImageData

    /// What to do with the uploaded image.
    public enum Action: UInt8, Sendable, CaseIterable {
        /// Show the image.
        case commit = 0x00
        /// Discard the image and return to ready.
        case abandon = 0x01
    }

    /// Commit or abandon.
    public var action: Action

    public init(action: Action) { self.action = action }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        guard let action = Action(rawValue: report[1]) else {
            throw .invalidFieldValue(
                reportID: Self.reportID.rawValue, field: "endImageDataFlag", value: Int(report[1]), offset: 1)
        }
        self.action = action
    }

    public func encoded() -> [UInt8] { [Self.reportID.rawValue, action.rawValue] }
}
