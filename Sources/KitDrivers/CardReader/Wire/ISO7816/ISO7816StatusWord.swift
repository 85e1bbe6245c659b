/// The status bytes SW1 SW2 that end every response APDU (ISO/IEC 7816-4:2013 §5.6, Tables 5 and 6).
public struct ISO7816StatusWord: Hashable, Sendable, CustomStringConvertible {
    /// SW1 SW2 as one big-endian value, e.g. 0x9000.
    public let rawValue: UInt16

    /// How the card classifies the outcome (ISO/IEC 7816-4:2013 Table 5).
    public enum Category: Equatable, Sendable {
        /// 9000 or 61xx: the command succeeded.
        case normalProcessing
        /// 62xx, 63xx: succeeded with a warning.
        case warning
        /// 64xx-66xx: the card failed while executing the command.
        case executionError
        /// 67xx-6Fxx: the card rejected the command as malformed or not allowed.
        case checkingError
        /// Any other value (proprietary or invalid).
        case unknown
    }

    /// Creates a status word from its 16-bit value.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Creates a status word from SW1 and SW2.
    public init(sw1: UInt8, sw2: UInt8) {
        rawValue = UInt16(sw1) << 8 | UInt16(sw2)
    }

    /// SW1.
    public var sw1: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    /// SW2.
    public var sw2: UInt8 { UInt8(truncatingIfNeeded: rawValue) }

    /// 9000: normal processing.
    public static let success = ISO7816StatusWord(rawValue: 0x9000)
    /// 6282: end of file reached before Ne bytes were read.
    public static let endOfFileReached = ISO7816StatusWord(rawValue: 0x6282)
    /// 6700: wrong length.
    public static let wrongLength = ISO7816StatusWord(rawValue: 0x6700)
    /// 6982: security status not satisfied.
    public static let securityStatusNotSatisfied = ISO7816StatusWord(rawValue: 0x6982)
    /// 6983: authentication method blocked.
    public static let authenticationMethodBlocked = ISO7816StatusWord(rawValue: 0x6983)
    /// 6984: reference data not usable.
    public static let referenceDataNotUsable = ISO7816StatusWord(rawValue: 0x6984)
    /// 6985: conditions of use not satisfied.
    public static let conditionsOfUseNotSatisfied = ISO7816StatusWord(rawValue: 0x6985)
    /// 6A80: incorrect parameters in the command data field.
    public static let incorrectData = ISO7816StatusWord(rawValue: 0x6A80)
    /// 6A82: file or application not found.
    public static let fileNotFound = ISO7816StatusWord(rawValue: 0x6A82)
    /// 6A86: incorrect parameters P1-P2.
    public static let incorrectP1P2 = ISO7816StatusWord(rawValue: 0x6A86)
    /// 6D00: instruction code not supported or invalid.
    public static let instructionNotSupported = ISO7816StatusWord(rawValue: 0x6D00)
    /// 6E00: class not supported.
    public static let classNotSupported = ISO7816StatusWord(rawValue: 0x6E00)

    /// Whether the command succeeded (9000, or 61xx meaning more data is waiting).
    public var isSuccess: Bool { rawValue == 0x9000 || sw1 == 0x61 }

    /// The category of this status word.
    public var category: Category {
        switch sw1 {
        case 0x90 where sw2 == 0x00, 0x61: return .normalProcessing
        case 0x62, 0x63: return .warning
        case 0x64, 0x65, 0x66: return .executionError
        case 0x67...0x6F: return .checkingError
        default: return .unknown
        }
    }

    /// For 61xx: how many more response bytes the card holds (00 meaning 256 or more).
    public var bytesAvailable: Int? {
        sw1 == 0x61 ? (sw2 == 0 ? 256 : Int(sw2)) : nil
    }

    /// For 6Cxx: the exact Le the card wants (00 meaning 256).
    public var exactLengthExpected: Int? {
        sw1 == 0x6C ? (sw2 == 0 ? 256 : Int(sw2)) : nil
    }

    /// For 63Cx: the retry counter (e.g. remaining PIN tries).
    public var retryCounter: Int? {
        sw1 == 0x63 && sw2 & 0xF0 == 0xC0 ? Int(sw2 & 0x0F) : nil
    }

    /// A sentence stating what the status word means.
    public var meaning: String {
        if let count = bytesAvailable {
            return "Command successful; \(count) more response byte(s) available (send GET RESPONSE)."
        }
        if let exact = exactLengthExpected {
            return "Wrong Le field; the card has exactly \(exact) byte(s) available (resend with that Le)."
        }
        if let tries = retryCounter {
            return "Verification failed; \(tries) tr\(tries == 1 ? "y" : "ies") remaining."
        }
        if let text = ISO7816StatusWord.table[rawValue] { return text }
        switch sw1 {
        case 0x62: return "Warning: state of non-volatile memory unchanged (SW2 \(ATRHex.byte(sw2)))."
        case 0x63: return "Warning: state of non-volatile memory changed (SW2 \(ATRHex.byte(sw2)))."
        case 0x64: return "Execution error: state of non-volatile memory unchanged (SW2 \(ATRHex.byte(sw2)))."
        case 0x65: return "Execution error: state of non-volatile memory changed (SW2 \(ATRHex.byte(sw2)))."
        case 0x66: return "Execution error: security-related issue (SW2 \(ATRHex.byte(sw2)))."
        case 0x68: return "Functions in CLA not supported (SW2 \(ATRHex.byte(sw2)))."
        case 0x69: return "Command not allowed (SW2 \(ATRHex.byte(sw2)))."
        case 0x6A: return "Wrong parameters P1-P2 (SW2 \(ATRHex.byte(sw2)))."
        default: return "Unknown or proprietary status word."
        }
    }

    public var description: String {
        "\(ATRHex.byte(sw1))\(ATRHex.byte(sw2)): \(meaning)"
    }

    private static let table: [UInt16: String] = [
        0x9000: "Command successful.",
        0x6200: "Warning: no information given; non-volatile memory unchanged.",
        0x6281: "Warning: part of the returned data may be corrupted.",
        0x6282: "Warning: end of file or record reached before reading Ne bytes.",
        0x6283: "Warning: selected file or key deactivated.",
        0x6284: "Warning: file control information not formatted according to ISO/IEC 7816-4.",
        0x6285: "Warning: selected file in termination state.",
        0x6286: "Warning: no input data available from a sensor on the card.",
        0x6300: "Warning: no information given; non-volatile memory changed.",
        0x6381: "Warning: file filled up by the last write.",
        0x6400: "Execution error: no information given; non-volatile memory unchanged.",
        0x6401: "Execution error: immediate response required by the card.",
        0x6500: "Execution error: no information given; non-volatile memory changed.",
        0x6581: "Execution error: memory failure.",
        0x6700: "Wrong length: Lc or Le is not what the command expects.",
        0x6800: "Functions in CLA not supported.",
        0x6881: "Logical channel not supported.",
        0x6882: "Secure messaging not supported.",
        0x6883: "Last command of the chain expected.",
        0x6884: "Command chaining not supported.",
        0x6900: "Command not allowed: no information given.",
        0x6981: "Command incompatible with file structure.",
        0x6982: "Security status not satisfied: authenticate first (PACE, Terminal or Chip Authentication).",
        0x6983: "Authentication method blocked (e.g. PIN blocked).",
        0x6984: "Reference data not usable (e.g. PIN deactivated or transport PIN).",
        0x6985: "Conditions of use not satisfied.",
        0x6986: "Command not allowed: no current EF selected.",
        0x6987: "Expected secure messaging data objects missing.",
        0x6988: "Incorrect secure messaging data objects (session keys out of sync).",
        0x6A00: "Wrong parameters P1-P2: no information given.",
        0x6A80: "Incorrect parameters in the command data field.",
        0x6A81: "Function not supported.",
        0x6A82: "File or application not found.",
        0x6A83: "Record not found.",
        0x6A84: "Not enough memory space in the file.",
        0x6A85: "Nc inconsistent with TLV structure.",
        0x6A86: "Incorrect parameters P1-P2.",
        0x6A87: "Nc inconsistent with parameters P1-P2.",
        0x6A88: "Referenced data or reference data not found.",
        0x6A89: "File already exists.",
        0x6A8A: "DF name already exists.",
        0x6B00: "Wrong parameters P1-P2: offset outside the EF.",
        0x6D00: "Instruction code not supported or invalid.",
        0x6E00: "Class not supported.",
        0x6F00: "No precise diagnosis.",
    ]
}
