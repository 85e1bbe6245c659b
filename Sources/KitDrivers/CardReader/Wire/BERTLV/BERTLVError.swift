/// Why BER-TLV / DER data could not be decoded (ISO/IEC 7816-4:2013 §6.3, ITU-T X.690 §8 and §10).
///
/// Offsets count from the first byte handed to the decoder.
public enum BERTLVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ends where a tag should start or inside a multi-byte tag.
    case truncatedTag(offset: Int)
    /// A tag uses more bytes than necessary (X.690 §8.1.2.4).
    case nonMinimalTag(offset: Int)
    /// A tag is longer than 4 bytes.
    case tagTooLong(offset: Int)
    /// The input ends inside a length field.
    case truncatedLength(offset: Int)
    /// Indefinite length (0x80) is not allowed here.
    case indefiniteLength(offset: Int)
    /// A length field announces more than 4 length bytes.
    case lengthFieldTooLong(offset: Int, byteCount: Int)
    /// A length uses more bytes than necessary (rejected in strict DER mode).
    case nonMinimalLength(offset: Int)
    /// A length announces more content than the input holds.
    case lengthExceedsInput(offset: Int, declared: Int, available: Int)
    /// Constructed objects are nested deeper than the configured limit.
    case nestingTooDeep(offset: Int, limit: Int)
    /// Bytes remain after the object(s) that were expected.
    case trailingBytes(offset: Int, count: Int)
    /// An INTEGER has no content bytes.
    case emptyInteger
    /// An INTEGER does not fit into a 64-bit signed value.
    case integerOutOfRange(byteCount: Int)
    /// An OBJECT IDENTIFIER is malformed; `reason` says how.
    case malformedObjectIdentifier(reason: String)
    /// A character string does not match its ASN.1 type (e.g. invalid UTF-8, or not a PrintableString).
    case invalidString(tag: BERTLVTag)
    /// A primitive object was expected but a constructed one was found, or vice versa.
    case unexpectedEncoding(tag: BERTLVTag)

    public var description: String {
        switch self {
        case .truncatedTag(let offset):
            return "TLV data ends inside a tag at offset \(offset); the data is truncated."
        case .nonMinimalTag(let offset):
            return "The tag at offset \(offset) is not minimally encoded; the data is malformed."
        case .tagTooLong(let offset):
            return "The tag at offset \(offset) is longer than 4 bytes; the data is malformed."
        case .truncatedLength(let offset):
            return "TLV data ends inside a length field at offset \(offset); the data is truncated."
        case .indefiniteLength(let offset):
            return "Indefinite length (80) at offset \(offset) is not allowed in DER or ISO 7816 TLV data."
        case .lengthFieldTooLong(let offset, let byteCount):
            return "The length field at offset \(offset) announces \(byteCount) length bytes; at most 4 are allowed."
        case .nonMinimalLength(let offset):
            return "The length at offset \(offset) is not minimally encoded, which DER forbids."
        case .lengthExceedsInput(let offset, let declared, let available):
            return "The object at offset \(offset) announces \(declared) content bytes but only \(available) remain; "
                + "the data is truncated or corrupt."
        case .nestingTooDeep(let offset, let limit):
            return "Constructed objects are nested deeper than \(limit) levels at offset \(offset); "
                + "the data is rejected as hostile or corrupt."
        case .trailingBytes(let offset, let count):
            return "\(count) unexpected byte(s) follow the TLV data at offset \(offset)."
        case .emptyInteger:
            return "An INTEGER has no content bytes; the data is malformed."
        case .integerOutOfRange(let byteCount):
            return "An INTEGER of \(byteCount) bytes does not fit into 64 bits."
        case .malformedObjectIdentifier(let reason):
            return "Malformed OBJECT IDENTIFIER: \(reason)."
        case .invalidString(let tag):
            return "The character string with tag \(tag) contains characters its type does not allow."
        case .unexpectedEncoding(let tag):
            return "The object with tag \(tag) has the wrong primitive/constructed form."
        }
    }
}
