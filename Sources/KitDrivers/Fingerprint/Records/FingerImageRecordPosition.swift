/// Which hand a finger belongs to (ISO/IEC 19794-4:2005 finger position codes 1–5 right, 6–10 left).
public enum FingerprintHand: String, Sendable, Codable, CaseIterable {
    /// Left hand.
    case left
    /// Right hand.
    case right
}

extension FingerImageRecord.Position: Codable {
    /// The hand, or nil for unknown and multi-finger positions.
    public var hand: FingerprintHand? {
        switch rawValue {
        case 1...5: return .right
        case 6...10: return .left
        default: return nil
        }
    }

    /// German name for the clerk and the citizen, e.g. "linker Zeigefinger".
    public var germanName: String {
        switch self {
        case .unknown: return "unbekannter Finger"
        case .rightThumb: return "rechter Daumen"
        case .rightIndex: return "rechter Zeigefinger"
        case .rightMiddle: return "rechter Mittelfinger"
        case .rightRing: return "rechter Ringfinger"
        case .rightLittle: return "rechter kleiner Finger"
        case .leftThumb: return "linker Daumen"
        case .leftIndex: return "linker Zeigefinger"
        case .leftMiddle: return "linker Mittelfinger"
        case .leftRing: return "linker Ringfinger"
        case .leftLittle: return "linker kleiner Finger"
        case .plainRightFour: return "vier Finger rechts"
        case .plainLeftFour: return "vier Finger links"
        case .plainThumbs: return "beide Daumen"
        }
    }

    /// German name in the accusative, for "Bitte den … auflegen", e.g. "linken Zeigefinger".
    public var germanAccusative: String {
        switch self {
        case .unknown: return "unbekannten Finger"
        case .rightThumb: return "rechten Daumen"
        case .rightIndex: return "rechten Zeigefinger"
        case .rightMiddle: return "rechten Mittelfinger"
        case .rightRing: return "rechten Ringfinger"
        case .rightLittle: return "rechten kleinen Finger"
        case .leftThumb: return "linken Daumen"
        case .leftIndex: return "linken Zeigefinger"
        case .leftMiddle: return "linken Mittelfinger"
        case .leftRing: return "linken Ringfinger"
        case .leftLittle: return "linken kleinen Finger"
        case .plainRightFour, .plainLeftFour, .plainThumbs: return germanName
        }
    }

    /// English name, e.g. "left index finger".
    public var englishName: String {
        switch self {
        case .unknown: return "unknown finger"
        case .rightThumb: return "right thumb"
        case .rightIndex: return "right index finger"
        case .rightMiddle: return "right middle finger"
        case .rightRing: return "right ring finger"
        case .rightLittle: return "right little finger"
        case .leftThumb: return "left thumb"
        case .leftIndex: return "left index finger"
        case .leftMiddle: return "left middle finger"
        case .leftRing: return "left ring finger"
        case .leftLittle: return "left little finger"
        case .plainRightFour: return "four fingers, right"
        case .plainLeftFour: return "four fingers, left"
        case .plainThumbs: return "both thumbs"
        }
    }
}
