import Foundation
import KitDrivers
import KitSimulators

/// The real ID-card path for agent tests: pcscd with vsmartcard's vpcd readers (started here when
/// none runs; stopped and reaped at the end) and a simulated German ID card inserted into
/// "Virtual PCD 00 00" over vpcd's TCP link — the kit talks to it through libpcsclite exactly as
/// to a reader on USB.
final class CardReaderRig: @unchecked Sendable {
    static let reader = "Virtual PCD 00 00"
    private var daemon: Process?
    private var link: CardSimulatorVPCDLink?

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/pcscd"),
            FileManager.default.fileExists(atPath: "/etc/reader.conf.d/vpcd")
        else {
            throw RigFailure(description: "the card tests need pcscd and vsmartcard-vpcd: run scripts/setup")
        }
        if Self.readersOffered() { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/pcscd")
        process.arguments = ["--foreground"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        daemon = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.readersOffered() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw RigFailure(description: "pcscd started but offered no vpcd readers within 10 s")
    }

    static func readersOffered() -> Bool {
        ((try? PCSCContext().readers()) ?? []).contains { $0.hasPrefix(reader) }
    }

    /// Puts `card` on the reader and waits until pcscd sees it.
    func insert(_ card: CardSimulatorNPACard) throws {
        let link = CardSimulatorVPCDLink(card: card)
        try link.insert()
        self.link = link
        Thread.sleep(forTimeInterval: 1)  // pcscd polls the reader (150–500 ms)
    }

    /// Takes the card off the reader.
    func remove() {
        link?.remove()
        _ = link?.waitUntilFinished(timeout: 5)
        link = nil
        Thread.sleep(forTimeInterval: 0.6)
    }

    func stop() {
        remove()
        guard let daemon else { return }
        // pcscd may linger in its vpcd driver after SIGTERM; Foundation's waitUntilExit would
        // then spin forever on this thread. Poll, and SIGKILL after a grace period.
        if daemon.isRunning { daemon.terminate() }
        let deadline = Date().addingTimeInterval(2)
        while daemon.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            let hardDeadline = Date().addingTimeInterval(5)
            while daemon.isRunning && Date() < hardDeadline { Thread.sleep(forTimeInterval: 0.02) }
        }
        self.daemon = nil
    }

    deinit { stop() }

    struct RigFailure: Error, CustomStringConvertible {
        var description: String
    }
}
