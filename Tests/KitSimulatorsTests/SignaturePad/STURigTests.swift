import Foundation
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// Runs the rig suites of this very test binary under stu_testbed.py: the driver, libusb and the kernel
/// interface (usbfs, emulated by umockdev) are real; only the pad is simulated. The suites run in a child
/// process because umockdev works through LD_PRELOAD.
///
/// Without umockdev these tests are skipped with a note, except under CI (CI set), where they fail.
@Suite("STU-540 rig under umockdev", .serialized)
struct STURigTests {
    @Test(.timeLimit(.minutes(5)))
    func driverScenariosPassAgainstTheSimulatedPad() throws {
        try runInsideTestbed(STUTestbed(timeoutSeconds: 240), suite: "STURigScenarios")
    }

    @Test(.timeLimit(.minutes(3)))
    func signatureStationRecordsOneTransactionPerSigning() throws {
        try runInsideTestbed(STUTestbed(timeoutSeconds: 150), suite: "STURigEvidence")
    }

    @Test(.timeLimit(.minutes(2)))
    func strokeFileIsAutoplayedLikeKitSimDoes() throws {
        let strokes = [
            (0..<40).map { [2500 + $0 * 60, 3500 + ($0 % 10) * 40, 300 + $0 * 10] },
            (0..<25).map { [5200 + $0 * 50, 3300 + $0 * 20, 500] },
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stu-rig-stroke-\(ProcessInfo.processInfo.processIdentifier).json")
        try JSONSerialization.data(withJSONObject: ["strokes": strokes]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var testbed = STUTestbed(
            autoplay: .strokeFile(file.path), timeoutSeconds: 90, environment: ["STU_RIG_STROKE_FILE": file.path])
        testbed.aim(at: STURig.prompt, on: .stu540)
        try runInsideTestbed(testbed, suite: "STURigAutoplay")
    }

    /// Runs the suites matching `suite` of this binary under `testbed` and checks that they ran and passed.
    func runInsideTestbed(_ testbed: STUTestbed, suite: String) throws {
        guard !STUTestbed.isActive else { return }  // already inside a testbed: the suites run directly
        let missing = testbed.missingPrerequisites()
        guard missing.isEmpty else {
            let message =
                "STU umockdev rig cannot run: " + missing.joined(separator: "; ")
                + " — install umockdev gir1.2-umockdev-1.0 python3-gi"
            if TestRigs.required {
                Issue.record(Comment(rawValue: TestRigs.reason(message)))
            } else {
                print("note: \(TestRigs.reason(message))")
            }
            return
        }
        let binary = try #require(
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            "cannot find this test binary")
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stu-rig-\(ProcessInfo.processInfo.processIdentifier)-\(suite).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: logURL) }
        let log = try FileHandle(forWritingTo: logURL)
        let status = try testbed.run(
            command: [binary, "--testing-library", "swift-testing", "--filter", suite], output: log)
        try log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        let summary = output.split(separator: "\n").last { $0.contains("Test run with") }.map(String.init) ?? ""
        #expect(status == 0, "\(suite) failed under the testbed (exit \(status)):\n\(output.suffix(6000))")
        #expect(summary.contains("passed"), "no passing summary from \(suite):\n\(output.suffix(3000))")
        #expect(!summary.contains("with 0 tests"), "\(suite) did not run:\n\(output.suffix(3000))")
    }
}
