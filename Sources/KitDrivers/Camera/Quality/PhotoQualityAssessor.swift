import Foundation

/// Runs the ``PhotoQualityCheck``s on one frame: OpenCV finds the face and the eyes, the
/// measurements on top (exposure, geometry, pose, sharpness, background) are plain arithmetic on
/// the luma plane. Thresholds are documented in docs/camera.md.
public struct PhotoQualityAssessor: Sendable {
    /// Limits the checks apply.
    public struct Limits: Sendable, Equatable {
        /// Mean luma of the face (0–255) at least / at most.
        public var darkestFace = 60.0
        public var brightestFace = 215.0
        /// Without a face, the whole frame's mean luma at least (too dark to find a face at all).
        public var darkestFrame = 35.0
        /// Largest share of clipped (≥ 250) face pixels.
        public var clippedShare = 0.05
        /// Largest roll of the eye line, degrees (ICAO 9303-3: ±8°).
        public var maximumRoll = 8.0
        /// Largest horizontal offset of the eye midpoint from the face box centre, share of its width.
        public var maximumYawOffset = 0.07
        /// Eye line height inside the face box, share of its height (a frontal, level head sits in it).
        public var eyeLineInFace = 0.25...0.50
        /// Smallest variance of the Laplacian over the face (luma, face scaled to 160 px wide).
        public var minimumSharpness = 30.0
        /// Background strip beside the head: mean luma at least, standard deviation at most.
        public var lightestBackground = 110.0
        public var maximumBackgroundDeviation = 28.0
        /// Smallest face box handed to the detector, pixels (faces smaller than this count as none).
        public var minimumFace = 80

        /// The documented defaults.
        public init() {}
    }

    public let limits: Limits
    private let detector: FaceDetector

    /// Creates an assessor over a loaded detector.
    public init(detector: FaceDetector, limits: Limits = Limits()) {
        self.detector = detector
        self.limits = limits
    }

    /// Assesses one frame.
    public func assess(_ frame: CameraFrame) -> PhotoAssessment {
        let luma = frame.luma()
        let faces =
            detector.faces(luma: luma, width: frame.width, height: frame.height, minimumFace: limits.minimumFace) ?? []
        let plane = LumaPlane(pixels: luma, width: frame.width, height: frame.height)
        var results: [PhotoCheckResult] = []
        let face = faces.first
        if let face {
            results.append(exposure(plane.statistics(in: face.face)))
        } else {
            // No face to judge: only a frame too dark to find one is an exposure problem.
            let frameMean = plane.statistics(in: DetectedFace.Box(x: 0, y: 0, width: frame.width, height: frame.height))
            results.append(
                PhotoCheckResult(
                    check: .exposure, passed: frameMean.mean >= limits.darkestFrame, value: frameMean.mean,
                    hint: "Bild zu dunkel. Bitte für mehr Licht sorgen, z. B. Richtung Fenster drehen."))
        }
        results.append(
            PhotoCheckResult(
                check: .faceFound, passed: face != nil, value: Double(faces.count),
                hint: "Kein Gesicht erkannt. Bitte frontal in die Kamera schauen."))
        results.append(
            PhotoCheckResult(
                check: .singleFace, passed: faces.count == 1, value: Double(faces.count),
                hint: faces.isEmpty
                    ? "Kein Gesicht erkannt. Bitte frontal in die Kamera schauen."
                    : "Mehrere Gesichter im Bild. Bitte nur eine Person vor die Kamera."))
        guard let face, faces.count == 1 else {
            return PhotoAssessment(results: results + Self.unassessed(after: .singleFace), eyes: [], crop: nil)
        }
        results.append(
            PhotoCheckResult(
                check: .eyesOpen, passed: face.eyes.count == 2, value: Double(face.eyes.count),
                hint: "Augen nicht erkannt. Bitte die Augen öffnen, in die Kamera schauen und Spiegelungen vermeiden."))
        guard face.eyes.count == 2 else {
            return PhotoAssessment(results: results + Self.unassessed(after: .eyesOpen), eyes: [], crop: nil)
        }
        let right = face.eyes[0]
        let left = face.eyes[1]
        let dx = left.x - right.x
        let dy = left.y - right.y
        let eyeDistance = (dx * dx + dy * dy).squareRoot()
        results.append(
            PhotoCheckResult(
                check: .faceSize, passed: eyeDistance >= Double(TokenGeometry.minimumWidth) / 4, value: eyeDistance,
                hint: "Gesicht zu klein. Bitte näher herantreten."))
        let crop = TokenGeometry.crop(rightEye: right, leftEye: left)
        results.append(position(crop, frame: frame))
        let roll = atan2Degrees(dy, dx)
        results.append(
            PhotoCheckResult(
                check: .roll, passed: abs(roll) <= limits.maximumRoll, value: roll,
                hint: "Bitte den Kopf gerade halten, nicht zur Seite neigen."))
        results.append(headPose(face: face.face, right: right, left: left))
        let sharpness = plane.laplacianVariance(in: face.face, targetWidth: 160)
        results.append(
            PhotoCheckResult(
                check: .sharpness, passed: sharpness >= limits.minimumSharpness, value: sharpness,
                hint: "Bild unscharf. Bitte ruhig halten; die Kamera stellt neu scharf."))
        results.append(background(crop: crop, plane: plane))
        return PhotoAssessment(results: results, eyes: [right, left], crop: crop)
    }

    private func exposure(_ statistics: LumaPlane.Statistics) -> PhotoCheckResult {
        if statistics.mean < limits.darkestFace {
            return PhotoCheckResult(
                check: .exposure, passed: false, value: statistics.mean,
                hint: "Bild zu dunkel. Bitte für mehr Licht sorgen, z. B. Richtung Fenster drehen.")
        }
        if statistics.mean > limits.brightestFace || statistics.clippedShare > limits.clippedShare {
            return PhotoCheckResult(
                check: .exposure, passed: false, value: statistics.mean,
                hint: "Bild überbelichtet. Bitte direktes Licht oder Blitz vermeiden.")
        }
        return PhotoCheckResult(check: .exposure, passed: true, value: statistics.mean, hint: nil)
    }

    private func position(_ crop: TokenGeometry.Crop?, frame: CameraFrame) -> PhotoCheckResult {
        guard let crop else {
            return PhotoCheckResult(
                check: .position, passed: false, value: nil, hint: "Gesicht zu klein. Bitte näher herantreten.")
        }
        let frameWidth = Double(frame.width)
        let frameHeight = Double(frame.height)
        let hint: String?
        if crop.width > frameWidth || crop.height > frameHeight {
            hint = "Gesicht zu groß. Bitte etwas zurücktreten."
        } else if crop.y < 0 {
            hint = "Kopf zu weit oben im Bild. Bitte die Kamera etwas anheben."
        } else if crop.y + crop.height > frameHeight {
            hint = "Kopf zu weit unten im Bild. Bitte die Kamera etwas absenken."
        } else if crop.x < 0 || crop.x + crop.width > frameWidth {
            hint = "Kopf nicht mittig. Bitte in die Bildmitte rücken."
        } else {
            hint = nil
        }
        // Value: the smallest margin to a frame edge, in frame pixels (negative: outside).
        let margin = min(crop.x, crop.y, frameWidth - crop.x - crop.width, frameHeight - crop.y - crop.height)
        return PhotoCheckResult(check: .position, passed: hint == nil, value: margin, hint: hint)
    }

    private func headPose(
        face: DetectedFace.Box, right: DetectedFace.Point, left: DetectedFace.Point
    ) -> PhotoCheckResult {
        let midX = (right.x + left.x) / 2
        let midY = (right.y + left.y) / 2
        let yaw = (midX - (Double(face.x) + Double(face.width) / 2)) / Double(face.width)
        let eyeLine = (midY - Double(face.y)) / Double(face.height)
        if abs(yaw) > limits.maximumYawOffset {
            return PhotoCheckResult(
                check: .headPose, passed: false, value: yaw,
                hint: "Bitte den Kopf nicht drehen und direkt in die Kamera schauen.")
        }
        if eyeLine < limits.eyeLineInFace.lowerBound {
            return PhotoCheckResult(
                check: .headPose, passed: false, value: yaw, hint: "Bitte das Kinn etwas senken.")
        }
        if eyeLine > limits.eyeLineInFace.upperBound {
            return PhotoCheckResult(
                check: .headPose, passed: false, value: yaw, hint: "Bitte das Kinn etwas anheben.")
        }
        return PhotoCheckResult(check: .headPose, passed: true, value: yaw, hint: nil)
    }

    private func background(crop: TokenGeometry.Crop?, plane: LumaPlane) -> PhotoCheckResult {
        guard let crop, crop.fits(width: plane.width, height: plane.height) else {
            return PhotoCheckResult(
                check: .background, passed: false, value: nil,
                hint: "Hintergrund nicht prüfbar. Bitte vor einen hellen, einfarbigen Hintergrund stellen.")
        }
        // Two strips at the top corners of the crop: beside the head, above the shoulders.
        let stripWidth = Int(crop.width / 5)
        let stripHeight = Int(crop.height / 6)
        let top = Int(crop.y)
        let leftStrip = DetectedFace.Box(x: Int(crop.x), y: top, width: stripWidth, height: stripHeight)
        let rightStrip = DetectedFace.Box(
            x: Int(crop.x + crop.width) - stripWidth, y: top, width: stripWidth, height: stripHeight)
        let statistics = plane.statistics(in: [leftStrip, rightStrip])
        let passed =
            statistics.mean >= limits.lightestBackground
            && statistics.deviation <= limits.maximumBackgroundDeviation
        return PhotoCheckResult(
            check: .background, passed: passed, value: statistics.deviation,
            hint: "Hintergrund nicht einheitlich hell. Bitte vor einen hellen, einfarbigen Hintergrund stellen.")
    }

    /// Results for the checks after `check` that could not be measured.
    static func unassessed(after check: PhotoQualityCheck) -> [PhotoCheckResult] {
        guard let index = PhotoQualityCheck.allCases.firstIndex(of: check) else { return [] }
        return PhotoQualityCheck.allCases[(index + 1)...].map {
            PhotoCheckResult(
                check: $0, passed: false, value: nil, hint: "Nicht prüfbar, solange kein Gesicht erkannt ist.")
        }
    }
}

/// Degrees of the angle of (x, y) against the horizontal.
func atan2Degrees(_ y: Double, _ x: Double) -> Double {
    atan2(y, x) * 180 / Double.pi
}
