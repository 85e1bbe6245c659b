/// Writes entropy-coded bits most significant first, inserting a 0x00 after every 0xFF byte so that the data
/// can never look like a marker (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B, as ITU-T T.81 §F.1.2.3).
struct WSQBitWriter {
    private(set) var bytes: [UInt8] = []
    private var accumulator: UInt32 = 0
    private var pending = 0

    init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends the low `count` bits of `value` (count ≤ 24).
    mutating func write(_ value: UInt32, count: Int) {
        guard count > 0 else { return }
        let mask: UInt32 = count >= 32 ? .max : (1 << UInt32(count)) - 1
        accumulator = (accumulator << UInt32(count)) | (value & mask)
        pending += count
        while pending >= 8 {
            pending -= 8
            let byte = UInt8(truncatingIfNeeded: accumulator >> UInt32(pending))
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0x00) }
        }
        accumulator &= pending == 0 ? 0 : (1 << UInt32(pending)) - 1
    }

    /// Pads the last byte with 1-bits.
    mutating func flush() {
        if pending > 0 {
            let fill = 8 - pending
            write((1 << UInt32(fill)) - 1, count: fill)
        }
    }
}

/// Reads entropy-coded bits, removing stuffed zero bytes; stops at the first marker (0xFF followed by a
/// non-zero byte), which it leaves unread.
struct WSQBitReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    private var current: UInt8 = 0
    private var bitsLeft = 0
    /// Set once a marker has been reached; further reads fail.
    private(set) var reachedMarker = false

    init(_ bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Next bit, or nil at a marker or at the end of the data.
    mutating func readBit() -> UInt32? {
        if bitsLeft == 0 {
            guard offset < bytes.count else { return nil }
            let byte = bytes[offset]
            if byte == 0xFF {
                guard offset + 1 < bytes.count else { return nil }
                if bytes[offset + 1] != 0x00 {
                    reachedMarker = true
                    return nil
                }
                offset += 2
            } else {
                offset += 1
            }
            current = byte
            bitsLeft = 8
        }
        bitsLeft -= 1
        return UInt32((current >> UInt8(bitsLeft)) & 1)
    }

    /// Next `count` bits as an unsigned number, or nil if the data ends first.
    mutating func readBits(_ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let bit = readBit() else { return nil }
            value = value << 1 | bit
        }
        return value
    }

    /// Skips the remaining padding bits and any data up to the next marker; returns the marker's offset.
    mutating func skipToMarker() -> Int {
        bitsLeft = 0
        while offset < bytes.count {
            if bytes[offset] == 0xFF, offset + 1 < bytes.count, bytes[offset + 1] != 0x00 { return offset }
            offset += 1
        }
        return offset
    }
}
