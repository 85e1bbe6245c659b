import Crypto
import KitCore
import KitDrivers
import Logging

/// Why a photo was not recorded; nothing was written in any case.
public enum PhotoError: Error, CustomStringConvertible {
    /// The camera or the face detector failed, or no frame of the burst passed the checks.
    case camera(CameraError)
    /// The photo was taken but could not be sealed (case, outbox, kit locked).
    case evidence(EvidenceError)

    public var description: String {
        switch self {
        case .camera(let error): return error.description
        case .evidence(let error): return error.description
        }
    }

    /// What the clerk reads.
    public var german: String {
        switch self {
        case .camera(let error): return error.german
        case .evidence: return "Das Foto konnte nicht gespeichert werden. Bitte erneut versuchen."
        }
    }
}

/// The biometric photo for an ID-card or passport application (issue #22): takes a short burst on
/// the kit's camera, keeps the best frame that passes the BSI TR-03121-3 checks, and records its
/// ISO/IEC 19794-5 record as one `photo.captured` transaction whose signed facts carry the
/// SHA-256 of the image. The image only ever comes from the camera: there is no way to hand one in.
public struct PhotoStation: Sendable {
    let recorder: EvidenceRecorder
    let runtime: KitRuntime
    let source: CameraSource
    let mode: CameraMode
    let logger: Logger
    let cascadeFolder: String

    public init(
        runtime: KitRuntime, source: CameraSource, mode: CameraMode = .preview,
        cascadeFolder: String = FaceDetector.debianCascades, logger: Logger
    ) {
        self.recorder = EvidenceRecorder(runtime: runtime)
        self.runtime = runtime
        self.source = source
        self.mode = mode
        self.cascadeFolder = cascadeFolder
        self.logger = logger
    }

    /// One frame's checks, for the clerk's live traffic lights; records nothing.
    public func preview() async throws(PhotoError) -> PhotoAssessment {
        let assessor = try makeAssessor()
        let frame = try await withCamera { camera throws(CameraError) in try await camera.frame() }
        return assessor.assess(frame)
    }

    /// Takes the photo and records it.
    public func capture(caseId: String, burst: Int = 5) async throws(PhotoError) -> (
        receipt: Outbox.Receipt, photo: PhotoCapture
    ) {
        let procedure = PhotoCaptureProcedure(assessor: try makeAssessor(), burst: burst)
        let photo: PhotoCapture
        do {
            photo = try await withCamera { camera throws(CameraError) in try await procedure.capture(from: camera) }
        } catch {
            if case .camera(.photoRefused(let assessment)) = error {
                logger.info(
                    "photo refused; nothing recorded",
                    metadata: ["check": "\(assessment.refusal?.check.rawValue ?? "?")"])
            }
            throw error
        }
        let receipt = try await record(caseId: caseId, photo: photo)
        logger.info(
            "photo recorded",
            metadata: ["seq": "\(receipt.seq)", "bytes": "\(photo.record.count)", "quality": "\(photo.jpegQuality)"])
        return (receipt, photo)
    }

    /// Seals `photo` for `caseId`: the facts name the SHA-256 of the image and of the record.
    func record(caseId: String, photo: PhotoCapture) async throws(PhotoError) -> Outbox.Receipt {
        let facts = Self.facts(for: photo, camera: source.pipelineHead)
        let snapshot: CaseSnapshot
        do { snapshot = try await runtime.cases.snapshot(caseId: caseId) } catch {
            throw .evidence(.caseUnavailable(error))
        }
        do {
            return try await recorder.enqueue(
                caseId: caseId, kind: .photoCaptured, baseVersion: snapshot.version, facts: facts,
                attachment: photo.record)
        } catch {
            throw .evidence(error)
        }
    }

    /// The signed facts of a photo.
    public static func facts(for photo: PhotoCapture, camera: String?) -> StepPayload.Photo {
        StepPayload.Photo(
            imageSHA256: Hex.encode(Array(SHA256.hash(data: photo.image))),
            recordSHA256: Hex.encode(Array(SHA256.hash(data: photo.record))),
            format: "ISO/IEC 19794-5:2005 token frontal, JPEG", width: photo.width, height: photo.height,
            eyes: photo.eyes.flatMap { [Int($0.x.rounded()), Int($0.y.rounded())] },
            checks: photo.assessment.results.map {
                .init(check: $0.check.rawValue, passed: $0.passed, value: $0.value)
            },
            framesTaken: photo.framesTaken, camera: camera)
    }

    private func makeAssessor() throws(PhotoError) -> PhotoQualityAssessor {
        do {
            return PhotoQualityAssessor(detector: try FaceDetector(cascadeFolder: cascadeFolder))
        } catch {
            throw .camera(error)
        }
    }

    private func withCamera<T: Sendable>(
        _ body: (GStreamerCamera) async throws(CameraError) -> T
    ) async throws(PhotoError) -> T {
        let camera = GStreamerCamera(source: source, mode: mode)
        await camera.open()
        do {
            try await camera.claim()
            try await camera.enable()
            let result = try await body(camera)
            await camera.close()
            return result
        } catch {
            await camera.close()
            throw .camera(error)
        }
    }
}
