/// Why a command or response APDU could not be built or decoded (ISO/IEC 7816-4:2013 §5.1).
public enum ISO7816APDUError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A command APDU needs at least the 4 header bytes CLA INS P1 P2.
    case commandTooShort(count: Int)
    /// The Lc field announces `lc` data bytes, but the body length does not match any case.
    case bodyLengthMismatch(lc: Int, bodyCount: Int)
    /// An extended-length body starts with 00 but is too short to hold the 2-byte length field.
    case truncatedExtendedLength(bodyCount: Int)
    /// An extended Lc field of 0000 is not allowed.
    case zeroExtendedLc
    /// The command data field is longer than 65 535 bytes.
    case dataTooLong(count: Int)
    /// The expected response length Ne must be 1 … 65 536.
    case invalidExpectedLength(Int)
    /// A response APDU needs at least the two status bytes SW1 SW2.
    case responseTooShort(count: Int)
    /// Short EF identifiers are 1 … 30.
    case invalidShortFileIdentifier(UInt8)
    /// READ/UPDATE BINARY offsets are 0 … 32 767 (0 … 255 with a short EF identifier).
    case offsetOutOfRange(Int)
    /// Application identifiers are 1 … 16 bytes long.
    case invalidApplicationIdentifierLength(Int)
    /// A SELECT by path needs 1 … 127 file identifiers.
    case invalidPathLength(Int)
    /// The card kept answering 61xx/6Cxx; the exchange was stopped after `rounds` commands.
    case tooManyResponseRounds(rounds: Int)

    public var description: String {
        switch self {
        case .commandTooShort(let count):
            return "Command APDU has \(count) byte(s); at least 4 (CLA INS P1 P2) are required."
        case .bodyLengthMismatch(let lc, let bodyCount):
            return "Command APDU body has \(bodyCount) byte(s) but its Lc field announces \(lc) data byte(s); "
                + "the APDU is inconsistent."
        case .truncatedExtendedLength(let bodyCount):
            return "Command APDU body of \(bodyCount) byte(s) starts with 00 (extended length) but is too short "
                + "for a 2-byte length field."
        case .zeroExtendedLc:
            return "Command APDU has an extended Lc of 0000, which ISO/IEC 7816-4 forbids."
        case .dataTooLong(let count):
            return "Command data field has \(count) bytes; at most 65535 fit into an APDU."
        case .invalidExpectedLength(let ne):
            return "Expected response length \(ne) is invalid; it must be between 1 and 65536."
        case .responseTooShort(let count):
            return "Response APDU has \(count) byte(s); at least the 2 status bytes SW1 SW2 are required. "
                + "The reader or card dropped the answer."
        case .invalidShortFileIdentifier(let sfi):
            return "Short EF identifier \(sfi) is invalid; it must be between 1 and 30."
        case .offsetOutOfRange(let offset):
            return "File offset \(offset) is out of range (0-32767, or 0-255 with a short EF identifier)."
        case .invalidApplicationIdentifierLength(let count):
            return "Application identifier has \(count) bytes; it must have 1 to 16."
        case .invalidPathLength(let count):
            return "SELECT path has \(count) file identifier(s); it must have 1 to 127."
        case .tooManyResponseRounds(let rounds):
            return "The card kept asking for GET RESPONSE or a new Le after \(rounds) commands; "
                + "the exchange was stopped. Remove and reinsert the card."
        }
    }
}
