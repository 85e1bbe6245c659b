/// The checks a biometric photo must pass before it is recorded, after BSI TR-03121-3 (photo
/// capture and quality assurance) and ISO/IEC 19794-5:2005 §7–8 / ICAO 9303-3 (pose, eyes,
/// illumination, geometry of the token frontal image). The order is the order the clerk sees
/// them and the order in which the first failure becomes the refusal reason.
public enum PhotoQualityCheck: String, Sendable, Codable, CaseIterable, Equatable {
    /// Face and background neither too dark nor too bright (mean luma of the face, clipped pixels).
    case exposure
    /// A face was found.
    case faceFound
    /// Exactly one face is in the frame.
    case singleFace
    /// Both eyes were found (open, not covered, no glare hiding them).
    case eyesOpen
    /// Inter-eye distance at least 60 px (token frontal image width ≥ 240, 19794-5 §8.3).
    case faceSize
    /// The token-format crop around the eyes fits inside the frame (head centred, room above it).
    case position
    /// Eye line level: roll at most 8° (ICAO 9303-3 / 19794-5 §7.2.2).
    case roll
    /// Head turned or tilted: eyes centred in the face box (yaw) and at the expected height (pitch).
    case headPose
    /// Sharp enough: variance of the Laplacian over the face.
    case sharpness
    /// Background behind the head uniform and light (19794-5 §7.2.9); advisory, see ``isRequired``.
    case background

    /// Whether a failure refuses the photo. The background is advisory: at a citizen's home the clerk
    /// hangs the kit's grey backdrop, and a warning there is reported in the facts instead of
    /// blocking the application (docs/camera.md).
    public var isRequired: Bool { self != .background }

    /// Name of the check for the clerk page.
    public var germanTitle: String {
        switch self {
        case .exposure: return "Belichtung"
        case .faceFound: return "Gesicht erkannt"
        case .singleFace: return "Nur eine Person"
        case .eyesOpen: return "Augen offen"
        case .faceSize: return "Gesichtsgröße"
        case .position: return "Position im Bild"
        case .roll: return "Kopf gerade"
        case .headPose: return "Blick frontal"
        case .sharpness: return "Schärfe"
        case .background: return "Hintergrund"
        }
    }
}

/// The outcome of one check on one frame: a traffic light, the measured value and, when it did not
/// pass, a hint in German the clerk can read out.
public struct PhotoCheckResult: Sendable, Codable, Equatable {
    /// Traffic light for the clerk page.
    public enum Light: String, Sendable, Codable {
        /// Passed.
        case green
        /// Advisory check failed; the photo may still be taken.
        case amber
        /// Failed; the photo is refused.
        case red
    }

    public var check: PhotoQualityCheck
    public var passed: Bool
    /// What was measured (unit in ``PhotoQualityCheck``'s doc), nil when it could not be measured.
    public var value: Double?
    /// What to do, in German, for the citizen; nil when passed.
    public var hint: String?

    /// Creates a result.
    public init(check: PhotoQualityCheck, passed: Bool, value: Double?, hint: String?) {
        self.check = check
        self.passed = passed
        self.value = value
        self.hint = passed ? nil : hint
    }

    /// The light shown for this result.
    public var light: Light {
        passed ? .green : (check.isRequired ? .red : .amber)
    }
}

/// All checks of one frame, and where the face and eyes are.
public struct PhotoAssessment: Sendable, Codable, Equatable {
    /// One result per check, in ``PhotoQualityCheck`` order.
    public var results: [PhotoCheckResult]
    /// Eye centres in frame pixels (subject's right eye, then left), when both were found.
    public var eyes: [DetectedFace.Point]
    /// The token crop in frame pixels, when it could be placed.
    public var crop: TokenGeometry.Crop?

    /// Creates an assessment.
    public init(results: [PhotoCheckResult], eyes: [DetectedFace.Point], crop: TokenGeometry.Crop?) {
        self.results = results
        self.eyes = eyes
        self.crop = crop
    }

    /// The first failed required check: why the photo is refused; nil when it may be recorded.
    public var refusal: PhotoCheckResult? {
        results.first { !$0.passed && $0.check.isRequired }
    }

    /// True when the photo may be recorded.
    public var acceptable: Bool { refusal == nil && crop != nil && eyes.count == 2 }

    /// The result of one check.
    public func result(_ check: PhotoQualityCheck) -> PhotoCheckResult? {
        results.first { $0.check == check }
    }
}
