import KitCameraShims

/// The camera's transport: one running GStreamer pipeline whose appsink hands out RGB frames.
/// Not thread-safe on its own; ``GStreamerCamera`` (an actor) owns it.
final class GStreamerCapture {
    private let running: GStreamerPipeline
    private var pipeline: OpaquePointer { running.handle }
    /// The pipeline head it was started from (for messages).
    let source: CameraSource

    /// Parses and starts the pipeline for `source` in `mode`.
    init(source: CameraSource, mode: CameraMode, startTimeout: Duration = .seconds(5)) throws(CameraError) {
        do throws(CameraError) {
            running = try GStreamerPipeline(description: source.pipeline(mode: mode), startTimeout: startTimeout)
        } catch {
            guard case .pipelineFailed(_, let message) = error else { throw error }
            throw .pipelineFailed(source: source.pipelineHead, message: message)
        }
        self.source = source
    }

    /// The next frame, waiting up to `timeout`.
    func frame(timeout: Duration) throws(CameraError) -> CameraFrame {
        var raw = KitCameraFrame()
        var message: UnsafeMutablePointer<CChar>?
        let result = kit_camera_pipeline_pull(pipeline, Self.milliseconds(timeout), &raw, &message)
        switch result {
        case 1: break
        case 0: throw .noFrame(seconds: Self.seconds(timeout))
        default: throw .streamFailed(message: Self.take(message) ?? "unknown error")
        }
        defer { kit_camera_frame_free(&raw) }
        let width = Int(raw.width)
        let height = Int(raw.height)
        let stride = Int(raw.stride)
        guard let data = raw.data, width > 0, height > 0, stride >= width * 3, raw.size >= stride * height else {
            throw .invalidFrame(width: width, height: height, bytes: raw.size)
        }
        var packed = [UInt8](repeating: 0, count: width * height * 3)
        packed.withUnsafeMutableBytes { target in
            guard let base = target.baseAddress else { return }
            for row in 0..<height {
                (base + row * width * 3).copyMemory(from: data + row * stride, byteCount: width * 3)
            }
        }
        guard let frame = CameraFrame(width: width, height: height, rgb: packed) else {
            throw .invalidFrame(width: width, height: height, bytes: raw.size)
        }
        return frame
    }

    /// The frame rate the appsink negotiated, nil when the source does not say.
    var framesPerSecond: Double? {
        var numerator: Int32 = 0
        var denominator: Int32 = 1
        kit_camera_pipeline_framerate(pipeline, &numerator, &denominator)
        guard numerator > 0, denominator > 0 else { return nil }
        return Double(numerator) / Double(denominator)
    }

    static func milliseconds(_ duration: Duration) -> Int32 { GStreamerPipeline.milliseconds(duration) }
    static func seconds(_ duration: Duration) -> Double { GStreamerPipeline.seconds(duration) }
    static func take(_ message: UnsafeMutablePointer<CChar>?) -> String? { GStreamerPipeline.take(message) }
}
