/// Everything that can go wrong while encoding or decoding ZVT traffic (ZVT spec rev. 13.x,
/// APDU structure, "Bitmaps" list, TLV-container chapter, serial transport protocol).
///
/// Offsets count from the first byte of the buffer that was handed to the failing decoder
/// (for message bodies: the APDU data part, i.e. after `CLASS INSTR LEN`).
public enum ZVTError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: APDU

    /// Fewer bytes than the APDU header announces.
    case truncatedAPDU(needed: Int, available: Int)
    /// More bytes than the APDU header announces.
    case trailingBytesAfterAPDU(expected: Int, actual: Int)
    /// APDU data longer than the 65 535 bytes the extended length field can express.
    case apduDataTooLong(count: Int)

    // MARK: BCD

    /// A nibble above 9 where a packed BCD digit was expected.
    case invalidBCDDigit(byte: UInt8, offset: Int)
    /// A value that is negative or has more digits than the BCD field can hold.
    case bcdValueOutOfRange(value: Int, byteCount: Int)
    /// A BCD field of the wrong size.
    case bcdLengthMismatch(expected: Int, actual: Int)
    /// A date or time whose digits name no calendar day or time of day (e.g. month 13).
    case impossibleDateOrTime(digits: String, form: String)

    // MARK: BMP fields

    /// A BMP field runs past the end of the data.
    case truncatedField(tag: UInt8, offset: Int, needed: Int, available: Int)
    /// An LLVAR/LLLVAR length byte that is not `0xF0 | digit`.
    case invalidVariableLength(tag: UInt8, offset: Int, lengthBytes: [UInt8])
    /// A BMP tag this codec has no length rule for (strict decoding only).
    case unknownFieldTag(tag: UInt8, offset: Int)
    /// A fixed-length BMP built with the wrong number of bytes.
    case fieldLengthMismatch(tag: UInt8, expected: Int, actual: Int)
    /// A variable-length BMP longer than its length digits can express.
    case fieldTooLong(tag: UInt8, length: Int, maximum: Int)
    /// BMP 06 built from raw bytes, or another BMP built as a TLV container.
    case wrongFieldKind(tag: UInt8)

    // MARK: TLV

    /// A BER tag that ends before its last byte.
    case invalidTLVTag(offset: Int, bytes: [UInt8])
    /// A BER length byte other than `0x00…0x7F`, `0x81`, `0x82`.
    case unsupportedTLVLength(firstByte: UInt8, offset: Int)
    /// A TLV object runs past the end of its enclosing data.
    case truncatedTLV(offset: Int, needed: Int, available: Int)
    /// Constructed TLV objects nested deeper than the decoder allows.
    case tlvNestingTooDeep(limit: Int, offset: Int)
    /// A TLV value longer than the two-byte BER length can express.
    case tlvTooLong(length: Int)
    /// A primitive value given for a constructed tag, or children for a primitive tag.
    case tlvKindMismatch(tag: [UInt8])

    // MARK: Messages

    /// A mandatory element of a command is missing.
    case missingElement(command: String, element: String)
    /// A typed command was asked to decode an APDU of another command.
    case wrongCommand(expected: [UInt8], actual: [UInt8])
    /// A built message would not decode back to the same value.
    case ambiguousEncoding(command: String, reason: String)
    /// A character that the ZVT character set (code page 437) cannot carry.
    case unencodableText(character: String)

    // MARK: Framing

    /// A frame longer than the configured maximum.
    case frameTooLong(length: Int, limit: Int)
    /// The stream ended in the middle of a frame.
    case leftoverBytes(count: Int)
    /// Serial frame whose CRC-16/KERMIT does not match.
    case serialChecksumMismatch(expected: UInt16, received: UInt16)
    /// A DLE inside a serial frame followed by something other than DLE, ETX or STX.
    case serialInvalidEscape(byte: UInt8)

    public var description: String {
        switch self {
        case .truncatedAPDU(let needed, let available):
            return "ZVT APDU is incomplete: header announces \(needed) bytes, only \(available) received."
        case .trailingBytesAfterAPDU(let expected, let actual):
            return "ZVT APDU has \(actual - expected) extra bytes after the \(expected) bytes its header announces."
        case .apduDataTooLong(let count):
            return "ZVT APDU data is \(count) bytes; the protocol allows at most 65535."
        case .invalidBCDDigit(let byte, let offset):
            return "Byte \(Self.hex(byte)) at offset \(offset) is not packed BCD (a nibble is above 9)."
        case .bcdValueOutOfRange(let value, let byteCount):
            return "Value \(value) does not fit into \(byteCount) BCD bytes (\(byteCount * 2) digits, not negative)."
        case .bcdLengthMismatch(let expected, let actual):
            return "BCD field has \(actual) bytes, expected \(expected)."
        case .impossibleDateOrTime(let digits, let form):
            return "\(digits) is no valid \(form) (the terminal's clock or the recording is wrong)."
        case .truncatedField(let tag, let offset, let needed, let available):
            return "BMP \(Self.hex(tag)) at data offset \(offset) needs \(needed) bytes, only \(available) left."
        case .invalidVariableLength(let tag, let offset, let lengthBytes):
            return "BMP \(Self.hex(tag)) at data offset \(offset) has length bytes \(Self.hex(lengthBytes)); "
                + "each must be F0…F9."
        case .unknownFieldTag(let tag, let offset):
            return "Unknown BMP \(Self.hex(tag)) at data offset \(offset)."
        case .fieldLengthMismatch(let tag, let expected, let actual):
            return "BMP \(Self.hex(tag)) must be exactly \(expected) bytes, got \(actual)."
        case .fieldTooLong(let tag, let length, let maximum):
            return "BMP \(Self.hex(tag)) is \(length) bytes long; at most \(maximum) fit its length field."
        case .wrongFieldKind(let tag):
            return tag == 0x06
                ? "BMP 06 is a TLV container and must be built from TLV objects."
                : "BMP \(Self.hex(tag)) is not a TLV container."
        case .invalidTLVTag(let offset, let bytes):
            return "TLV tag \(Self.hex(bytes)) at offset \(offset) is cut off (BER multi-byte tag not finished)."
        case .unsupportedTLVLength(let firstByte, let offset):
            return "TLV length byte \(Self.hex(firstByte)) at offset \(offset) is not supported "
                + "(ZVT uses 00–7F, 81 xx, 82 xx xx)."
        case .truncatedTLV(let offset, let needed, let available):
            return "TLV object at offset \(offset) needs \(needed) bytes, only \(available) left."
        case .tlvNestingTooDeep(let limit, let offset):
            return "TLV objects at offset \(offset) are nested deeper than \(limit) levels."
        case .tlvTooLong(let length):
            return "TLV value of \(length) bytes is longer than 65535."
        case .tlvKindMismatch(let tag):
            return "TLV tag \(Self.hex(tag)) is used with the wrong kind of content (constructed vs. primitive)."
        case .missingElement(let command, let element):
            return "\(command): mandatory \(element) is missing."
        case .wrongCommand(let expected, let actual):
            return "Expected command \(Self.hex(expected)), got \(Self.hex(actual))."
        case .ambiguousEncoding(let command, let reason):
            return "\(command) cannot be encoded unambiguously: \(reason)."
        case .unencodableText(let character):
            return "Character \"\(character)\" cannot be sent to the terminal (code page 437)."
        case .frameTooLong(let length, let limit):
            return "ZVT frame of \(length) bytes exceeds the limit of \(limit) bytes."
        case .leftoverBytes(let count):
            return "Connection ended with \(count) bytes of an unfinished ZVT frame."
        case .serialChecksumMismatch(let expected, let received):
            return "Serial frame checksum \(Self.hex16(received)) does not match computed \(Self.hex16(expected)); "
                + "answer NAK."
        case .serialInvalidEscape(let byte):
            return "Serial frame contains DLE followed by \(Self.hex(byte)); answer NAK."
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { hex($0) }.joined(separator: " ")
    }

    static func hex16(_ value: UInt16) -> String {
        hex(UInt8(value >> 8)) + hex(UInt8(value & 0xFF))
    }
}
