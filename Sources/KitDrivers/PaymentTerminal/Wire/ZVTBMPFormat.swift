/// Length rule of a BMP (bitmap) field in ZVT command data (ZVT spec rev. 13.x, the
/// "Bitmaps" list): a fixed number of bytes, an LLVAR/LLLVAR field whose two or three length
/// bytes are `0xF0 | digit`, or the BER-length TLV container of BMP 06.
public enum ZVTBMPFormat: Sendable, Equatable {
    /// Exactly this many value bytes follow the tag.
    case fixed(Int)
    /// Two length bytes `F<d1> F<d2>` (0–99 value bytes).
    case llvar
    /// Three length bytes `F<d1> F<d2> F<d3>` (0–999 value bytes).
    case lllvar
    /// BMP 06: BER length, then TLV objects.
    case tlvContainer

    /// The rule for a BMP tag, or `nil` when this codec does not know the tag.
    public static func of(_ tag: UInt8) -> ZVTBMPFormat? {
        ZVTBMP.table[tag]?.format
    }

    /// Number of decimal length digits of a variable-length field.
    var lengthDigits: Int? {
        switch self {
        case .llvar: return 2
        case .lllvar: return 3
        case .fixed, .tlvContainer: return nil
        }
    }

    /// Largest value a variable-length field can carry.
    var maximumLength: Int? {
        switch self {
        case .llvar: return 99
        case .lllvar: return 999
        case .fixed, .tlvContainer: return nil
        }
    }
}

/// Tag numbers and names of the BMP fields this codec knows (ZVT spec rev. 13.x, "Bitmaps" list).
public enum ZVTBMP {
    public static let timeout: UInt8 = 0x01
    public static let maximumStatusInformations: UInt8 = 0x02
    public static let serviceByte: UInt8 = 0x03
    public static let amount: UInt8 = 0x04
    public static let pumpNumber: UInt8 = 0x05
    public static let tlvContainer: UInt8 = 0x06
    public static let traceNumber: UInt8 = 0x0B
    public static let time: UInt8 = 0x0C
    public static let date: UInt8 = 0x0D
    public static let expiryDate: UInt8 = 0x0E
    public static let cardSequenceNumber: UInt8 = 0x17
    public static let paymentType: UInt8 = 0x19
    public static let pan: UInt8 = 0x22
    public static let track2: UInt8 = 0x23
    public static let track3: UInt8 = 0x24
    public static let resultCode: UInt8 = 0x27
    public static let terminalID: UInt8 = 0x29
    public static let vuNumber: UInt8 = 0x2A
    public static let track1: UInt8 = 0x2D
    public static let originalTraceNumber: UInt8 = 0x37
    public static let authorisationAttribute: UInt8 = 0x3B
    public static let additionalText: UInt8 = 0x3C
    public static let password: UInt8 = 0x3D
    public static let currency: UInt8 = 0x49
    public static let individualTotals: UInt8 = 0x60
    public static let receiptNumber: UInt8 = 0x87
    /// The value of BMP 87 that means "no receipt number".
    public static let noReceiptNumber: [UInt8] = [0xFF, 0xFF]
    public static let turnoverNumber: UInt8 = 0x88
    public static let cardType: UInt8 = 0x8A
    public static let cardName: UInt8 = 0x8B
    public static let cardTypeID: UInt8 = 0x8C
    public static let additionalData: UInt8 = 0x92
    public static let geldkartePayments: UInt8 = 0x9A
    public static let resultCodeAS: UInt8 = 0xA0
    public static let aidParameter: UInt8 = 0xBA
    public static let dateYYMMDD: UInt8 = 0xAA

    /// Human name of a BMP tag for logs, or `nil` when unknown.
    public static func name(of tag: UInt8) -> String? {
        table[tag]?.name
    }

    static let table: [UInt8: (format: ZVTBMPFormat, name: String)] = {
        var table: [UInt8: (format: ZVTBMPFormat, name: String)] = [
            0x01: (.fixed(1), "timeout"),
            0x02: (.fixed(1), "max. status informations"),
            0x03: (.fixed(1), "service byte"),
            0x04: (.fixed(6), "amount"),
            0x05: (.fixed(1), "pump number"),
            0x06: (.tlvContainer, "TLV container"),
            0x0B: (.fixed(3), "trace number"),
            0x0C: (.fixed(3), "time"),
            0x0D: (.fixed(2), "date"),
            0x0E: (.fixed(2), "expiry date"),
            0x17: (.fixed(2), "card sequence number"),
            0x19: (.fixed(1), "payment type / status byte"),
            0x22: (.llvar, "PAN"),
            0x23: (.llvar, "track 2"),
            0x24: (.lllvar, "track 3"),
            0x27: (.fixed(1), "result code"),
            0x29: (.fixed(4), "terminal ID"),
            0x2A: (.fixed(15), "VU number"),
            0x2D: (.llvar, "track 1"),
            0x37: (.fixed(3), "original trace number"),
            0x3A: (.fixed(2), "CVV/CVC"),
            0x3B: (.fixed(8), "AID authorisation attribute"),
            0x3C: (.lllvar, "additional text"),
            0x3D: (.fixed(3), "password"),
            0x49: (.fixed(2), "currency code"),
            0x60: (.lllvar, "individual totals"),
            0x87: (.fixed(2), "receipt number"),
            0x88: (.fixed(3), "turnover number"),
            0x8A: (.fixed(1), "card type"),
            0x8B: (.llvar, "card name"),
            0x8C: (.fixed(1), "card type ID"),
            0x92: (.lllvar, "additional data"),
            0x9A: (.lllvar, "Geldkarte payment records"),
            0xA0: (.fixed(1), "result code AS"),
            0xA7: (.llvar, "chip data"),
            0xAA: (.fixed(3), "date YYMMDD"),
            0xAF: (.lllvar, "EF_Info"),
            0xBA: (.fixed(5), "AID parameter"),
            0xD0: (.fixed(1), "algorithm key"),
            0xD1: (.llvar, "card offset / PIN data"),
            0xD2: (.fixed(1), "card output direction"),
            0xD3: (.fixed(1), "DUKPT key identifier"),
            0xE0: (.fixed(1), "min. input length"),
            0xE9: (.fixed(1), "max. input length"),
            0xEA: (.fixed(1), "echo input"),
            0xEB: (.fixed(8), "MAC"),
            0xF0: (.fixed(1), "display duration"),
            0xF9: (.fixed(1), "beep tones"),
            0xFA: (.fixed(1), "card reader activation"),
            0xFB: (.fixed(1), "confirmation"),
            0xFC: (.fixed(1), "dialog control"),
            0xFD: (.fixed(1), "display device"),
        ]
        for line in UInt8(1)...8 {
            table[0xE0 + line] = (.llvar, "text 2 line \(line)")
            table[0xF0 + line] = (.llvar, "text 1 line \(line)")
        }
        return table
    }()
}
