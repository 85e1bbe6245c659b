/// How the value of a primitive TLV object is read for people (ZVT spec rev. 13.x,
/// TLV-container chapter; Feig cVEND manual for FF40/FF41 and the file tags).
public enum ZVTTLVValueKind: Sendable, Equatable {
    /// Text in the terminal character set.
    case text
    /// Date `YYYYMMDD`, 4 BCD bytes.
    case date
    /// Time `hhmmss`, 3 BCD bytes.
    case time
    /// Decimal digits in BCD, kept as a digit string (terminal ID, serial numbers).
    case digits
    /// Unsigned binary number, high byte first (1–4 bytes).
    case number
    /// Raw bytes printed as hex (card identifiers, AIDs, UIDs).
    case hex
    /// A ZVT control field `CLASS INSTR` (entries of the permitted-commands list 26).
    case command
    /// Bulk data of which only the length is shown (file contents).
    case payload
    /// A secret that never appears in output (the password of 08 13).
    case secret
    /// Feig host address: IPv4 (4 bytes), port (2 bytes, high first), config byte.
    case hostAddress
}

/// Names and value kinds of the TLV tags this codec knows (ZVT spec rev. 13.x, TLV-container
/// chapter; Feig cVEND extensions). Unknown primitive tags are shown as hex.
public enum ZVTTLVTagCatalogue {
    /// Name and value kind of a tag, or `nil` when unknown.
    public static func entry(_ tag: ZVTTLVTag) -> (name: String, kind: ZVTTLVValueKind)? {
        table[tag.number]
    }

    private static let table: [UInt32: (name: String, kind: ZVTTLVValueKind)] = [
        0x07: ("text line", .text),
        0x09: ("end-of-text marker", .number),
        0x0A: ("permitted ZVT command", .command),
        0x10: ("number of columns", .number),
        0x11: ("number of lines", .number),
        0x12: ("number of characters per line", .number),
        0x14: ("ISO character set", .number),
        0x1A: ("maximum APDU length", .number),
        0x1B: ("diagnosis type", .number),
        0x1C: ("file data", .payload),
        0x1D: ("file ID", .number),
        0x1E: ("file offset", .number),
        0x25: ("print texts", .hex),
        0x26: ("permitted ZVT commands", .hex),
        0x2D: ("file", .hex),
        0x34: ("date and time", .hex),
        0x40: ("EMV configuration", .hex),
        0x41: ("card type", .hex),
        0x43: ("application ID", .hex),
        0x4C: ("card UID", .hex),
        0x60: ("application", .hex),
        0x62: ("applications on card", .hex),
        0xE4: ("device information", .hex),
        0xE9: ("pre-authorisation data", .hex),
        0x1F00: ("file size", .number),
        0x1F07: ("receipt type", .number),
        0x1F0B: ("maximum pre-authorisation amount", .digits),
        0x1F0E: ("date", .date),
        0x1F0F: ("time", .time),
        0x1F14: ("card identification item", .hex),
        0x1F15: ("card reading control", .number),
        0x1F16: ("extended error code", .number),
        0x1F17: ("extended error text", .text),
        0x1F37: ("receipt information", .hex),
        0x1F40: ("device name", .text),
        0x1F41: ("software version", .text),
        0x1F42: ("device ID", .hex),
        0x1F43: ("device state", .number),
        0x1F44: ("terminal ID", .digits),
        0x1F45: ("ATS", .hex),
        0x1F4C: ("card technology", .number),
        0x1F4D: ("card sub-type", .hex),
        0x1F4F: ("ATQA", .hex),
        0x1F50: ("SAK", .number),
        0x1F60: ("card type", .number),
        0x1F62: ("BMP prefix", .text),
        0x1F63: ("BMP data", .text),
        0xFF40: ("password", .secret),
        0xFF41: ("host configuration", .hostAddress),
    ]
}
