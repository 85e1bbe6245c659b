import ArgumentParser
import Foundation
import KitDrivers
import KitSimulators

/// `kit-sim signature-pad`: runs a program next to a simulated Wacom STU pad (umockdev testbed).
struct SignaturePadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signature-pad",
        abstract: "Run a program with a simulated Wacom STU-540 signature pad on USB (umockdev).",
        discussion: """
            The program sees a real libusb device 056a:00a8 and can drive it exactly like a plugged-in pad. \
            When it switches the pad's inking on, the pad plays the stroke from --stroke (or a generated \
            signature with --generate) and then taps the OK button of the kit's signature prompt.

            The program finds the testbed's control socket in $STU_TESTBED_CONTROL. Needs Debian's umockdev, \
            gir1.2-umockdev-1.0 and python3-gi.

            Example: kit-sim signature-pad --generate -- kit-agent doctor
            """
    )

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case stu540
    }

    @Option(help: "Pad model to simulate.")
    var model: Model = .stu540

    @Option(help: "JSON stroke file {\"strokes\": [[[x, y, pressure], ...], ...]} in tablet units.")
    var stroke: String?

    @Flag(help: "Play a generated signature instead of a stroke file.")
    var generate = false

    @Option(help: "Seed for --generate.")
    var seed = 1

    @Flag(help: "Do not tap OK after the stroke.")
    var noTap = false

    @Option(help: "Kill the program after this many seconds.")
    var timeout = 900

    @Argument(parsing: .postTerminator, help: "The program to run, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("Give the program to run after --.") }
        if stroke != nil && generate { throw ValidationError("Use either --stroke or --generate, not both.") }
        if let stroke, !FileManager.default.fileExists(atPath: stroke) {
            throw ValidationError("Stroke file \(stroke) does not exist.")
        }
    }

    func run() async throws {
        var testbed = STUTestbed(model: model.rawValue, timeoutSeconds: timeout)
        if let stroke {
            testbed.autoplay = .strokeFile(stroke)
        } else if generate {
            testbed.autoplay = .generated(seed: seed)
        }
        if testbed.autoplay != .none {
            let prompt = STUSignaturePrompt(title: "Ich bestätige die Richtigkeit meiner Angaben.", citizenName: "")
            testbed.aim(at: prompt, on: .stu540)
            if noTap { testbed.tap = nil }
        }
        let missing = testbed.missingPrerequisites()
        guard missing.isEmpty else {
            throw ValidationError("The STU testbed cannot run here:\n" + missing.joined(separator: "\n"))
        }
        let status = try testbed.run(command: command)
        throw ExitCode(status)
    }
}
