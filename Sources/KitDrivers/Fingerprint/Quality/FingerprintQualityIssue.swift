/// A reason to retake a fingerprint capture, worded so a clerk can read it out to the citizen
/// (criteria after ISO/IEC 29794-4: usable area, grey-level contrast, ridge clarity).
public enum FingerprintQualityIssue: String, Sendable, CaseIterable, Equatable {
    /// No finger on the scanner: the image is (almost) all background.
    case noFinger
    /// Only part of the finger was captured: too little of the image is covered.
    case partialFinger
    /// The finger area is too dark (wet or over-pressed finger).
    case tooDark
    /// The finger area is too pale (dry finger, too little pressure).
    case tooLight
    /// Ridges and valleys are not far enough apart in grey level.
    case lowContrast
    /// Ridges are blurred or smudged: their direction cannot be followed.
    case unclearRidges

    /// Instruction in German, for the citizen.
    public var german: String {
        switch self {
        case .noFinger: return "Kein Finger erkannt. Bitte den Finger flach auf den Scanner legen."
        case .partialFinger: return "Finger nur teilweise erfasst. Bitte den Finger mittig und flach auflegen."
        case .tooDark: return "Bild zu dunkel. Bitte den Finger abtrocknen und etwas leichter aufdrücken."
        case .tooLight: return "Bild zu hell. Bitte den Finger fester aufdrücken."
        case .lowContrast: return "Zu wenig Kontrast. Bitte den Finger fester aufdrücken und ruhig halten."
        case .unclearRidges:
            return "Linien unscharf oder verschmiert. Bitte die Scannerfläche reinigen und den Finger ruhig halten."
        }
    }

    /// Instruction in English, for the citizen.
    public var english: String {
        switch self {
        case .noFinger: return "No finger detected. Please place your finger flat on the scanner."
        case .partialFinger: return "Only part of the finger was captured. Please place it flat and centred."
        case .tooDark: return "Image too dark. Please dry your finger and press a little more lightly."
        case .tooLight: return "Image too light. Please press your finger more firmly."
        case .lowContrast: return "Too little contrast. Please press your finger more firmly and hold it still."
        case .unclearRidges: return "Ridges blurred or smudged. Please clean the scanner surface and keep still."
        }
    }
}
