import ArgumentParser
import Foundation
import KitDrivers
import KitSimulators

/// `kit-sim camera`: serves a still image or a test pattern as a live MJPEG stream for the kit's
/// camera driver (GStreamer `tcpserversink` on loopback, see docs/camera.md).
struct CameraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "camera",
        abstract: "Serve a face photo or a test pattern as the kit's camera (MJPEG over TCP on loopback).",
        discussion: """
            Point the agent at the stream with camera.source = "tcpclientsrc host=127.0.0.1 port=PORT ! \
            multipartdemux ! jpegdec" (printed on start). The image (PNG or JPEG) is scaled to the mode \
            with black borders, like a camera frame, and repeated at the frame rate until the command is \
            stopped (Ctrl-C) or --seconds have passed.

            Example: kit-sim camera --image Tests/KitDriversTests/Camera/Fixtures/portrait.png --port 47900
            """
    )

    @Option(name: .long, help: "Image file to show (PNG or JPEG). Without it: SMPTE test bars (no face).")
    var image: String?

    @Option(name: .long, help: "TCP port on 127.0.0.1 (0: any free port, printed on start).")
    var port: Int = 0

    @Option(name: .long, help: "Frame size, WIDTHxHEIGHT.")
    var size: String = "1280x720"

    @Option(name: .long, help: "Frames per second.")
    var fps: Int = 15

    @Option(name: .long, help: "Stop after this many seconds (0: run until stopped).")
    var seconds: Double = 0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
        guard parsedSize != nil else { throw ValidationError("--size must look like 1280x720 (each 16…4096).") }
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be 1…60.") }
        if let image, !FileManager.default.isReadableFile(atPath: image) {
            throw ValidationError("--image \(image) cannot be read.")
        }
        guard seconds.isFinite, seconds >= 0 else { throw ValidationError("--seconds must be 0 or more.") }
    }

    var parsedSize: (Int, Int)? {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ (16...4096).contains($0) }) else { return nil }
        return (parts[0], parts[1])
    }

    func run() async throws {
        let (width, height) = parsedSize ?? (1280, 720)
        let mode = CameraMode(width: width, height: height, framesPerSecond: fps)
        let scene: CameraSimulatorScene = image.map { .image(path: $0) } ?? .pattern
        let simulator = try CameraSimulator(scene: scene, mode: mode, port: port)
        print("kit-sim camera: serving \(image ?? "test pattern") as \(mode) on 127.0.0.1:\(simulator.port)")
        print("camera source: \(simulator.source.pipelineHead)")
        // Scripts read the port from a log file: do not leave it in the stdio buffer.
        fflush(nil)
        if seconds > 0 {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        } else {
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
        simulator.stop()
    }
}
