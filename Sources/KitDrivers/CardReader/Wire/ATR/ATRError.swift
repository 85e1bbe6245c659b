/// Why an Answer-to-Reset could not be parsed (ISO/IEC 7816-3:2006 §8.2).
///
/// Offsets count from the first byte of the ATR (TS = offset 0).
public enum ATRError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The reader returned no ATR bytes at all.
    case empty
    /// TS is neither 0x3B (direct convention) nor 0x3F (inverse convention).
    case invalidInitialCharacter(UInt8)
    /// The ATR is longer than the 33 bytes ISO/IEC 7816-3 allows.
    case tooLong(count: Int)
    /// The ATR ends after TS; the format byte T0 is missing.
    case missingFormatByte
    /// The ATR stops inside the interface bytes of group `group`.
    case truncatedInterfaceBytes(group: Int, offset: Int)
    /// T0 announces more historical bytes than the ATR contains.
    case truncatedHistoricalBytes(expected: Int, available: Int)
    /// TD1 names T=15, which may only appear from TD2 on.
    case globalProtocolInTD1(offset: Int)
    /// A protocol other than T=0 is offered but the check byte TCK is missing.
    case missingCheckByte
    /// The exclusive-or of T0 … TCK is not zero.
    case checkByteMismatch(expected: UInt8, actual: UInt8)
    /// Bytes follow the last historical byte (or TCK) that the ATR structure does not account for.
    case unexpectedTrailingBytes(offset: Int, count: Int)

    public var description: String {
        switch self {
        case .empty:
            return "The reader returned an empty ATR; the card did not answer to reset. Reinsert the card."
        case .invalidInitialCharacter(let ts):
            return "ATR byte 0 (TS) is \(ATRHex.byte(ts)); only 3B (direct) or 3F (inverse convention) are valid. "
                + "The card or reader is faulty or not an ISO 7816 card."
        case .tooLong(let count):
            return "The ATR has \(count) bytes; ISO/IEC 7816-3 allows at most 33. The reader returned garbage."
        case .missingFormatByte:
            return "The ATR has only the initial character TS; the format byte T0 is missing. Reinsert the card."
        case .truncatedInterfaceBytes(let group, let offset):
            return "The ATR ends at offset \(offset) inside interface byte group \(group); the answer is truncated."
        case .truncatedHistoricalBytes(let expected, let available):
            return "T0 announces \(expected) historical bytes but only \(available) follow; the answer is truncated."
        case .globalProtocolInTD1(let offset):
            return
                "TD1 at offset \(offset) indicates T=15, which ISO/IEC 7816-3 forbids in TD1; the ATR is inconsistent."
        case .missingCheckByte:
            return "The ATR offers a protocol other than T=0 but has no check byte TCK; the answer is truncated."
        case .checkByteMismatch(let expected, let actual):
            return "ATR check byte TCK is \(ATRHex.byte(actual)) but should be \(ATRHex.byte(expected)); "
                + "the ATR was corrupted in transfer. Reinsert the card."
        case .unexpectedTrailingBytes(let offset, let count):
            return "\(count) unexpected byte(s) follow the ATR at offset \(offset); the answer is inconsistent."
        }
    }
}

/// Hex formatting for ATR diagnostics and descriptions.
enum ATRHex {
    static func byte(_ value: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(value >> 4)], digits[Int(value & 0x0F)]])
    }

    static func bytes(_ values: [UInt8]) -> String {
        values.map(byte).joined(separator: " ")
    }
}
