/// Big-endian writer for the envelope format: fixed-width integers and length-prefixed fields.
struct EnvelopeWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func append(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A field preceded by its length as a 16-bit or 32-bit big-endian number.
    mutating func appendField<Length: FixedWidthInteger & UnsignedInteger>(_ field: [UInt8], lengthType: Length.Type) {
        append(Length(truncatingIfNeeded: field.count))
        append(field)
    }
}

/// Big-endian reader with bounds checks; every failure names the offset.
struct EnvelopeReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read(count: Int, _ what: String) throws(EnvelopeError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw .malformed(reason: "\(what) needs \(count) bytes, only \(remaining) left", offset: offset)
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws(EnvelopeError) -> T {
        let raw = try read(count: MemoryLayout<T>.size, what)
        return raw.reduce(T(0)) { ($0 << 8) | T(truncatingIfNeeded: $1) }
    }

    /// A field preceded by a big-endian length, no longer than `limit`.
    mutating func readField<Length: FixedWidthInteger & UnsignedInteger>(
        lengthType: Length.Type, limit: Int, _ what: String
    ) throws(EnvelopeError) -> [UInt8] {
        let start = offset
        let length = Int(try read(Length.self, "length of \(what)"))
        guard length <= limit else {
            throw .malformed(reason: "\(what) claims \(length) bytes, at most \(limit) allowed", offset: start)
        }
        return try read(count: length, what)
    }

    mutating func readText(limit: Int, _ what: String) throws(EnvelopeError) -> String {
        let start = offset
        let raw = try readField(lengthType: UInt16.self, limit: limit, what)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .malformed(reason: "\(what) is not valid UTF-8", offset: start)
        }
        return text
    }
}
