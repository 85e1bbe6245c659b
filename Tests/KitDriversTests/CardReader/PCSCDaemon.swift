import Foundation
import KitDrivers

/// A real pcscd for tests: started in the foreground with vpcd's two virtual readers (Debian's
/// vsmartcard-vpcd, `/etc/reader.conf.d/vpcd`) unless one is already running, and stopped (and
/// reaped) again by whoever started it.
final class PCSCDaemon {
    private let process: Process?

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    static let executable = "/usr/sbin/pcscd"

    init() throws {
        if (try? PCSCContext()) != nil {
            process = nil  // someone else's pcscd; leave it alone
            return
        }
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw StartFailure(description: "pcscd is not installed: run scripts/setup")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["--foreground", "--apdu"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let context = try? PCSCContext(), let readers = try? context.readers(), readers.count >= 2 {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw StartFailure(description: "pcscd started but offered no vpcd readers within 10 s")
    }

    /// SIGTERM, then SIGKILL after 2 s: pcscd's vpcd driver threads can keep it from exiting on
    /// SIGTERM while they wait for a virtual card to connect.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
