/// A non-negative real number stored as an integer and a power-of-ten exponent, value = integer / 10^exponent
/// (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B: the "scale" and "value" pairs of the SOF, DTT and DQT segments).
///
/// The encoder picks the largest exponent that keeps the integer in range, so the stored number carries as
/// many significant digits as the field allows.
public struct WSQScaledValue: Equatable, Sendable {
    /// The power of ten the integer is divided by.
    public var exponent: UInt8
    /// The stored integer.
    public var integer: UInt32

    /// Creates a scaled value from its two stored fields.
    public init(exponent: UInt8, integer: UInt32) {
        self.exponent = exponent
        self.integer = integer
    }

    /// Scales `value` so that the integer stays below `limit` (65535 for 16-bit fields, 2^32−1 for 32-bit fields).
    /// Returns nil for negative, non-finite or too large values.
    public init?(encoding value: Double, limit: Double) {
        guard value.isFinite, value >= 0, value < limit else { return nil }
        if value == 0 {
            self.init(exponent: 0, integer: 0)
            return
        }
        var scaled = value
        var exponent = 0
        while scaled * 10 < limit && exponent < 255 {
            scaled *= 10
            exponent += 1
        }
        let rounded = scaled.rounded()
        guard rounded <= limit else { return nil }
        self.init(exponent: UInt8(exponent), integer: UInt32(rounded))
    }

    /// The real number this pair stands for.
    public var value: Double {
        var result = Double(integer)
        var remaining = Int(exponent)
        while remaining > 0 {
            result /= 10
            remaining -= 1
        }
        return result
    }
}
