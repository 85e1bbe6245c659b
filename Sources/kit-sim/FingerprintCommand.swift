import ArgumentParser
import Foundation
import KitSimulators

/// `kit-sim fingerprint`: plays synthetic fingerprint images and scanner commands into libfprint's
/// virtual image device.
struct FingerprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Feed synthetic fingerprints to libfprint's virtual image scanner.",
        discussion: """
            Start the kit agent (or a test) with FP_VIRTUAL_IMAGE=PATH and open the fingerprint scanner, \
            then run this command with --socket PATH. It connects, and sends one step per capture: \
            synthetic finger images (clean, smudged, partial, blank, dark, light), broken frames \
            (empty = 0x0, sliver = 1x5000, truncated), and scanner commands (retry, error, remove). \
            The images are generated from seeds, so a script always sends the same pixels.

            The scanner ignores images sent while it is not capturing, like a real one ignores a finger \
            placed too early: steps are sent every --interval seconds, or on Enter with --manual.

            Steps: clean|smudged|partial|blank|dark|light[:SEED] [pattern=loop|whorl|arch] [size=WxH], \
            empty, sliver, truncated[:BYTES], retry[:general|too-short|center|remove-finger], \
            error[:CODE], remove, detection:on|off, finger:on|off, wait:MS, reconnect.

            Example: kit-sim fingerprint --socket /tmp/fp.sock --sequence clean,smudged,retry:center,clean,remove
            """
    )

    @Option(
        name: .long, help: "Unix socket of the virtual scanner: the FP_VIRTUAL_IMAGE value of the scanner's process.")
    var socket: String

    @Option(name: .long, help: "Script file with one step per line ('#' starts a comment).")
    var script: String?

    @Option(name: .long, help: "Comma-separated steps, e.g. clean,smudged,retry:center,remove.")
    var sequence: String?

    @Option(name: .long, help: "Seconds between captures.")
    var interval: Double = 2.0

    @Option(name: .long, help: "Seed of the first synthetic image without an explicit seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Seconds to wait for the scanner to start listening.")
    var connectTimeout: Double = 30

    @Flag(name: .long, help: "Send the next capture when Enter is pressed instead of on a timer.")
    var manual = false

    func validate() throws {
        guard (script == nil) != (sequence == nil) else {
            throw ValidationError("Give exactly one of --script FILE or --sequence STEPS.")
        }
        guard interval.isFinite, interval >= 0 else { throw ValidationError("--interval must be 0 or more seconds.") }
        guard connectTimeout.isFinite, connectTimeout > 0 else {
            throw ValidationError("--connect-timeout must be more than 0 seconds.")
        }
    }

    func run() async throws {
        let steps: FingerprintSimulatorScript
        if let script {
            let text: String
            do {
                text = try String(contentsOfFile: script, encoding: .utf8)
            } catch {
                throw FingerprintSimulatorError.unreadableScript(path: script, reason: error.localizedDescription)
            }
            steps = try FingerprintSimulatorScript(parsing: text, firstSeed: seed)
        } else {
            steps = try FingerprintSimulatorScript(sequence: sequence ?? "", firstSeed: seed)
        }
        let simulator = FingerprintVirtualImageSimulator(
            socketPath: socket, script: steps, connectTimeout: .milliseconds(Int(connectTimeout * 1000)))
        print("kit-sim fingerprint: waiting for the scanner on \(socket)")
        try await simulator.connect()
        print("kit-sim fingerprint: connected, \(steps.steps.count) step(s)")
        if manual {
            var sent = 0
            while await !simulator.isFinished {
                print("Press Enter to send the next capture…")
                guard readLine() != nil else { break }
                if let step = try await simulator.sendNextCapture() {
                    sent += 1
                    print("capture \(sent): \(FingerprintVirtualImageSimulator.describe(step))")
                }
            }
        } else {
            try await simulator.play(interval: .milliseconds(Int(interval * 1000))) { print($0) }
        }
        await simulator.close()
        print("kit-sim fingerprint: done")
    }
}
