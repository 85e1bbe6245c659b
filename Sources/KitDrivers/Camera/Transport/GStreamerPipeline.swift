import KitCameraShims

/// A running GStreamer pipeline built from gst-launch syntax (GStreamer 1.x `gst_parse_launch`),
/// stopped when the value goes away. The camera's capture and the camera simulator's server use it.
public final class GStreamerPipeline {
    let handle: OpaquePointer
    /// The description it was started from.
    public let description: String

    /// Parses `description` and sets it PLAYING, waiting up to `startTimeout` for it to start.
    public init(description: String, startTimeout: Duration = .seconds(5)) throws(CameraError) {
        var message: UnsafeMutablePointer<CChar>?
        guard let started = kit_camera_pipeline_start(description, Self.milliseconds(startTimeout), &message) else {
            throw .pipelineFailed(source: description, message: Self.take(message) ?? "unknown error")
        }
        handle = started
        self.description = description
    }

    deinit { kit_camera_pipeline_stop(handle) }

    /// An integer property of the element named `element`, e.g. tcpserversink's "current-port".
    public func intProperty(element: String, property: String) -> Int? {
        var value: Int32 = 0
        guard kit_camera_pipeline_int_property(handle, element, property, &value) == 1 else { return nil }
        return Int(value)
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Copies and frees a message the shim allocated.
    static func take(_ message: UnsafeMutablePointer<CChar>?) -> String? {
        guard let message else { return nil }
        defer { kit_camera_free_string(message) }
        return String(cString: message)
    }
}
