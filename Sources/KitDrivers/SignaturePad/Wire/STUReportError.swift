/// Why a Wacom STU report could not be encoded, decoded or framed.
///
/// Follows the Wacom STU HID report layout (feature reports on endpoint 0, pen reports on interrupt IN);
/// every case names the report id and the byte offset so the log line is enough to find the fault.
public enum STUReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The report was empty: not even the report-id byte was present.
    case emptyReport
    /// The first byte was not the report id this decoder handles.
    case unexpectedReportID(expected: UInt8, actual: UInt8)
    /// The report did not have the fixed size the pad uses for this report id.
    case wrongLength(reportID: UInt8, expected: Int, actual: Int)
    /// A field held a value the STU protocol does not define.
    case invalidFieldValue(reportID: UInt8, field: String, value: Int, offset: Int)
    /// An image data block would carry more than 253 data bytes.
    case imageBlockTooLong(length: Int)
    /// The input stream held a report id whose size is unknown, so framing is lost at this offset.
    case unknownInputReport(reportID: UInt8, offset: Int)
    /// The input stream ended in the middle of a report.
    case truncatedStream(reportID: UInt8, expected: Int, available: Int)
    /// The capability has a zero tablet range or screen size, so pen coordinates cannot be mapped.
    case unusableCapability(reason: String)

    public var description: String {
        switch self {
        case .emptyReport:
            return "STU report is empty (0 bytes); expected at least the report-id byte"
        case .unexpectedReportID(let expected, let actual):
            return "STU report id \(STUWire.hex(actual)) at offset 0, expected \(STUWire.hex(expected))"
        case .wrongLength(let reportID, let expected, let actual):
            return "STU report \(STUWire.hex(reportID)) has \(actual) bytes, the pad uses exactly \(expected) "
                + "(check the HID report length passed to GET_REPORT / SET_REPORT)"
        case .invalidFieldValue(let reportID, let field, let value, let offset):
            return "STU report \(STUWire.hex(reportID)): field '\(field)' at offset \(offset) has undefined value "
                + "\(value) (\(STUWire.hex(UInt8(truncatingIfNeeded: value))))"
        case .imageBlockTooLong(let length):
            return "STU image data block carries \(length) bytes, at most 253 fit in one 256-byte report"
        case .unknownInputReport(let reportID, let offset):
            return "STU pen stream: unknown input report id \(STUWire.hex(reportID)) at stream offset \(offset); "
                + "the byte was skipped to resynchronise (is encryption or a foreign operation mode enabled?)"
        case .truncatedStream(let reportID, let expected, let available):
            return "STU pen stream ended inside report \(STUWire.hex(reportID)): \(available) of \(expected) bytes "
                + "present (USB read cut short or device unplugged)"
        case .unusableCapability(let reason):
            return "STU capability report unusable for coordinate mapping: \(reason)"
        }
    }
}

/// Byte-level helpers for the STU wire format (big- and little-endian 16-bit fields, report checks).
enum STUWire {
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    static func u16BE(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 1 < bytes.count else { return 0 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func u16LE(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 1 < bytes.count else { return 0 }
        return UInt16(bytes[offset + 1]) << 8 | UInt16(bytes[offset])
    }

    static func byte(_ bytes: [UInt8], _ offset: Int) -> UInt8 {
        guard offset >= 0, offset < bytes.count else { return 0 }
        return bytes[offset]
    }

    static func appendU16BE(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    static func appendU16LE(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value & 0xFF))
        out.append(UInt8(value >> 8))
    }

    /// Checks id byte and fixed length; returns normally only for a well-formed frame.
    static func validate(_ bytes: [UInt8], as id: STUReportID) throws(STUReportError) {
        guard let first = bytes.first else { throw .emptyReport }
        guard first == id.rawValue else { throw .unexpectedReportID(expected: id.rawValue, actual: first) }
        guard bytes.count == id.reportSize else {
            throw .wrongLength(reportID: id.rawValue, expected: id.reportSize, actual: bytes.count)
        }
    }
}
