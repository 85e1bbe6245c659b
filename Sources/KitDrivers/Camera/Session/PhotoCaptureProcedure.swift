/// A biometric photo ready to be sealed: the ISO/IEC 19794-5 record, the checks of the frame it was
/// made from, and where the eyes ended up in the token image.
public struct PhotoCapture: Sendable, Equatable {
    /// The face image record (token frontal, JPEG).
    public var record: [UInt8]
    /// The JPEG inside the record (what the SHA-256 in the facts is taken over).
    public var image: [UInt8]
    /// Token image size.
    public var width: Int
    public var height: Int
    /// JPEG quality used to stay within the size limit.
    public var jpegQuality: Int
    /// Eye centres in the token image (subject's right eye, then left).
    public var eyes: [DetectedFace.Point]
    /// The checks of the kept frame.
    public var assessment: PhotoAssessment
    /// Frames taken in the burst.
    public var framesTaken: Int
}

/// The capture procedure at the door: take a short burst, check every frame, keep the best one that
/// passes every required check (the sharpest), crop it to the token format and write the record.
/// When no frame passes, the assessment of the frame that came closest is returned as the refusal,
/// and nothing is recorded (BSI TR-03121-3: the operator retakes until the quality checks pass).
public struct PhotoCaptureProcedure: Sendable {
    /// Frames per burst.
    public var burst: Int
    public let assessor: PhotoQualityAssessor

    /// Creates the procedure.
    public init(assessor: PhotoQualityAssessor, burst: Int = 5) {
        self.assessor = assessor
        self.burst = max(1, burst)
    }

    /// Takes a burst from `camera` and returns the photo, or throws ``CameraError/photoRefused(_:)``.
    public func capture(from camera: GStreamerCamera) async throws(CameraError) -> PhotoCapture {
        var frames: [CameraFrame] = []
        for _ in 0..<burst { frames.append(try await camera.frame()) }
        do {
            let photo = try choose(from: frames)
            await camera.count(recorded: true)
            return photo
        } catch {
            await camera.count(recorded: false)
            throw error
        }
    }

    /// Picks and records the best frame of `frames` (pure: no device).
    public func choose(from frames: [CameraFrame]) throws(CameraError) -> PhotoCapture {
        var best: (frame: CameraFrame, assessment: PhotoAssessment, sharpness: Double)?
        var closest: (assessment: PhotoAssessment, passed: Int)?
        for frame in frames {
            let assessment = assessor.assess(frame)
            let passed = assessment.results.filter(\.passed).count
            if closest == nil || passed > (closest?.passed ?? 0) { closest = (assessment, passed) }
            guard assessment.acceptable else { continue }
            let sharpness = assessment.result(.sharpness)?.value ?? 0
            if best == nil || sharpness > (best?.sharpness ?? 0) { best = (frame, assessment, sharpness) }
        }
        guard let best, let crop = best.assessment.crop, best.assessment.eyes.count == 2 else {
            throw .photoRefused(closest?.assessment ?? PhotoAssessment(results: [], eyes: [], crop: nil))
        }
        let pixels = TokenGeometry.render(crop, from: best.frame)
        let (jpeg, quality) = try PhotoJPEGEncoder.encode(rgb: pixels, width: crop.tokenWidth, height: crop.tokenHeight)
        let eyes = best.assessment.eyes.map { crop.tokenPoint($0) }
        func clamped(_ value: Double, _ limit: Int) -> UInt16 {
            UInt16(min(max(0, value.rounded()), Double(limit - 1)))
        }
        let points = [
            FaceImageRecord.FeaturePoint(
                code: FaceImageRecord.FeaturePoint.rightEyeCentre, x: clamped(eyes[0].x, crop.tokenWidth),
                y: clamped(eyes[0].y, crop.tokenHeight)),
            FaceImageRecord.FeaturePoint(
                code: FaceImageRecord.FeaturePoint.leftEyeCentre, x: clamped(eyes[1].x, crop.tokenWidth),
                y: clamped(eyes[1].y, crop.tokenHeight)),
        ]
        let record = FaceImageRecord(
            imageType: .tokenFrontal, dataType: .jpeg, width: crop.tokenWidth, height: crop.tokenHeight,
            featurePoints: points, image: jpeg)
        let bytes: [UInt8]
        do {
            bytes = try record.encoded()
        } catch {
            throw .encodingFailed(error.description)
        }
        return PhotoCapture(
            record: bytes, image: jpeg, width: crop.tokenWidth, height: crop.tokenHeight, jpegQuality: quality,
            eyes: eyes, assessment: best.assessment, framesTaken: frames.count)
    }
}
