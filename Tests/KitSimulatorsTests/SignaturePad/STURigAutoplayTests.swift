import Foundation
import KitDrivers
import KitSimulators
import Testing

/// The pad writes by itself, as `kit-sim signature-pad --stroke FILE` makes it: the stroke file is played
/// when the driver switches inking on, then OK is tapped. Runs only inside a testbed started by
/// STURigTests with autoplay (STU_RIG_STROKE_FILE names the file).
@Suite(
    "STU-540 rig with an autoplayed stroke file",
    .enabled(
        if: STUTestbed.isActive && ProcessInfo.processInfo.environment["STU_RIG_STROKE_FILE"] != nil,
        "runs only inside stu_testbed.py --stroke (see STURigTests)"))
struct STURigAutoplay {
    struct StrokeFile: Decodable {
        var strokes: [[[Int]]]
    }

    @Test func strokeFileIsPlayedAndConfirmed() async throws {
        let path = try #require(ProcessInfo.processInfo.environment["STU_RIG_STROKE_FILE"])
        let file = try JSONDecoder().decode(StrokeFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let pad = STUSignaturePad(context: try USBEventContext())
        try await pad.open()
        try await pad.claim()
        try await pad.enable()
        let signature = try await pad.captureSignature(
            prompt: STURig.prompt, documentSHA256: STURigSHA256.hash(STURig.signedText), timeout: .seconds(20))
        await pad.close()

        // The testbed hovers at the first point, writes the stroke, and hovers at the last point.
        var expected: [Int] = []
        for stroke in file.strokes {
            let xs = stroke.compactMap(\.first)
            expected += [xs.first ?? 0] + xs + [xs.last ?? 0]
        }
        let points = try #require(signature.record.representations.first).points
        #expect(points.map { $0[.x] } == expected)
        #expect(points.filter { $0[.tipSwitch] == 1 }.count == file.strokes.joined().count)
    }
}
