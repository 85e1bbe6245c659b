/// A BER tag inside the ZVT TLV container (ZVT spec rev. 13.x, TLV-container chapter):
/// one byte, or `xx 1F`-style multi-byte tags whose later bytes carry bit 8 while more follow.
/// Bit 6 (0x20) of the first byte marks a constructed object that holds further TLV objects.
public struct ZVTTLVTag: Sendable, Hashable, CustomStringConvertible {
    /// Longest tag this codec accepts; ZVT itself uses one or two bytes.
    public static let maximumByteCount = 4

    /// The tag exactly as it appears on the wire.
    public let bytes: [UInt8]

    /// Validates BER tag structure.
    public init(bytes: [UInt8]) throws(ZVTError) {
        guard Self.isWellFormed(bytes) else { throw .invalidTLVTag(offset: 0, bytes: bytes) }
        self.bytes = bytes
    }

    /// The tag written as a number, e.g. `0x1F07` or `0x25`; `nil` if that is no valid BER tag.
    public init?(_ number: UInt32) {
        var bytes: [UInt8] = []
        var remaining = number
        repeat {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        } while remaining != 0
        guard Self.isWellFormed(bytes) else { return nil }
        self.bytes = bytes
    }

    init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether BER marks the tag as constructed (bit 6 of the first byte).
    public var isConstructed: Bool { (bytes.first ?? 0) & 0x20 != 0 }

    /// Whether the object holds nested TLV objects. Feig's host configuration tags FF40
    /// (password) and FF41 (host address) carry the constructed bit but plain values.
    public var holdsNestedObjects: Bool { isConstructed && !Self.plainValueTags.contains(number) }

    /// Tags with the constructed bit whose value is nevertheless plain bytes (Feig cVEND, 08 13).
    static let plainValueTags: Set<UInt32> = [0xFF40, 0xFF41]

    /// The tag bytes read as a big-endian number (`0x1F07`).
    public var number: UInt32 { bytes.reduce(0) { $0 << 8 | UInt32($1) } }

    public var description: String { bytes.map { ZVTError.hex($0) }.joined() }

    static func isWellFormed(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, bytes.count <= maximumByteCount else { return false }
        guard first & 0x1F == 0x1F else { return bytes.count == 1 }
        guard bytes.count >= 2 else { return false }
        for (index, byte) in bytes.enumerated().dropFirst() {
            let isLast = index == bytes.count - 1
            if isLast == (byte & 0x80 != 0) { return false }
        }
        return true
    }

    static func decode(_ cursor: inout ZVTByteCursor) throws(ZVTError) -> ZVTTLVTag {
        let start = cursor.offset
        var bytes: [UInt8] = []
        guard let first = cursor.readByte() else { throw .truncatedTLV(offset: start, needed: 1, available: 0) }
        bytes.append(first)
        if first & 0x1F == 0x1F {
            while true {
                guard let next = cursor.readByte(), bytes.count < maximumByteCount else {
                    throw .invalidTLVTag(offset: start, bytes: bytes)
                }
                bytes.append(next)
                if next & 0x80 == 0 { break }
            }
        }
        return ZVTTLVTag(unchecked: bytes)
    }
}

extension ZVTTLVTag {
    /// 07: one text line inside a print text block.
    public static let textLine = ZVTTLVTag(unchecked: [0x07])
    /// 09: end-of-receipt marker inside a print text block.
    public static let endOfText = ZVTTLVTag(unchecked: [0x09])
    /// 1B: diagnosis type (06 70).
    public static let diagnosisType = ZVTTLVTag(unchecked: [0x1B])
    /// 25: constructed list of print text lines (06 D3).
    public static let printTexts = ZVTTLVTag(unchecked: [0x25])
    /// 1F07: receipt type (01 merchant, 02 customer, 03 administration).
    public static let receiptType = ZVTTLVTag(unchecked: [0x1F, 0x07])
    /// 1F16: extended error code.
    public static let extendedErrorCode = ZVTTLVTag(unchecked: [0x1F, 0x16])
    /// 1F17: extended error text.
    public static let extendedErrorText = ZVTTLVTag(unchecked: [0x1F, 0x17])
    /// 1F44: terminal identifier in a registration completion.
    public static let terminalIdentifier = ZVTTLVTag(unchecked: [0x1F, 0x44])
}

/// How a BER length was written; kept only when a decoded object used a longer form than
/// needed, so that re-encoding gives back the received bytes.
enum ZVTTLVLengthForm: Sendable, Equatable {
    case short
    case oneByte
    case twoBytes

    static func minimal(for length: Int) -> ZVTTLVLengthForm {
        length < 0x80 ? .short : (length <= 0xFF ? .oneByte : .twoBytes)
    }

    var byteCount: Int {
        switch self {
        case .short: return 1
        case .oneByte: return 2
        case .twoBytes: return 3
        }
    }

    func encode(_ length: Int, into bytes: inout [UInt8]) {
        switch self {
        case .short: bytes.append(UInt8(length))
        case .oneByte: bytes += [0x81, UInt8(length)]
        case .twoBytes: bytes += [0x82, UInt8(length >> 8), UInt8(length & 0xFF)]
        }
    }

    /// Reads a length; the form is `nil` when it was the minimal one.
    static func decode(_ cursor: inout ZVTByteCursor) throws(ZVTError) -> (length: Int, form: ZVTTLVLengthForm?) {
        let start = cursor.offset
        guard let first = cursor.readByte() else { throw .truncatedTLV(offset: start, needed: 1, available: 0) }
        let length: Int
        let form: ZVTTLVLengthForm
        switch first {
        case 0x00..<0x80:
            length = Int(first)
            form = .short
        case 0x81:
            guard let byte = cursor.readByte() else {
                throw .truncatedTLV(offset: start, needed: 2, available: 1)
            }
            length = Int(byte)
            form = .oneByte
        case 0x82:
            guard let bytes = cursor.read(2) else {
                throw .truncatedTLV(offset: start, needed: 3, available: cursor.remaining + 1)
            }
            length = Int(bytes[0]) << 8 | Int(bytes[1])
            form = .twoBytes
        default:
            throw .unsupportedTLVLength(firstByte: first, offset: start)
        }
        return (length, form == minimal(for: length) ? nil : form)
    }
}

/// One BER-TLV object of the ZVT TLV container (ZVT spec rev. 13.x, TLV-container chapter): a primitive
/// value, or (for constructed tags) a list of nested objects.
public struct ZVTTLVNode: Sendable, Equatable {
    /// What the object carries.
    public enum Content: Sendable, Equatable {
        /// Raw value bytes of a primitive tag.
        case primitive([UInt8])
        /// Nested objects of a constructed tag.
        case constructed([ZVTTLVNode])
    }

    /// Deepest nesting of constructed objects the decoder follows.
    public static let maximumNestingDepth = 32

    /// The tag.
    public let tag: ZVTTLVTag
    /// The value.
    public let content: Content
    let lengthForm: ZVTTLVLengthForm?
    let valueLength: Int

    /// A primitive object; fails for constructed tags and values over 65 535 bytes.
    public init(tag: ZVTTLVTag, value: [UInt8]) throws(ZVTError) {
        guard !tag.holdsNestedObjects else { throw .tlvKindMismatch(tag: tag.bytes) }
        guard value.count <= 0xFFFF else { throw .tlvTooLong(length: value.count) }
        self.tag = tag
        self.content = .primitive(value)
        self.lengthForm = nil
        self.valueLength = value.count
    }

    /// A constructed object; fails for primitive tags and content over 65 535 bytes.
    public init(tag: ZVTTLVTag, children: [ZVTTLVNode]) throws(ZVTError) {
        guard tag.holdsNestedObjects else { throw .tlvKindMismatch(tag: tag.bytes) }
        let length = children.reduce(0) { $0 + $1.encodedLength }
        guard length <= 0xFFFF else { throw .tlvTooLong(length: length) }
        self.tag = tag
        self.content = .constructed(children)
        self.lengthForm = nil
        self.valueLength = length
    }

    private init(tag: ZVTTLVTag, content: Content, lengthForm: ZVTTLVLengthForm?, valueLength: Int) {
        self.tag = tag
        self.content = content
        self.lengthForm = lengthForm
        self.valueLength = valueLength
    }

    /// The value bytes of a primitive object; `nil` for constructed ones.
    public var value: [UInt8]? {
        if case .primitive(let bytes) = content { return bytes }
        return nil
    }

    /// The nested objects of a constructed object; empty for primitive ones.
    public var children: [ZVTTLVNode] {
        if case .constructed(let nodes) = content { return nodes }
        return []
    }

    /// First direct child with the tag.
    public func child(_ tag: ZVTTLVTag) -> ZVTTLVNode? {
        children.first { $0.tag == tag }
    }

    var encodedLength: Int {
        tag.bytes.count + (lengthForm ?? .minimal(for: valueLength)).byteCount + valueLength
    }

    func encode(into bytes: inout [UInt8]) {
        bytes += tag.bytes
        (lengthForm ?? .minimal(for: valueLength)).encode(valueLength, into: &bytes)
        switch content {
        case .primitive(let value): bytes += value
        case .constructed(let nodes): nodes.forEach { $0.encode(into: &bytes) }
        }
    }

    /// The wire bytes of this object.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encodedLength)
        encode(into: &bytes)
        return bytes
    }

    /// Decodes one object from the start of `bytes`; extra bytes are an error.
    public static func decode(_ bytes: [UInt8]) throws(ZVTError) -> ZVTTLVNode {
        var cursor = ZVTByteCursor(bytes)
        let node = try decode(&cursor, depth: 0)
        guard cursor.isAtEnd else {
            throw .truncatedTLV(offset: cursor.offset, needed: cursor.remaining + 2, available: cursor.remaining)
        }
        return node
    }

    static func decode(_ cursor: inout ZVTByteCursor, depth: Int) throws(ZVTError) -> ZVTTLVNode {
        let start = cursor.offset
        let tag = try ZVTTLVTag.decode(&cursor)
        let (length, form) = try ZVTTLVLengthForm.decode(&cursor)
        let headerLength = cursor.offset - start
        guard length <= cursor.remaining else {
            throw .truncatedTLV(offset: start, needed: headerLength + length, available: cursor.end - start)
        }
        if tag.holdsNestedObjects {
            guard depth < maximumNestingDepth else {
                throw .tlvNestingTooDeep(limit: maximumNestingDepth, offset: start)
            }
            var inner = ZVTByteCursor(cursor.bytes, offset: cursor.offset, end: cursor.offset + length)
            let children = try decodeList(&inner, depth: depth + 1)
            _ = cursor.skip(length)
            return ZVTTLVNode(tag: tag, content: .constructed(children), lengthForm: form, valueLength: length)
        }
        let value = cursor.read(length) ?? []
        return ZVTTLVNode(tag: tag, content: .primitive(value), lengthForm: form, valueLength: length)
    }

    static func decodeList(_ cursor: inout ZVTByteCursor, depth: Int) throws(ZVTError) -> [ZVTTLVNode] {
        var nodes: [ZVTTLVNode] = []
        while !cursor.isAtEnd {
            nodes.append(try decode(&cursor, depth: depth))
        }
        return nodes
    }
}

/// The content of BMP 06, the ZVT TLV container (ZVT spec rev. 13.x, TLV-container chapter): a BER
/// length (`0x81`/`0x82` long forms allowed) followed by TLV objects.
public struct ZVTTLVContainer: Sendable, Equatable {
    /// The top-level objects in wire order.
    public let nodes: [ZVTTLVNode]
    let lengthForm: ZVTTLVLengthForm?
    let valueLength: Int

    /// Fails when the objects together exceed 65 535 bytes.
    public init(_ nodes: [ZVTTLVNode] = []) throws(ZVTError) {
        let length = nodes.reduce(0) { $0 + $1.encodedLength }
        guard length <= 0xFFFF else { throw .tlvTooLong(length: length) }
        self.nodes = nodes
        self.lengthForm = nil
        self.valueLength = length
    }

    private init(nodes: [ZVTTLVNode], lengthForm: ZVTTLVLengthForm?, valueLength: Int) {
        self.nodes = nodes
        self.lengthForm = lengthForm
        self.valueLength = valueLength
    }

    /// First top-level object with the tag.
    public func first(_ tag: ZVTTLVTag) -> ZVTTLVNode? {
        nodes.first { $0.tag == tag }
    }

    /// First object with the tag at any depth (depth first, in wire order).
    public func firstDescendant(_ tag: ZVTTLVTag) -> ZVTTLVNode? {
        var stack = Array(nodes.reversed())
        while let node = stack.popLast() {
            if node.tag == tag { return node }
            stack += node.children.reversed()
        }
        return nil
    }

    /// Length field plus objects (without the BMP 06 tag byte).
    var encodedLength: Int { (lengthForm ?? .minimal(for: valueLength)).byteCount + valueLength }

    func encode(into bytes: inout [UInt8]) {
        (lengthForm ?? .minimal(for: valueLength)).encode(valueLength, into: &bytes)
        nodes.forEach { $0.encode(into: &bytes) }
    }

    /// The objects' wire bytes without the length field.
    public func encodeObjects() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(valueLength)
        nodes.forEach { $0.encode(into: &bytes) }
        return bytes
    }

    /// Decodes length and objects starting at the cursor (positioned after the BMP 06 tag).
    static func decode(_ cursor: inout ZVTByteCursor) throws(ZVTError) -> ZVTTLVContainer {
        let start = cursor.offset
        let (length, form) = try ZVTTLVLengthForm.decode(&cursor)
        guard length <= cursor.remaining else {
            throw .truncatedTLV(offset: start, needed: cursor.offset - start + length, available: cursor.end - start)
        }
        var inner = ZVTByteCursor(cursor.bytes, offset: cursor.offset, end: cursor.offset + length)
        let nodes = try ZVTTLVNode.decodeList(&inner, depth: 0)
        _ = cursor.skip(length)
        return ZVTTLVContainer(nodes: nodes, lengthForm: form, valueLength: length)
    }
}
