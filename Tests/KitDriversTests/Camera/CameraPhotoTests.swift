import Foundation
import KitDrivers
import KitSimulators
import Testing

/// The real photograph and the negatives through the whole GStreamer path: kit-sim's camera stream
/// → tcpclientsrc → appsink → OpenCV checks → token crop → ISO/IEC 19794-5 record.
@Suite("Biometric photo through GStreamer and OpenCV", .serialized)
struct CameraPhotoTests {
    func procedure() throws -> PhotoCaptureProcedure {
        let detector = try #require(CameraTestSupport.detector, "OpenCV cascades missing: install opencv-data")
        return PhotoCaptureProcedure(assessor: PhotoQualityAssessor(detector: detector), burst: 3)
    }

    @Test("The astronaut portrait becomes a valid 19794-5 token record with the eyes where the format puts them")
    func realPhotoIsRecorded() async throws {
        let frames = try await CameraTestSupport.burst(of: "portrait.png")
        #expect(frames.allSatisfy { $0.width == 1280 && $0.height == 720 })
        let photo = try procedure().choose(from: frames)
        #expect(photo.assessment.refusal == nil)
        for check in PhotoQualityCheck.allCases where check.isRequired {
            #expect(photo.assessment.result(check)?.passed == true, "\(check) failed")
        }

        // Our own codec reads it back.
        let record = try FaceImageRecord.decode(photo.record)
        #expect(record.imageType == .tokenFrontal)
        #expect(record.dataType == .jpeg)
        #expect(record.width == photo.width && record.height == photo.height)
        #expect(record.width >= TokenGeometry.minimumWidth && record.width <= TokenGeometry.maximumWidth)
        #expect(abs(Double(record.height) - Double(record.width) / 0.75) <= 2)
        #expect(record.image == photo.image)
        #expect(photo.image.count <= FaceImageRecord.maximumImageBytes)

        // Eyes where §8.3 puts them: midpoint at W/2 and 0.6·W from the top, 0.25·W apart (±3 %
        // of W for rounding and the roll the checks allow).
        let points = Dictionary(uniqueKeysWithValues: record.featurePoints.map { ($0.code, $0) })
        let right = try #require(points[FaceImageRecord.FeaturePoint.rightEyeCentre])
        let left = try #require(points[FaceImageRecord.FeaturePoint.leftEyeCentre])
        let width = Double(record.width)
        let tolerance = 0.03 * width
        #expect(abs((Double(right.x) + Double(left.x)) / 2 - width / 2) <= tolerance)
        #expect(abs((Double(right.y) + Double(left.y)) / 2 - 0.6 * width) <= tolerance)
        #expect(abs(Double(left.x) - Double(right.x) - 0.25 * width) <= tolerance)
    }

    @Test(
        "An independent reader (struct + Pillow) parses the record and decodes its JPEG",
        .enabled(
            if: CameraTestSupport.pillowAvailable || CameraTestSupport.rigsRequired,
            "python3 with Pillow not on PATH (scripts/setup installs it into .venv-tools); fails when CI is set"))
    func independentDecoderReadsRecord() async throws {
        try #require(CameraTestSupport.pillowAvailable, "CI is set but python3 cannot import PIL")
        let frames = try await CameraTestSupport.burst(of: "portrait.png")
        let photo = try procedure().choose(from: frames)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("face-\(UUID().uuidString).fac")
        try Data(photo.record).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try CameraTestSupport.run([CameraTestSupport.checkScript, file.path])
        #expect(status == 0, "reader failed: \(output)")
        #expect(CameraTestSupport.field("decoded", in: output) == "\(photo.width)x\(photo.height)")
        #expect(CameraTestSupport.field("codec", in: output) == "JPEG")
        #expect(CameraTestSupport.field("mode", in: output) == "RGB")
        #expect(CameraTestSupport.field("image_type", in: output) == "2")
        let points = CameraTestSupport.field("points", in: output)?.split(separator: ",") ?? []
        #expect(points.count == 2)
        for point in points {
            let parts = point.split(separator: ":").compactMap { Int($0) }
            #expect(parts.count == 2 || parts.count == 3)
            if let x = parts.dropFirst().first, let y = parts.last {
                #expect(x > 0 && x < photo.width && y > 0 && y < photo.height)
            }
        }
    }

    /// Each negative and the check that must refuse it.
    static let negatives: [(String, PhotoQualityCheck)] = [
        ("rocket.jpg", .faceFound),
        ("two-faces.png", .singleFace),
        ("too-dark.png", .exposure),
        ("too-small.png", .faceSize),
    ]

    @Test(
        "Each negative frame is refused for its own reason with a German hint; nothing is recorded",
        arguments: negatives)
    func negativeIsRefused(fixture: String, reason: PhotoQualityCheck) async throws {
        let frames = try await CameraTestSupport.burst(of: fixture)
        let procedure = try procedure()
        do throws(CameraError) {
            let photo = try procedure.choose(from: frames)
            Issue.record("\(fixture) was recorded (\(photo.record.count) bytes)")
        } catch {
            guard case .photoRefused(let assessment) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            let refusal = try #require(assessment.refusal)
            #expect(refusal.check == reason, "\(fixture): refused for \(refusal.check), expected \(reason)")
            #expect(refusal.light == .red)
            let hint = try #require(refusal.hint)
            #expect(hint.hasSuffix(".") && hint.contains("Bitte"))
            #expect(error.german == hint)
        }
    }

    @Test("The negatives' hints differ from each other")
    func hintsAreDistinct() async throws {
        var hints: Set<String> = []
        for (fixture, _) in Self.negatives {
            let frames = try await CameraTestSupport.burst(of: fixture, frames: 1)
            let assessment = try procedure().assessor.assess(#require(frames.first))
            hints.insert(try #require(assessment.refusal?.hint))
        }
        #expect(hints.count == Self.negatives.count)
    }

    @Test("A test pattern has no face; the camera reports its frame size and rate")
    func patternAndHealth() async throws {
        let simulator = try CameraSimulator(scene: .pattern)
        defer { simulator.stop() }
        let camera = GStreamerCamera(source: simulator.source)
        let report = await camera.checkHealth(.external)
        #expect(report.healthy, "\(report.text)")
        #expect(report.width == 1280 && report.height == 720)
        // Measured over five frames of the 15 fps stream (MJPEG caps carry no rate).
        let rate = try #require(report.framesPerSecond)
        #expect(rate > 10 && rate < 25, "measured \(rate) fps")
        await camera.open()
        try await camera.claim()
        try await camera.enable()
        let frame = try await camera.frame()
        let assessment = try procedure().assessor.assess(frame)
        #expect(assessment.refusal?.check == .faceFound)
    }

    @Test("A camera that is not there is reported missing, with a message IT can act on")
    func missingCamera() async throws {
        let camera = GStreamerCamera(source: .videoForLinux(device: "/dev/video-does-not-exist"))
        let report = await camera.checkHealth(.external, timeout: .seconds(2))
        #expect(!report.healthy)
        #expect(report.text.contains("FAULT"))
        await camera.open()
        await #expect(throws: CameraError.self) { try await camera.claim(timeout: .seconds(2)) }
        #expect(await camera.statistics.communicationErrors >= 1)
    }

    @Test("A pipeline description GStreamer does not understand is an error, not a crash")
    func invalidPipeline() throws {
        #expect(throws: CameraError.self) { _ = try GStreamerPipeline(description: "no-such-element ! fakesink") }
        #expect(throws: CameraError.self) { _ = try GStreamerPipeline(description: "!!!") }
    }
}
