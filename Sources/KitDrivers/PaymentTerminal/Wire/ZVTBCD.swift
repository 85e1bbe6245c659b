/// Packed BCD as ZVT uses it for amounts, dates, numbers and passwords (ZVT spec rev. 13.x,
/// "Bitmaps" (BMP) data formats: two decimal digits per byte, high nibble first).
public enum ZVTBCD {
    /// Bytes of a BMP 04 amount field.
    public static let amountByteCount = 6
    /// Largest amount in cents a 6-byte BCD field can carry.
    public static let maximumAmountCents = 999_999_999_999

    /// Encodes a non-negative integer as `byteCount` packed BCD bytes, zero padded on the left.
    public static func encode(_ value: Int, byteCount: Int) throws(ZVTError) -> [UInt8] {
        guard value >= 0, byteCount > 0, byteCount <= 9 else {
            throw .bcdValueOutOfRange(value: value, byteCount: byteCount)
        }
        var remaining = value
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            let low = remaining % 10
            remaining /= 10
            let high = remaining % 10
            remaining /= 10
            bytes[index] = UInt8(high << 4 | low)
        }
        guard remaining == 0 else { throw .bcdValueOutOfRange(value: value, byteCount: byteCount) }
        return bytes
    }

    /// Decodes packed BCD bytes (at most 9, i.e. 18 digits) into an integer.
    public static func decode(_ bytes: [UInt8]) throws(ZVTError) -> Int {
        guard bytes.count <= 9 else { throw .bcdLengthMismatch(expected: 9, actual: bytes.count) }
        var value = 0
        for (offset, byte) in bytes.enumerated() {
            let high = Int(byte >> 4)
            let low = Int(byte & 0x0F)
            guard high <= 9, low <= 9 else { throw .invalidBCDDigit(byte: byte, offset: offset) }
            value = value * 100 + high * 10 + low
        }
        return value
    }

    /// Decodes packed BCD bytes into their digit string, keeping leading zeros ("0978").
    public static func digits(_ bytes: [UInt8]) throws(ZVTError) -> String {
        var result = ""
        result.reserveCapacity(bytes.count * 2)
        for (offset, byte) in bytes.enumerated() {
            let high = byte >> 4
            let low = byte & 0x0F
            guard high <= 9, low <= 9 else { throw .invalidBCDDigit(byte: byte, offset: offset) }
            result.append(Character(Unicode.Scalar(0x30 + high)))
            result.append(Character(Unicode.Scalar(0x30 + low)))
        }
        return result
    }

    /// Encodes a whole amount in cents as the 6-byte BCD of BMP 04.
    public static func amountBytes(cents: Int) throws(ZVTError) -> [UInt8] {
        try encode(cents, byteCount: amountByteCount)
    }

    /// Decodes the 6-byte BCD of BMP 04 into cents.
    public static func cents(fromAmount bytes: [UInt8]) throws(ZVTError) -> Int {
        guard bytes.count == amountByteCount else {
            throw .bcdLengthMismatch(expected: amountByteCount, actual: bytes.count)
        }
        return try decode(bytes)
    }
}
