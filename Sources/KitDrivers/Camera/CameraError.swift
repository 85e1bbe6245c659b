/// Everything that can go wrong when driving the camera, worded for the IT person who fixes it
/// (English; the clerk sees ``PhotoQualityCheck`` hints or the German ``german`` text).
public enum CameraError: Error, CustomStringConvertible, Equatable, Sendable {
    /// GStreamer could not build or start the pipeline (missing plugin, no such device, busy).
    case pipelineFailed(source: String, message: String)
    /// No frame arrived in time.
    case noFrame(seconds: Double)
    /// The stream ended or failed while frames were pulled.
    case streamFailed(message: String)
    /// The operation is not allowed in the current life-cycle step.
    case invalidState(operation: String, state: String)
    /// The frame from GStreamer does not have the size its caps announced.
    case invalidFrame(width: Int, height: Int, bytes: Int)
    /// The OpenCV cascades could not be loaded (opencv-data missing?).
    case detectorUnavailable(path: String)
    /// No frame of the burst passed the quality checks; the reasons of the best one.
    case photoRefused(PhotoAssessment)
    /// The JPEG encoder failed.
    case encodingFailed(String)
    /// Even the lowest JPEG quality does not fit the size the document authority accepts.
    case imageTooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .pipelineFailed(let source, let message):
            return "Camera: GStreamer pipeline from \"\(source)\" did not start: \(message). Check that the camera "
                + "is plugged in, the user may open /dev/video* (udev rule) and gstreamer1.0-plugins-good is installed."
        case .noFrame(let seconds):
            return "Camera: no frame within \(seconds) s. The camera is attached but does not stream; replug it."
        case .streamFailed(let message):
            return "Camera: the stream stopped: \(message)."
        case .invalidState(let operation, let state):
            return "Camera: \(operation) is not possible while the camera is \(state)."
        case .invalidFrame(let width, let height, let bytes):
            return "Camera: frame of \(width)x\(height) came with \(bytes) bytes; the pipeline is misconfigured."
        case .detectorUnavailable(let path):
            return "Camera: face detector cascade \(path) could not be loaded. Install opencv-data."
        case .photoRefused(let assessment):
            return "Camera: no frame passed the photo checks (\(assessment.refusal?.check.rawValue ?? "unknown"))."
        case .encodingFailed(let message):
            return "Camera: JPEG encoding failed: \(message)."
        case .imageTooLarge(let bytes, let limit):
            return "Camera: the photo needs \(bytes) bytes even at the lowest quality; the limit is \(limit)."
        }
    }

    /// What the clerk reads.
    public var german: String {
        switch self {
        case .photoRefused(let assessment):
            return assessment.refusal?.hint ?? "Foto nicht verwendbar. Bitte erneut aufnehmen."
        case .pipelineFailed, .noFrame, .streamFailed:
            return "Die Kamera liefert kein Bild. Bitte Kamera prüfen oder neu einstecken."
        default:
            return "Das Foto konnte nicht aufgenommen werden. Bitte erneut versuchen oder die IT verständigen."
        }
    }
}
