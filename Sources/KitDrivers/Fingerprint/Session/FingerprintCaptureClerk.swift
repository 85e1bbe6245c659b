/// Why a finger is not captured (recorded in the finger set, BSI TR-03121: missing and temporarily or
/// permanently unusable fingers are documented, not guessed).
public enum FingerprintSkipReason: String, Sendable, Codable, CaseIterable, Equatable {
    /// The finger is missing (amputation, congenital).
    case missing
    /// The finger is injured or bandaged.
    case injured
    /// The finger has no capturable ridges (worn, skin disease).
    case notCapturable
    /// No usable image came from the scanner within the attempts allowed (set by the procedure).
    case noUsableImage

    /// German text for the record and the clerk.
    public var german: String {
        switch self {
        case .missing: return "Finger fehlt"
        case .injured: return "Finger verletzt"
        case .notCapturable: return "Finger nicht erfassbar"
        case .noUsableImage: return "kein verwertbares Bild"
        }
    }
}

/// The clerk's answer before a finger is captured (BSI TR-03121-3: missing or injured fingers are
/// recorded, and the next finger in the order is used).
public enum FingerprintFingerAvailability: Sendable, Equatable {
    /// Capture it.
    case available
    /// Skip it, for this reason.
    case skip(FingerprintSkipReason)
}

/// What the capture procedure tells the clerk while it runs (BSI TR-03121-3: the operator gets the
/// reason for every rejected capture); `german` / `english` are the sentences to read to the citizen.
public enum FingerprintCaptureNotice: Sendable, Equatable {
    /// About to capture image `capture` of `of` of this finger.
    case placeFinger(FingerImageRecord.Position, capture: Int, of: Int)
    /// The image was taken and is good enough.
    case accepted(FingerImageRecord.Position, capture: Int, score: Int)
    /// The image was taken but is not good enough, for these reasons.
    case rejected(FingerImageRecord.Position, capture: Int, score: Int, issues: [FingerprintQualityIssue])
    /// The scanner asks to place the finger again.
    case scannerRetry(FingerImageRecord.Position, FingerprintScanRetry)
    /// No finger was placed within the capture timeout.
    case noFingerPlaced(FingerImageRecord.Position)
    /// The scanner delivered an unusable image.
    case unusableImage(FingerImageRecord.Position)
    /// The finger is skipped.
    case skipped(FingerImageRecord.Position, FingerprintSkipReason)
    /// No image of the finger was good enough; the next finger of the hand is tried.
    case fallingBack(from: FingerImageRecord.Position, to: FingerImageRecord.Position)
    /// The finger is done; the image kept has this score.
    case fingerDone(FingerImageRecord.Position, score: Int, meetsThreshold: Bool)

    /// Sentence in German.
    public var german: String {
        switch self {
        case .placeFinger(let finger, let capture, let of):
            return "Bitte den \(finger.germanAccusative) flach auflegen (Aufnahme \(capture) von \(of))."
        case .accepted:
            return "Die Aufnahme ist gut. Bitte den Finger abheben."
        case .rejected(_, _, _, let issues):
            return issues.map(\.german).joined(separator: " ")
        case .scannerRetry(_, let reason):
            return reason.german
        case .noFingerPlaced(let finger):
            return "Kein Finger aufgelegt. Bitte den \(finger.germanAccusative) flach auf den Scanner legen."
        case .unusableImage:
            return "Die Aufnahme war nicht verwertbar. Bitte den Finger erneut auflegen."
        case .skipped(let finger, let reason):
            return "Übersprungen: \(finger.germanName) (\(reason.german))."
        case .fallingBack(let from, let to):
            return "Nicht gut genug erfassbar: \(from.germanName). Nun bitte den \(to.germanAccusative) auflegen."
        case .fingerDone(let finger, _, _):
            return "Erfasst: \(finger.germanName)."
        }
    }

    /// Sentence in English.
    public var english: String {
        switch self {
        case .placeFinger(let finger, let capture, let of):
            return "Please place your \(finger.englishName) flat on the scanner (capture \(capture) of \(of))."
        case .accepted(let finger, _, _):
            return "The \(finger.englishName) capture is good. Please lift your finger."
        case .rejected(_, _, _, let issues):
            return issues.map(\.english).joined(separator: " ")
        case .scannerRetry(_, let reason):
            return reason.english
        case .noFingerPlaced(let finger):
            return "No finger was placed. Please place your \(finger.englishName) flat on the scanner."
        case .unusableImage:
            return "The capture could not be used. Please place your finger again."
        case .skipped(let finger, let reason):
            return "The \(finger.englishName) is skipped (\(reason.rawValue))."
        case .fallingBack(let from, let to):
            return "The \(from.englishName) cannot be captured well enough. Now your \(to.englishName), please."
        case .fingerDone(let finger, _, _):
            return "The \(finger.englishName) is done."
        }
    }
}

/// The person running the capture (the operator of BSI TR-03121-3): decides whether a finger can be
/// captured and passes the procedure's instructions on to the citizen.
public protocol FingerprintCaptureClerk: Sendable {
    /// Asked once per finger before it is captured (not for fingers in the plan's `knownSkips`).
    func availability(of finger: FingerImageRecord.Position) async -> FingerprintFingerAvailability
    /// A step of the procedure, in order.
    func notice(_ notice: FingerprintCaptureNotice) async
    /// The scanner's own report during a capture (ready for the finger, finger seen, lifted). Called
    /// on the scanner backend's thread while the capture runs: return quickly.
    func scannerEvent(_ event: FingerprintScannerEvent, finger: FingerImageRecord.Position)
}

extension FingerprintCaptureClerk {
    /// Default: ignore scanner events.
    public func scannerEvent(_ event: FingerprintScannerEvent, finger: FingerImageRecord.Position) {}
}
