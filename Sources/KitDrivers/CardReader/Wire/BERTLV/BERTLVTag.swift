/// The identifier of a BER-TLV data object: class, primitive/constructed flag and tag number
/// (ISO/IEC 7816-4:2013 §6.3.1, ITU-T X.690 §8.1.2).
///
/// Tags are always well-formed by construction: numbers below 31 use one byte, larger numbers
/// the minimal high-tag-number form. Numbers are limited to 21 bits (a tag of at most 4 bytes).
public struct BERTLVTag: Hashable, Sendable, CustomStringConvertible {
    /// The class bits (bits 8-7 of the first tag byte).
    public enum TagClass: UInt8, Sendable {
        /// 00: universal (ASN.1 built-in types).
        case universal = 0
        /// 01: application.
        case application = 1
        /// 10: context-specific.
        case contextSpecific = 2
        /// 11: private.
        case `private` = 3
    }

    /// The tag class.
    public let tagClass: TagClass
    /// Whether the object is constructed (bit 6 of the first tag byte).
    public let isConstructed: Bool
    /// The tag number.
    public let number: UInt32

    /// Largest tag number a 4-byte tag can carry.
    public static let maximumNumber: UInt32 = (1 << 21) - 1

    /// Creates a tag; numbers above ``maximumNumber`` are truncated to 21 bits.
    public init(tagClass: TagClass, isConstructed: Bool, number: UInt32) {
        self.tagClass = tagClass
        self.isConstructed = isConstructed
        self.number = number & BERTLVTag.maximumNumber
    }

    /// Parses a tag given as its big-endian bytes packed into an integer, e.g. 0x7F4C or 0x30.
    /// Returns `nil` for malformed or non-minimal tags.
    public init?(rawValue: UInt32) {
        var bytes: [UInt8] = []
        var value = rawValue
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: value), at: 0)
            value >>= 8
        } while value != 0
        guard let parsed = try? BERTLVTag.parse(bytes, at: 0), parsed.1 == bytes.count else { return nil }
        self = parsed.0
    }

    /// The tag bytes.
    public var bytes: [UInt8] {
        let first = tagClass.rawValue << 6 | (isConstructed ? 0x20 : 0x00)
        if number < 31 {
            return [first | UInt8(number)]
        }
        var tail: [UInt8] = [UInt8(number & 0x7F)]
        var rest = number >> 7
        while rest != 0 {
            tail.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
            rest >>= 7
        }
        return [first | 0x1F] + tail
    }

    /// The tag bytes packed big-endian into an integer, e.g. 0x7F4C.
    public var rawValue: UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The same tag with the primitive/constructed flag set as given.
    public func withConstructed(_ constructed: Bool) -> BERTLVTag {
        BERTLVTag(tagClass: tagClass, isConstructed: constructed, number: number)
    }

    public var description: String {
        bytes.map(ATRHex.byte).joined()
    }

    /// Parses one tag at `offset`; returns the tag and its length in bytes.
    static func parse(_ input: [UInt8], at offset: Int, end: Int? = nil) throws(BERTLVError) -> (BERTLVTag, Int) {
        let end = min(end ?? input.count, input.count)
        guard offset >= 0, offset < end else { throw .truncatedTag(offset: offset) }
        let first = input[offset]
        let tagClass = TagClass(rawValue: first >> 6) ?? .universal
        let constructed = first & 0x20 != 0
        guard first & 0x1F == 0x1F else {
            return (BERTLVTag(tagClass: tagClass, isConstructed: constructed, number: UInt32(first & 0x1F)), 1)
        }
        var number: UInt32 = 0
        var index = offset + 1
        while true {
            guard index - offset <= 3 else { throw .tagTooLong(offset: offset) }
            guard index < end else { throw .truncatedTag(offset: offset) }
            let byte = input[index]
            if index == offset + 1 && byte == 0x80 { throw .nonMinimalTag(offset: offset) }
            number = number << 7 | UInt32(byte & 0x7F)
            index += 1
            if byte & 0x80 == 0 { break }
        }
        guard number >= 31 else { throw .nonMinimalTag(offset: offset) }
        return (BERTLVTag(tagClass: tagClass, isConstructed: constructed, number: number), index - offset)
    }
}

extension BERTLVTag {
    /// Universal 2, INTEGER.
    public static let integer = BERTLVTag(tagClass: .universal, isConstructed: false, number: 2)
    /// Universal 4, OCTET STRING.
    public static let octetString = BERTLVTag(tagClass: .universal, isConstructed: false, number: 4)
    /// Universal 5, NULL.
    public static let null = BERTLVTag(tagClass: .universal, isConstructed: false, number: 5)
    /// Universal 6, OBJECT IDENTIFIER.
    public static let objectIdentifier = BERTLVTag(tagClass: .universal, isConstructed: false, number: 6)
    /// Universal 12, UTF8String.
    public static let utf8String = BERTLVTag(tagClass: .universal, isConstructed: false, number: 12)
    /// Universal 16, SEQUENCE (constructed).
    public static let sequence = BERTLVTag(tagClass: .universal, isConstructed: true, number: 16)
    /// Universal 17, SET (constructed).
    public static let set = BERTLVTag(tagClass: .universal, isConstructed: true, number: 17)
    /// Universal 19, PrintableString.
    public static let printableString = BERTLVTag(tagClass: .universal, isConstructed: false, number: 19)
    /// Universal 22, IA5String.
    public static let ia5String = BERTLVTag(tagClass: .universal, isConstructed: false, number: 22)

    /// An application-class tag, e.g. `.application(17)` = 0x71 for DG17.
    public static func application(_ number: UInt32, constructed: Bool = true) -> BERTLVTag {
        BERTLVTag(tagClass: .application, isConstructed: constructed, number: number)
    }

    /// A context-specific tag, e.g. `.context(10)` = 0xAA.
    public static func context(_ number: UInt32, constructed: Bool = true) -> BERTLVTag {
        BERTLVTag(tagClass: .contextSpecific, isConstructed: constructed, number: number)
    }
}
