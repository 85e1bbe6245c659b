/// Why an ISO/IEC 19794-7:2014 signature/sign time-series record could not be encoded or decoded.
///
/// Each case names the byte offset (decoding) or the field (encoding) so the record can be inspected.
public enum ISO19794_7Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The data ended before a field could be read.
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    /// The record does not start with "SDI\0".
    case badFormatIdentifier([UInt8])
    /// The version is not "020\0" (ISO/IEC 19794-7:2014).
    case unsupportedVersion([UInt8])
    /// The record length field does not match the number of bytes.
    case recordLengthMismatch(declared: Int, actual: Int)
    /// The record holds no representation.
    case noRepresentation
    /// A representation length field does not match its content.
    case representationLengthMismatch(index: Int, declared: Int, actual: Int)
    /// The certification flag is set; certification blocks are not supported.
    case certificationNotSupported(flag: UInt8)
    /// X and Y channels are mandatory but one of them is missing.
    case missingMandatoryChannel(ISO19794_7Channel)
    /// A channel is marked constant; such records (values left out of sample points) are not supported.
    case constantChannelNotSupported(ISO19794_7Channel)
    /// A channel value or attribute is outside the 16-bit range of that channel.
    case valueOutOfRange(channel: ISO19794_7Channel, field: String, value: Int)
    /// A sample point lacks a value for an included channel, or has one for a channel not included.
    case channelValueMismatch(pointIndex: Int, channel: ISO19794_7Channel)
    /// A count exceeds what its length field can hold.
    case tooMany(field: String, count: Int, maximum: Int)
    /// Bytes follow the last representation.
    case trailingBytes(offset: Int, count: Int)

    public var description: String {
        switch self {
        case .truncated(let field, let offset, let needed, let available):
            return "ISO 19794-7 record truncated in '\(field)' at offset \(offset): \(needed) bytes needed, "
                + "\(available) available"
        case .badFormatIdentifier(let bytes):
            return "ISO 19794-7 record does not start with \"SDI\\0\" (found \(ISO19794_7Error.hex(bytes)))"
        case .unsupportedVersion(let bytes):
            return "ISO 19794-7 version \(ISO19794_7Error.hex(bytes)) not supported; only \"020\\0\" (2014)"
        case .recordLengthMismatch(let declared, let actual):
            return "ISO 19794-7 record length field says \(declared) bytes, \(actual) bytes present"
        case .noRepresentation:
            return "ISO 19794-7 record holds no signature representation"
        case .representationLengthMismatch(let index, let declared, let actual):
            return "ISO 19794-7 representation \(index): length field \(declared), content \(actual) bytes"
        case .certificationNotSupported(let flag):
            return "ISO 19794-7 certification flag is \(flag); records with certification blocks are not supported"
        case .missingMandatoryChannel(let channel):
            return "ISO 19794-7 representation lacks the mandatory \(channel) channel"
        case .constantChannelNotSupported(let channel):
            return "ISO 19794-7 channel \(channel) is marked constant; such records are not supported"
        case .valueOutOfRange(let channel, let field, let value):
            return "ISO 19794-7 channel \(channel) \(field) value \(value) does not fit its 16-bit range"
        case .channelValueMismatch(let pointIndex, let channel):
            return "ISO 19794-7 sample point \(pointIndex): value for channel \(channel) missing or not declared"
        case .tooMany(let field, let count, let maximum):
            return "ISO 19794-7 \(field): \(count) exceeds the maximum \(maximum)"
        case .trailingBytes(let offset, let count):
            return "ISO 19794-7 record has \(count) unexpected bytes after offset \(offset)"
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { STUWire.hex($0) }.joined(separator: " ")
    }
}

/// Bounds-checked big-endian reader for ISO/IEC 19794-7 records.
struct ISO19794_7Reader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(bytes.count, end ?? bytes.count)
    }

    var remaining: Int { max(0, end - offset) }

    mutating func take(_ count: Int, _ field: String) throws(ISO19794_7Error) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw .truncated(field: field, offset: offset, needed: count, available: remaining)
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func uint(_ width: Int, _ field: String) throws(ISO19794_7Error) -> Int {
        try take(width, field).reduce(0) { $0 << 8 | Int($1) }
    }
}
