/// DER encodings of the ASN.1 primitive types used in smart-card files: INTEGER, OCTET STRING,
/// OBJECT IDENTIFIER, UTF8String, PrintableString, IA5String (ITU-T X.690 §8.3, §8.7, §8.19, §8.23).
extension BERTLV {
    /// An INTEGER in minimal two's-complement form (X.690 §8.3).
    public static func integer(_ value: Int, tag: BERTLVTag = .integer) -> BERTLV {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        } while !(rest == 0 && bytes[0] & 0x80 == 0) && !(rest == -1 && bytes[0] & 0x80 != 0)
        return .primitive(tag, bytes)
    }

    /// An OCTET STRING.
    public static func octetString(_ bytes: [UInt8], tag: BERTLVTag = .octetString) -> BERTLV {
        .primitive(tag, bytes)
    }

    /// An OBJECT IDENTIFIER.
    public static func objectIdentifier(_ oid: BERTLVObjectIdentifier, tag: BERTLVTag = .objectIdentifier) -> BERTLV {
        .primitive(tag, oid.contentBytes)
    }

    /// A UTF8String.
    public static func utf8String(_ text: String, tag: BERTLVTag = .utf8String) -> BERTLV {
        .primitive(tag, Array(text.utf8))
    }

    /// A PrintableString; throws if `text` has characters outside the PrintableString set.
    public static func printableString(
        _ text: String, tag: BERTLVTag = .printableString
    ) throws(BERTLVError) -> BERTLV {
        guard BERTLV.isPrintableString(text) else { throw .invalidString(tag: tag) }
        return .primitive(tag, Array(text.utf8))
    }

    /// The value of a primitive INTEGER as a signed 64-bit number.
    public func integerValue() throws(BERTLVError) -> Int {
        let bytes = try primitiveValue()
        guard let first = bytes.first else { throw .emptyInteger }
        guard bytes.count <= 8 else { throw .integerOutOfRange(byteCount: bytes.count) }
        var value = first & 0x80 != 0 ? -1 : 0
        for byte in bytes {
            value = value << 8 | Int(byte)
        }
        return value
    }

    /// The value of a primitive OBJECT IDENTIFIER.
    public func objectIdentifierValue() throws(BERTLVError) -> BERTLVObjectIdentifier {
        try BERTLVObjectIdentifier(contentBytes: primitiveValue())
    }

    /// The value of a primitive UTF8String, PrintableString or IA5String as text.
    public func stringValue() throws(BERTLVError) -> String {
        let bytes = try primitiveValue()
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidString(tag: tag) }
        if tag == .printableString && !BERTLV.isPrintableString(text) { throw .invalidString(tag: tag) }
        if tag == .ia5String && !bytes.allSatisfy({ $0 < 0x80 }) { throw .invalidString(tag: tag) }
        return text
    }

    /// The value bytes, provided the object is primitive.
    public func primitiveValue() throws(BERTLVError) -> [UInt8] {
        guard case .primitive(let bytes) = content else { throw .unexpectedEncoding(tag: tag) }
        return bytes
    }

    /// Whether `text` uses only the PrintableString characters A-Z a-z 0-9 space ' ( ) + , - . / : = ?
    public static func isPrintableString(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", " ", "'", "(", ")", "+", ",", "-", ".", "/", ":", "=", "?":
                return true
            default:
                return false
            }
        }
    }
}
