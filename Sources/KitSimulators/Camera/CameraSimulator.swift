import KitDrivers
import Synchronization

/// What the simulated camera shows.
public enum CameraSimulatorScene: Sendable, Equatable {
    /// A still image file (PNG or JPEG), repeated as a live stream.
    case image(path: String)
    /// GStreamer's test pattern (`videotestsrc`, SMPTE bars): a camera that sees no one.
    case pattern
}

/// The camera simulator (`kit-sim camera`): serves a scene as a live MJPEG stream over TCP on
/// loopback, the way a network camera does — GStreamer `multipartmux ! tcpserversink`. The kit's
/// camera reads it with ``CameraSource/simulator(port:host:)``
/// (`tcpclientsrc ! multipartdemux ! jpegdec`), so the test path runs through the same appsink,
/// conversion and scaling as a video4linux camera. The frames are scaled to `mode` keeping the
/// aspect ratio (black borders), at `mode.framesPerSecond`.
public final class CameraSimulator: Sendable {
    /// The port the stream is served on.
    public let port: Int
    public let scene: CameraSimulatorScene
    public let mode: CameraMode
    private let pipeline: Mutex<GStreamerPipeline?>

    /// Starts serving `scene` on `host`:`port` (0: the kernel picks a free port).
    public init(
        scene: CameraSimulatorScene, mode: CameraMode = .preview, host: String = "127.0.0.1", port: Int = 0
    ) throws(CameraError) {
        let head: String
        switch scene {
        case .image(let path):
            let quoted = "\"" + path.filter { $0 != "\"" && $0 != "\\" } + "\""
            head = "filesrc location=\(quoted) ! decodebin ! imagefreeze"
        case .pattern:
            head = "videotestsrc pattern=smpte"
        }
        let description =
            "\(head) ! videoconvert ! videoscale add-borders=true "
            + "! video/x-raw,width=\(mode.width),height=\(mode.height),framerate=\(mode.framesPerSecond)/1,"
            + "pixel-aspect-ratio=1/1 ! jpegenc quality=95 ! multipartmux "
            + "! tcpserversink name=server host=\(host) port=\(port) sync=true"
        let running = try GStreamerPipeline(description: description)
        guard let bound = running.intProperty(element: "server", property: "current-port"), bound > 0 else {
            throw .pipelineFailed(source: description, message: "tcpserversink reported no port")
        }
        self.port = bound
        self.scene = scene
        self.mode = mode
        pipeline = Mutex(running)
    }

    /// The source a camera uses to read this simulator.
    public var source: CameraSource { .simulator(port: port) }

    /// Stops serving.
    public func stop() {
        pipeline.withLock { $0 = nil }
    }
}
