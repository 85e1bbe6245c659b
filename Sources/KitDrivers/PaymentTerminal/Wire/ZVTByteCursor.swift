/// Bounds-checked reading position inside a byte buffer, shared by the ZVT decoders.
///
/// Every read returns `nil` instead of trapping when the buffer is too short, so hostile
/// input can only ever produce a typed error one level up.
struct ZVTByteCursor {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        let limit = min(end ?? bytes.count, bytes.count)
        self.end = max(limit, 0)
        self.offset = min(max(offset, 0), self.end)
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    func peek(_ distance: Int = 0) -> UInt8? {
        let index = offset + distance
        guard distance >= 0, index < end else { return nil }
        return bytes[index]
    }

    mutating func readByte() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func read(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        offset += count
        return true
    }

    mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
