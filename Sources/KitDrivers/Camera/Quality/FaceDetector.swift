import KitFaceShims
import Synchronization

/// A face with the eyes found in it, in frame pixels.
public struct DetectedFace: Sendable, Equatable {
    /// A point in frame pixels.
    public struct Point: Sendable, Equatable, Codable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// A rectangle in frame pixels.
    public struct Box: Sendable, Equatable, Codable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    /// The face box the cascade found.
    public var face: Box
    /// Eye centres, the one further left in the image first (the subject's right eye); empty or one
    /// entry when the eye cascade did not find both (closed or covered eyes, strong glare).
    public var eyes: [Point]
}

/// Finds faces and eyes with OpenCV's cascade classifiers (Debian's opencv-data ships the trained
/// cascades): faces with the LBP frontal-face cascade, eyes with the Haar eye cascade (Viola–Jones).
/// Detection only: every measurement on top of it is ``PhotoQualityAssessor``.
public final class FaceDetector: Sendable {
    /// Where Debian's opencv-data puts the cascades (`haarcascades/`, `lbpcascades/`).
    public static let debianCascades = "/usr/share/opencv4"

    // OpenCV's CascadeClassifier keeps scratch state per call: one caller at a time.
    private let detector: Mutex<OpaquePointer>

    /// Loads the frontal-face and eye cascades from `cascadeFolder`.
    public init(cascadeFolder: String = FaceDetector.debianCascades) throws(CameraError) {
        // LBP features are integers: two to three times faster than the Haar face cascades at the
        // same hits on our frames (docs/camera.md), which keeps the checks within 1/15 s.
        let facePath = cascadeFolder + "/lbpcascades/lbpcascade_frontalface.xml"
        let eyePath = cascadeFolder + "/haarcascades/haarcascade_eye.xml"
        guard let loaded = kit_face_detector_create(facePath, eyePath) else {
            throw .detectorUnavailable(path: facePath)
        }
        detector = Mutex(loaded)
    }

    deinit {
        detector.withLock { kit_face_detector_free($0) }
    }

    /// Faces in a luma plane of `width` × `height`, largest first, no narrower than `minimumFace`.
    /// Returns nil when OpenCV failed.
    public func faces(luma: [UInt8], width: Int, height: Int, minimumFace: Int) -> [DetectedFace]? {
        guard luma.count == width * height, width > 0, height > 0 else { return nil }
        let capacity = 8
        var raw = [KitFace](repeating: KitFace(), count: capacity)
        let count = detector.withLock { handle in
            luma.withUnsafeBufferPointer { pixels in
                raw.withUnsafeMutableBufferPointer { faces in
                    kit_face_detect(
                        handle, pixels.baseAddress, Int32(width), Int32(height), Int32(width), Int32(minimumFace),
                        faces.baseAddress, Int32(capacity))
                }
            }
        }
        guard count >= 0 else { return nil }
        return raw.prefix(min(Int(count), capacity)).map(Self.face)
    }

    static func centre(_ rect: KitFaceRect) -> DetectedFace.Point {
        let x = Double(rect.x) + Double(rect.width) / 2
        let y = Double(rect.y) + Double(rect.height) / 2
        return DetectedFace.Point(x: x, y: y)
    }

    static func face(_ raw: KitFace) -> DetectedFace {
        let found: [KitFaceRect] = [raw.eye.0, raw.eye.1]
        let eyes: [DetectedFace.Point] = found.prefix(Int(raw.eyes_found)).map(centre)
        let box = DetectedFace.Box(
            x: Int(raw.face.x), y: Int(raw.face.y), width: Int(raw.face.width), height: Int(raw.face.height))
        return DetectedFace(face: box, eyes: eyes.sorted { $0.x < $1.x })
    }
}
