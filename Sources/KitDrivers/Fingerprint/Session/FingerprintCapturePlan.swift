/// What to capture and how, after the BSI procedure for fingerprints in ID documents (BSI TR-03121-3
/// and the passport/ID card regulations): flat single fingers, three captures per finger of which
/// the best by quality is kept; per hand the index finger, and if it is missing, injured or of too
/// low quality, the thumb, then the middle finger, then the ring finger (never the little finger).
public struct FingerprintCapturePlan: Sendable, Equatable {
    /// One finger wanted: the candidates in order of preference, usually the fingers of one hand.
    public struct Slot: Sendable, Equatable {
        /// Candidates, first preferred.
        public var candidates: [FingerImageRecord.Position]

        /// Creates a slot.
        public init(candidates: [FingerImageRecord.Position]) {
            self.candidates = candidates
        }

        /// Index → thumb → middle → ring of one hand.
        public static func bsiOrder(_ hand: FingerprintHand) -> Slot {
            switch hand {
            case .left: return Slot(candidates: [.leftIndex, .leftThumb, .leftMiddle, .leftRing])
            case .right: return Slot(candidates: [.rightIndex, .rightThumb, .rightMiddle, .rightRing])
            }
        }
    }

    /// The fingers wanted, captured in this order.
    public var slots: [Slot]
    /// Images taken per finger; the best is kept (BSI: three).
    public var capturesPerFinger: Int
    /// Upper bound on scanner attempts per finger, counting scanner retries, unusable images and
    /// captures in which no finger was placed in time.
    public var maximumAttemptsPerFinger: Int
    /// How long a capture waits for the finger.
    public var captureTimeout: Duration
    /// Stop taking images of a finger as soon as one is accepted (BSI: no, always take all three).
    public var stopAtFirstAccepted: Bool
    /// If no image of a finger is accepted, try the next candidate of the slot and keep the best
    /// image over all candidates tried.
    public var tryNextFingerOnLowQuality: Bool
    /// Fingers the clerk already knows to skip, with the reason (not asked again).
    public var knownSkips: [FingerImageRecord.Position: FingerprintSkipReason]
    /// Quality limits.
    public var thresholds: FingerprintQualityThresholds
    /// WSQ bit rate in bits per pixel (0.75: the FBI's usual setting, about 15:1).
    public var wsqBitRate: Double

    /// Creates a plan; the defaults are the BSI procedure for left and right hand.
    public init(
        slots: [Slot] = [.bsiOrder(.left), .bsiOrder(.right)], capturesPerFinger: Int = 3,
        maximumAttemptsPerFinger: Int = 6, captureTimeout: Duration = .seconds(30), stopAtFirstAccepted: Bool = false,
        tryNextFingerOnLowQuality: Bool = true, knownSkips: [FingerImageRecord.Position: FingerprintSkipReason] = [:],
        thresholds: FingerprintQualityThresholds = .init(), wsqBitRate: Double = 0.75
    ) {
        self.slots = slots
        self.capturesPerFinger = max(1, capturesPerFinger)
        self.maximumAttemptsPerFinger = max(self.capturesPerFinger, maximumAttemptsPerFinger)
        self.captureTimeout = captureTimeout
        self.stopAtFirstAccepted = stopAtFirstAccepted
        self.tryNextFingerOnLowQuality = tryNextFingerOnLowQuality
        self.knownSkips = knownSkips
        self.thresholds = thresholds
        self.wsqBitRate = wsqBitRate
    }

    /// The BSI default: left index finger, then right index finger, each with fallbacks.
    public static let bsiDefault = FingerprintCapturePlan()
}
