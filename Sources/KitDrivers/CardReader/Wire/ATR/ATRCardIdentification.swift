/// What kind of card an ATR belongs to, as far as the ATR alone can tell.
///
/// Known ATRs: the German ID card ("nPA", production and test cards, as listed by OpenSC's
/// card-npa driver) and the German health card ("eGK", generation 2, as listed in the public
/// smart-card ATR list). A German ID card read through a contactless reader may present a
/// different ATR depending on chip vendor and reader, so any PC/SC contactless ATR
/// (PC/SC Part 3 §3.1.3.2.3: `3B 8n 80 01 …`) is reported as ``contactless`` — the caller then
/// decides by reading EF.CardAccess and looking for a PACEInfo (BSI TR-03110-3 §A.1).
public enum ATRCardIdentification: Equatable, Sendable, CustomStringConvertible {
    /// German ID card (neuer Personalausweis) with a known production ATR.
    case germanIDCard
    /// German ID card test specimen with a known test ATR.
    case germanIDCardTest
    /// German health insurance card (elektronische Gesundheitskarte), generation 2.
    case germanHealthCardG2
    /// Some ISO/IEC 14443 card behind a PC/SC contactless reader; may be a German ID card.
    case contactless
    /// A generic ISO 7816 card with no known ATR (e.g. Debian's vicc in ISO 7816 mode).
    case unknown

    /// Identifies a parsed ATR.
    public init(_ atr: ATR) {
        if let known = ATRCardIdentification.known.first(where: { $0.bytes == atr.bytes }) {
            self = known.identification
        } else if ATRCardIdentification.isPCSCContactless(atr) {
            self = .contactless
        } else {
            self = .unknown
        }
    }

    /// Whether the caller should probe EF.CardAccess for a PACEInfo before deciding it is a German ID card.
    public var mayBeGermanIDCard: Bool {
        switch self {
        case .germanIDCard, .germanIDCardTest, .contactless: return true
        case .germanHealthCardG2, .unknown: return false
        }
    }

    public var description: String {
        switch self {
        case .germanIDCard: return "German ID card (nPA)"
        case .germanIDCardTest: return "German ID card test specimen (nPA)"
        case .germanHealthCardG2: return "German health card (eGK G2)"
        case .contactless: return "contactless card (check EF.CardAccess for a German ID card)"
        case .unknown: return "generic ISO 7816 card"
        }
    }

    private struct KnownATR {
        let bytes: [UInt8]
        let identification: ATRCardIdentification
    }

    private static let known: [KnownATR] = [
        KnownATR(
            bytes: [0x3B, 0x8A, 0x80, 0x01, 0x80, 0x31, 0xF8, 0x73, 0xF7, 0x41, 0xE0, 0x82, 0x90, 0x00, 0x75],
            identification: .germanIDCard),
        KnownATR(
            bytes: [0x3B, 0x84, 0x80, 0x01, 0x00, 0x00, 0x90, 0x00, 0x95],
            identification: .germanIDCardTest),
        KnownATR(
            bytes: [0x3B, 0xD3, 0x96, 0xFF, 0x81, 0xB1, 0xFE, 0x45, 0x1F, 0x07, 0x80, 0x81, 0x05, 0x2D],
            identification: .germanHealthCardG2),
    ]

    /// PC/SC readers synthesise `3B 8n 80 01 <n historical bytes> TCK` for ISO/IEC 14443-4 cards.
    private static func isPCSCContactless(_ atr: ATR) -> Bool {
        let bytes = atr.bytes
        return bytes.count >= 5 && bytes[0] == 0x3B && bytes[1] >> 4 == 0x8 && bytes[2] == 0x80 && bytes[3] == 0x01
    }
}

extension ATR {
    /// The card kind this ATR identifies; see ``ATRCardIdentification``.
    public var identification: ATRCardIdentification { ATRCardIdentification(self) }
}
