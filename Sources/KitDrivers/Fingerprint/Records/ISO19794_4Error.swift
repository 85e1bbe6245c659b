/// Why an ISO/IEC 19794-4:2005 finger image record could not be read or written.
public enum ISO19794_4Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The record ended before a field could be read.
    case truncated(offset: Int, needed: Int)
    /// The record does not start with "FIR\0".
    case invalidFormatIdentifier([UInt8])
    /// The version is not "010\0" (ISO/IEC 19794-4:2005).
    case unsupportedVersion([UInt8])
    /// The record length in the general header differs from the number of bytes supplied.
    case recordLengthMismatch(declared: Int, actual: Int)
    /// A finger image header declares a length that is too small or runs past the record.
    case invalidViewLength(offset: Int, length: Int)
    /// The number of finger images in the general header differs from the images found.
    case viewCountMismatch(declared: Int, found: Int)
    /// A code field holds a value the standard does not define.
    case unknownCode(offset: Int, field: String, value: Int)
    /// A field holds a value outside its allowed range.
    case invalidField(field: String, value: Int)
    /// The record would exceed a length field (6-byte record length, 4-byte image length, 255 images).
    case tooLarge(field: String, value: Int)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed):
            return "ISO 19794-4: record ends at offset \(offset); \(needed) more byte(s) needed. The record is cut off."
        case .invalidFormatIdentifier(let bytes):
            return "ISO 19794-4: format identifier is \(iso19794Hex(bytes)), expected 46 49 52 00 (\"FIR\\0\")."
        case .unsupportedVersion(let bytes):
            return
                "ISO 19794-4: version \(iso19794Hex(bytes)) is not supported, expected 30 31 30 00 (\"010\\0\", 2005)."
        case .recordLengthMismatch(let declared, let actual):
            return "ISO 19794-4: header declares \(declared) bytes but \(actual) bytes were supplied."
        case .invalidViewLength(let offset, let length):
            return "ISO 19794-4: finger image at offset \(offset) declares length \(length), which does not fit."
        case .viewCountMismatch(let declared, let found):
            return "ISO 19794-4: header announces \(declared) finger image(s), the record holds \(found)."
        case .unknownCode(let offset, let field, let value):
            return "ISO 19794-4: \(field) code \(value) at offset \(offset) is not defined by the standard."
        case .invalidField(let field, let value):
            return "ISO 19794-4: \(field) value \(value) is out of range."
        case .tooLarge(let field, let value):
            return "ISO 19794-4: \(field) would be \(value), more than its field can hold."
        }
    }
}

private func iso19794Hex(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}
