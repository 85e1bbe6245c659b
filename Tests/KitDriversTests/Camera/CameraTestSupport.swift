import Foundation
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// Fixtures, the simulator and the independent Pillow reader for the camera tests.
enum CameraTestSupport {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static func fixture(_ name: String) -> String { folder.appendingPathComponent("Fixtures/\(name)").path }
    static let checkScript = folder.appendingPathComponent("face_record_check.py").path

    /// One detector for all tests (loading the cascades takes ~100 ms).
    static let detector: FaceDetector? = try? FaceDetector()

    static let python: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// True when python3 on PATH can import Pillow (scripts/setup puts it into .venv-tools).
    static let pillowAvailable: Bool = {
        guard python != nil else { return false }
        return (try? run(["-c", "import PIL"]).status) == 0
    }()

    static let rigsRequired = TestRigs.required

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard let python else { return (127, "python3 not found on PATH") }
        return try runToEnd(python, arguments)
    }

    /// The value after "key=" in the script's output.
    static func field(_ key: String, in output: String) -> String? {
        for item in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) where item.hasPrefix(key + "=") {
            return String(item.dropFirst(key.count + 1))
        }
        return nil
    }

    /// Serves `fixture` through the simulator and takes a burst through the GStreamer path.
    static func burst(of fixture: String, frames: Int = 3) async throws -> [CameraFrame] {
        let simulator = try CameraSimulator(scene: .image(path: Self.fixture(fixture)))
        defer { simulator.stop() }
        let camera = GStreamerCamera(source: simulator.source)
        await camera.open()
        try await camera.claim()
        try await camera.enable()
        var taken: [CameraFrame] = []
        for _ in 0..<frames { taken.append(try await camera.frame(timeout: .seconds(5))) }
        await camera.close()
        return taken
    }
}
