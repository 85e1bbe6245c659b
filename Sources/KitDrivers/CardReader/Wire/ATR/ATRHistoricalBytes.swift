/// One COMPACT-TLV data object of the historical bytes (ISO/IEC 7816-4:2013 §8.1.1.2):
/// a one-byte header with the tag number in the high nibble and the length in the low nibble.
public struct ATRCompactTLV: Equatable, Sendable {
    /// The tag number (e.g. 3 card service data, 7 card capabilities, 8 status indicator).
    public let tag: UInt8
    /// The value bytes.
    public let value: [UInt8]

    /// Creates an object.
    public init(tag: UInt8, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }
}

/// The historical bytes of an ATR, interpreted by their category indicator (ISO/IEC 7816-4:2013 §8.1.1).
///
/// Interpretation never fails: historical bytes that do not follow the COMPACT-TLV format are
/// reported with `compactObjects == nil` and remain available raw.
public struct ATRHistoricalBytes: Equatable, Sendable {
    /// The raw historical bytes T1 … TK.
    public let bytes: [UInt8]

    /// Wraps raw historical bytes.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The category indicator T1, `nil` when there are no historical bytes.
    public var categoryIndicator: UInt8? { bytes.first }

    /// The COMPACT-TLV objects for category 0x00 (without the trailing 3-byte status indicator)
    /// and 0x80; `nil` for other categories or malformed content.
    public var compactObjects: [ATRCompactTLV]? {
        guard let category = categoryIndicator else { return nil }
        let body: ArraySlice<UInt8>
        switch category {
        case 0x80:
            body = bytes.dropFirst()
        case 0x00:
            guard bytes.count >= 4 else { return nil }
            body = bytes.dropFirst().dropLast(3)
        default:
            return nil
        }
        var objects: [ATRCompactTLV] = []
        var index = body.startIndex
        while index < body.endIndex {
            let header = body[index]
            let length = Int(header & 0x0F)
            let start = index + 1
            guard body.endIndex - start >= length else { return nil }
            objects.append(ATRCompactTLV(tag: header >> 4, value: Array(body[start..<(start + length)])))
            index = start + length
        }
        return objects
    }

    /// The status indicator: the last three bytes for category 0x00, or the value of tag 8 for category 0x80.
    public var statusIndicator: [UInt8]? {
        switch categoryIndicator {
        case 0x00 where bytes.count >= 4:
            return Array(bytes.suffix(3))
        case 0x80:
            return compactObjects?.last { $0.tag == 8 }?.value
        default:
            return nil
        }
    }
}
