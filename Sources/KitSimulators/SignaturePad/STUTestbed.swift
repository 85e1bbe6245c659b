import Foundation
import KitDrivers

/// Runs a command next to a simulated Wacom STU pad: Debian's umockdev provides the USB device node and
/// udev data, `stu_testbed.py` (shipped as a resource of this module) answers the usbfs ioctls from a model
/// of the pad. The command sees a real libusb device 056a:00a8 on bus 1, address 2.
///
/// Wacom STU HID interface (feature reports 0x03–0x32, pen reports 0x01/0x34) over usbfs as umockdev
/// emulates it (RIGS.md "USB devices (libusb) — umockdev").
public struct STUTestbed: Sendable {
    /// How the simulated pad writes by itself once the host switches inking on.
    public enum Autoplay: Sendable, Equatable {
        /// Nothing; the command drives the pad through the control socket.
        case none
        /// Play the strokes of this JSON file.
        case strokeFile(String)
        /// Play a generated signature.
        case generated(seed: Int)
    }

    /// The Python interpreter that sees Debian's python3-gi (not a pyenv one).
    public var python: String
    /// Path of stu_testbed.py.
    public var script: String
    /// Model name understood by the script (`stu540`).
    public var model: String
    /// What the pad plays by itself.
    public var autoplay: Autoplay
    /// Where a generated signature is written, tablet units (nil: the script's default band).
    public var signingArea: (left: Int, top: Int, right: Int, bottom: Int)?
    /// A tap after the autoplayed strokes, tablet units (e.g. the OK button).
    public var tap: (x: Int, y: Int)?
    /// The command is killed after this many seconds.
    public var timeoutSeconds: Int
    /// Extra environment for the command.
    public var environment: [String: String]

    public init(
        python: String = "/usr/bin/python3", script: String? = nil, model: String = "stu540",
        autoplay: Autoplay = .none, timeoutSeconds: Int = 900, environment: [String: String] = [:]
    ) {
        self.python = python
        self.script = script ?? STUTestbed.bundledScriptPath ?? "stu_testbed.py"
        self.model = model
        self.autoplay = autoplay
        self.signingArea = nil
        self.tap = nil
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
    }

    /// The environment variable through which a command under the testbed finds the control socket.
    public static let controlSocketVariable = "STU_TESTBED_CONTROL"

    /// Whether this process runs inside the testbed (and may talk to the control socket).
    public static var isActive: Bool { ProcessInfo.processInfo.environment[controlSocketVariable] != nil }

    /// stu_testbed.py as shipped with this module; `KIT_STU_TESTBED` overrides it.
    public static var bundledScriptPath: String? {
        if let override = ProcessInfo.processInfo.environment["KIT_STU_TESTBED"] { return override }
        return Bundle.module.path(forResource: "stu_testbed", ofType: "py")
    }

    /// What is missing on this machine to run the testbed, as sentences naming the Debian packages; empty
    /// when everything is there.
    public func missingPrerequisites() -> [String] {
        var missing: [String] = []
        let files = FileManager.default
        if !files.isExecutableFile(atPath: python) {
            missing.append("\(python) not found (Debian package python3)")
        }
        if !files.fileExists(atPath: script) {
            missing.append("testbed script \(script) not found")
        }
        let preloads = [
            "/usr/lib/x86_64-linux-gnu/libumockdev-preload.so.0", "/usr/lib/aarch64-linux-gnu/libumockdev-preload.so.0",
            "/usr/lib/libumockdev-preload.so.0", "/usr/lib64/libumockdev-preload.so.0",
        ]
        if !preloads.contains(where: { files.fileExists(atPath: $0) }) {
            missing.append("libumockdev-preload.so.0 not found (Debian package umockdev)")
        }
        if missing.isEmpty {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: python)
            probe.arguments = [
                "-c", "import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev",
            ]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            do {
                try probe.run()
                probe.waitUntilExit()
                if probe.terminationStatus != 0 {
                    missing.append(
                        "\(python) cannot import UMockdev (Debian packages gir1.2-umockdev-1.0 python3-gi)")
                }
            } catch {
                missing.append("\(python) cannot be started: \(error)")
            }
        }
        return missing
    }

    /// The argument list for the script (without the interpreter).
    public func arguments(command: [String]) -> [String] {
        var arguments = [script, "--model", model, "--timeout", String(timeoutSeconds)]
        switch autoplay {
        case .none: break
        case .strokeFile(let path): arguments += ["--stroke", path]
        case .generated(let seed): arguments += ["--generate", "--seed", String(seed)]
        }
        if let area = signingArea {
            arguments += ["--signing-area", "\(area.left),\(area.top),\(area.right),\(area.bottom)"]
        }
        if let tap { arguments += ["--tap", "\(tap.x),\(tap.y)"] }
        return arguments + ["--"] + command
    }

    /// Runs `command` under the testbed and returns its exit status (124 on timeout, 125 when the testbed
    /// could not be set up). Output goes to this process's stdout/stderr unless `output` is given, which
    /// then receives both. Blocks the calling thread until the command has ended and been reaped.
    public func run(command: [String], output: FileHandle? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments(command: command)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in self.environment { environment[key] = value }
        process.environment = environment
        if let output {
            process.standardOutput = output
            process.standardError = output
        }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A tap position and signing band for autoplay that match `prompt` as the driver renders it on `model`.
    public mutating func aim(at prompt: STUSignaturePrompt, on model: STUModel) {
        let layout = prompt.render(for: model)
        let scaleX = Double(model.tabletMaxX) / Double(model.screenWidth)
        let scaleY = Double(model.tabletMaxY) / Double(model.screenHeight)
        if let ok = layout.button(.ok) {
            tap = (
                Int((Double(ok.rect.x) + Double(ok.rect.width) / 2) * scaleX),
                Int((Double(ok.rect.y) + Double(ok.rect.height) / 2) * scaleY)
            )
        }
        let area = layout.signingArea
        signingArea = (
            Int(Double(area.x + area.width / 10) * scaleX), Int(Double(area.y + area.height / 8) * scaleY),
            Int(Double(area.maxX - area.width / 10) * scaleX), Int(Double(area.maxY - area.height / 8) * scaleY)
        )
    }
}
