/// Decoder for BER-TLV data objects with definite lengths (ISO/IEC 7816-4:2013 §6.3,
/// ITU-T X.690 §8.1), safe for hostile input.
///
/// Length fields of up to 4 bytes are accepted; indefinite lengths are rejected. Nesting depth
/// is bounded, every length is checked against the remaining input, and in strict DER mode
/// non-minimal lengths are rejected (X.690 §10.1).
public struct BERTLVDecoder: Sendable {
    /// Decoder limits and strictness.
    public struct Options: Equatable, Sendable {
        /// Deepest nesting of constructed objects accepted (the outermost object is level 1).
        public var maximumDepth: Int
        /// Reject lengths that are not minimally encoded (DER).
        public var requireMinimalLength: Bool

        /// Creates options; the defaults accept BER lengths and 32 levels of nesting.
        public init(maximumDepth: Int = 32, requireMinimalLength: Bool = false) {
            self.maximumDepth = maximumDepth
            self.requireMinimalLength = requireMinimalLength
        }

        /// Strict DER: minimal lengths required.
        public static let strictDER = Options(requireMinimalLength: true)
    }

    /// The options in force.
    public let options: Options

    /// Creates a decoder.
    public init(options: Options = .init()) {
        self.options = options
    }

    /// Decodes a sequence of top-level objects that must span all of `bytes`.
    public func decodeAll(_ bytes: [UInt8]) throws(BERTLVError) -> [BERTLV] {
        var objects: [BERTLV] = []
        var offset = 0
        while offset < bytes.count {
            let (object, next) = try parseObject(bytes, at: offset, end: bytes.count, depth: 1)
            objects.append(object)
            offset = next
        }
        return objects
    }

    /// Decodes the first object and returns it with the number of bytes it occupies; bytes after it are ignored.
    public func decodeFirst(_ bytes: [UInt8]) throws(BERTLVError) -> (BERTLV, Int) {
        try parseObject(bytes, at: 0, end: bytes.count, depth: 1)
    }

    private func parseObject(
        _ input: [UInt8], at offset: Int, end: Int, depth: Int
    ) throws(BERTLVError) -> (BERTLV, Int) {
        guard depth <= options.maximumDepth else {
            throw .nestingTooDeep(offset: offset, limit: options.maximumDepth)
        }
        guard offset < end else { throw .truncatedTag(offset: offset) }
        let (tag, tagLength) = try BERTLVTag.parse(input, at: offset, end: end)
        let lengthOffset = offset + tagLength
        let (length, lengthLength) = try parseLength(input, at: lengthOffset, end: end)
        let contentStart = lengthOffset + lengthLength
        let available = end - contentStart
        guard length <= available else {
            throw .lengthExceedsInput(offset: offset, declared: length, available: available)
        }
        let contentEnd = contentStart + length
        guard tag.isConstructed else {
            return (BERTLV(normalizing: tag, content: .primitive(Array(input[contentStart..<contentEnd]))), contentEnd)
        }
        var children: [BERTLV] = []
        var cursor = contentStart
        while cursor < contentEnd {
            let (child, next) = try parseObject(input, at: cursor, end: contentEnd, depth: depth + 1)
            children.append(child)
            cursor = next
        }
        return (BERTLV(normalizing: tag, content: .constructed(children)), contentEnd)
    }

    private func parseLength(_ input: [UInt8], at offset: Int, end: Int) throws(BERTLVError) -> (Int, Int) {
        guard offset < end else { throw .truncatedLength(offset: offset) }
        let first = input[offset]
        if first < 0x80 { return (Int(first), 1) }
        if first == 0x80 { throw .indefiniteLength(offset: offset) }
        let count = Int(first & 0x7F)
        guard count <= 4 else { throw .lengthFieldTooLong(offset: offset, byteCount: count) }
        guard end - offset - 1 >= count else { throw .truncatedLength(offset: offset) }
        var length = 0
        for index in (offset + 1)...(offset + count) {
            length = length << 8 | Int(input[index])
        }
        if options.requireMinimalLength {
            let minimal = BERTLV.encodeLength(length).count
            if minimal != count + 1 { throw .nonMinimalLength(offset: offset) }
        }
        return (length, count + 1)
    }
}
