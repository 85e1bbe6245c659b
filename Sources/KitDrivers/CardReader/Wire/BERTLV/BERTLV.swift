/// A BER-TLV data object as used in smart-card files and APDUs (ISO/IEC 7816-4:2013 §6.3),
/// encoded with definite, minimal lengths as DER requires (ITU-T X.690 §10.1).
///
/// A primitive object carries value bytes, a constructed one carries child objects. The
/// constructed flag of the tag always matches the content: the factory functions set it.
public struct BERTLV: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// What the object carries.
    public enum Content: Equatable, Hashable, Sendable {
        /// Value bytes of a primitive object.
        case primitive([UInt8])
        /// Child objects of a constructed object.
        case constructed([BERTLV])
    }

    /// The tag; its constructed flag matches ``content``.
    public let tag: BERTLVTag
    /// The value bytes or child objects.
    public let content: Content

    init(normalizing tag: BERTLVTag, content: Content) {
        switch content {
        case .primitive: self.tag = tag.withConstructed(false)
        case .constructed: self.tag = tag.withConstructed(true)
        }
        self.content = content
    }

    /// A primitive object; the tag's constructed flag is cleared.
    public static func primitive(_ tag: BERTLVTag, _ value: [UInt8]) -> BERTLV {
        BERTLV(normalizing: tag, content: .primitive(value))
    }

    /// A constructed object; the tag's constructed flag is set.
    public static func constructed(_ tag: BERTLVTag, _ children: [BERTLV]) -> BERTLV {
        BERTLV(normalizing: tag, content: .constructed(children))
    }

    /// The child objects; empty for a primitive object.
    public var children: [BERTLV] {
        if case .constructed(let children) = content { return children }
        return []
    }

    /// The content bytes: the value of a primitive object, or the encoded children of a constructed one.
    public var value: [UInt8] {
        switch content {
        case .primitive(let bytes): return bytes
        case .constructed(let children): return children.flatMap(\.encoded)
        }
    }

    /// The first child with the given tag number and class, ignoring the constructed flag.
    public func child(_ tag: BERTLVTag) -> BERTLV? {
        children.first { $0.tag.tagClass == tag.tagClass && $0.tag.number == tag.number }
    }

    /// Tag, minimal definite length and content.
    public var encoded: [UInt8] {
        let content = value
        return tag.bytes + BERTLV.encodeLength(content.count) + content
    }

    public var description: String {
        switch content {
        case .primitive(let bytes): return "\(tag)[\(ATRHex.bytes(bytes))]"
        case .constructed(let children): return "\(tag){\(children.map(\.description).joined(separator: " "))}"
        }
    }

    /// Minimal definite length octets (X.690 §8.1.3, §10.1).
    public static func encodeLength(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        var bytes: [UInt8] = []
        var rest = length
        while rest > 0 {
            bytes.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    /// Decodes exactly one object that spans all of `bytes`.
    public init(bytes: [UInt8], options: BERTLVDecoder.Options = .init()) throws(BERTLVError) {
        let decoder = BERTLVDecoder(options: options)
        let (object, consumed) = try decoder.decodeFirst(bytes)
        guard consumed == bytes.count else {
            throw .trailingBytes(offset: consumed, count: bytes.count - consumed)
        }
        self = object
    }
}
