/// Why an eID data group (DG17 place of residence, DG18 municipality ID) could not be decoded
/// or encoded (BSI TR-03110-4 §2.2.3).
public enum NPADataGroupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not valid BER-TLV.
    case encoding(BERTLVError)
    /// A data object has tag `found` where `expected` (a description of the allowed tags) belongs.
    case unexpectedTag(found: BERTLVTag, expected: String)
    /// A mandatory field is missing.
    case missingField(String)
    /// A field is present but its content is invalid.
    case invalidField(String, reason: String)
    /// Non-padding bytes follow the data group.
    case trailingBytes(count: Int)

    public var description: String {
        switch self {
        case .encoding(let error):
            return "The data group is not valid TLV data: \(error)"
        case .unexpectedTag(let found, let expected):
            return "Found tag \(found) where \(expected) was expected; the data group is malformed."
        case .missingField(let name):
            return "The data group lacks the mandatory field \(name)."
        case .invalidField(let name, let reason):
            return "Field \(name) is invalid: \(reason)."
        case .trailingBytes(let count):
            return "\(count) byte(s) that are not padding follow the data group."
        }
    }
}

/// Shared decoding steps for eID data groups.
enum NPADataGroupDecoding {
    /// Decodes the outer object, allowing trailing 00 or FF file padding.
    static func outerObject(_ bytes: [UInt8], tag: BERTLVTag) throws(NPADataGroupError) -> BERTLV {
        let object: BERTLV
        let consumed: Int
        do {
            (object, consumed) = try BERTLVDecoder(options: .init(maximumDepth: 8)).decodeFirst(bytes)
        } catch {
            throw .encoding(error)
        }
        let rest = bytes[consumed...]
        guard rest.allSatisfy({ $0 == 0x00 }) || rest.allSatisfy({ $0 == 0xFF }) else {
            throw .trailingBytes(count: rest.count)
        }
        guard object.tag == tag else { throw .unexpectedTag(found: object.tag, expected: "\(tag)") }
        return object
    }

    /// The single child of a constructed wrapper (an explicitly tagged value).
    static func onlyChild(of object: BERTLV, name: String) throws(NPADataGroupError) -> BERTLV {
        guard object.tag.isConstructed, object.children.count == 1 else {
            throw .invalidField(name, reason: "expected exactly one inner data object in \(object.tag)")
        }
        return object.children[0]
    }

    /// The text of an explicitly tagged string field; UTF8String, PrintableString and IA5String are accepted.
    static func text(of object: BERTLV, name: String) throws(NPADataGroupError) -> String {
        let inner = try onlyChild(of: object, name: name)
        guard [BERTLVTag.utf8String, .printableString, .ia5String].contains(inner.tag) else {
            throw .unexpectedTag(found: inner.tag, expected: "a character string for \(name)")
        }
        do {
            return try inner.stringValue()
        } catch {
            throw .invalidField(name, reason: error.description)
        }
    }
}
