/// Where the camera's frames come from, as the head of a GStreamer pipeline (gst-launch syntax).
/// On a kit it is the video4linux device; the simulator and tests use any other source. The
/// driver appends the conversion to its ``CameraMode`` and the appsink, so the source needs to
/// deliver only some raw video.
public struct CameraSource: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The pipeline head, e.g. `v4l2src device=/dev/video0`.
    public var pipelineHead: String

    /// Creates a source from a pipeline head.
    public init(pipelineHead: String) {
        self.pipelineHead = pipelineHead
    }

    /// A video4linux camera (GStreamer `v4l2src`), e.g. `/dev/video0`.
    public static func videoForLinux(device: String) -> CameraSource {
        CameraSource(pipelineHead: "v4l2src device=\(Self.quoted(device))")
    }

    /// The camera simulator's MJPEG stream on loopback (`kit-sim camera`, see docs/camera.md).
    public static func simulator(port: Int, host: String = "127.0.0.1") -> CameraSource {
        CameraSource(pipelineHead: "tcpclientsrc host=\(host) port=\(port) ! multipartdemux ! jpegdec")
    }

    /// The whole pipeline: the head, conversion and scaling to `mode` (keeping the aspect ratio with
    /// borders), and the appsink the shim pulls RGB frames from (newest frame only, no clock sync).
    public func pipeline(mode: CameraMode) -> String {
        "\(pipelineHead) ! videoconvert ! videoscale add-borders=true "
            + "! video/x-raw,format=RGB,width=\(mode.width),height=\(mode.height),pixel-aspect-ratio=1/1 "
            + "! appsink name=sink max-buffers=2 drop=true sync=false"
    }

    /// Quotes a device path for gst-launch syntax (no quotes or backslashes survive).
    static func quoted(_ value: String) -> String {
        "\"" + value.filter { $0 != "\"" && $0 != "\\" } + "\""
    }

    public var description: String { pipelineHead }
}
