/// Big-endian output buffer for WSQ segments (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B: all fields most significant byte first).
struct WSQByteWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func writeByte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(truncatingIfNeeded: value >> 16))
        writeUInt16(UInt16(truncatingIfNeeded: value))
    }

    mutating func writeMarker(_ marker: WSQMarker) {
        writeUInt16(marker.rawValue)
    }

    mutating func writeBytes(_ values: [UInt8]) {
        bytes.append(contentsOf: values)
    }
}

/// Bounds-checked big-endian reader over a WSQ stream; every read reports the offset on failure.
struct WSQByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func readByte() throws(WSQError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset: offset, needed: 1) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws(WSQError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(offset: offset, needed: 2 - remaining) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32() throws(WSQError) -> UInt32 {
        let high = try readUInt16()
        let low = try readUInt16()
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func readBytes(_ count: Int) throws(WSQError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(offset: offset, needed: count - remaining) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func skip(_ count: Int) throws(WSQError) {
        guard count >= 0, remaining >= count else { throw .truncated(offset: offset, needed: count - remaining) }
        offset += count
    }

    mutating func seek(to newOffset: Int) {
        offset = min(max(0, newOffset), bytes.count)
    }
}
