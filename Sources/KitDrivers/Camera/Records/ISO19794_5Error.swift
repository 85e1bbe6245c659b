/// Why an ISO/IEC 19794-5:2005 face image record could not be read or written.
public enum ISO19794_5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The record ended before a field could be read.
    case truncated(offset: Int, needed: Int)
    /// The record does not start with "FAC\0".
    case invalidFormatIdentifier([UInt8])
    /// The version is not "010\0" (ISO/IEC 19794-5:2005).
    case unsupportedVersion([UInt8])
    /// The record length in the header differs from the number of bytes supplied.
    case recordLengthMismatch(declared: Int, actual: Int)
    /// The facial record data block declares a length that does not fit the record.
    case invalidBlockLength(offset: Int, length: Int)
    /// A code field holds a value the standard does not define.
    case unknownCode(offset: Int, field: String, value: Int)
    /// A field holds a value outside its allowed range.
    case invalidField(field: String, value: Int)
    /// The record would exceed a length field.
    case tooLarge(field: String, value: Int)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed):
            return "ISO 19794-5: record ends at offset \(offset); \(needed) more byte(s) needed. The record is cut off."
        case .invalidFormatIdentifier(let bytes):
            return "ISO 19794-5: format identifier is \(Self.hex(bytes)), expected 46 41 43 00 (\"FAC\\0\")."
        case .unsupportedVersion(let bytes):
            return "ISO 19794-5: version \(Self.hex(bytes)) is not supported, expected 30 31 30 00 (\"010\\0\", 2005)."
        case .recordLengthMismatch(let declared, let actual):
            return "ISO 19794-5: header declares \(declared) bytes but \(actual) bytes were supplied."
        case .invalidBlockLength(let offset, let length):
            return "ISO 19794-5: facial record data at offset \(offset) declares length \(length), which does not fit."
        case .unknownCode(let offset, let field, let value):
            return "ISO 19794-5: \(field) code \(value) at offset \(offset) is not defined by the standard."
        case .invalidField(let field, let value):
            return "ISO 19794-5: \(field) value \(value) is out of range."
        case .tooLarge(let field, let value):
            return "ISO 19794-5: \(field) \(value) does not fit its length field."
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16, uppercase: true).leftPadded() }.joined(separator: " ")
    }
}

extension String {
    fileprivate func leftPadded() -> String { count < 2 ? "0" + self : self }
}
