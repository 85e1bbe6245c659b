import Foundation
import KitSimulators
import Testing

@testable import KitDrivers

/// libfprint's virtual image device with the kit-sim script player on its socket.
///
/// libfprint reads `FP_VIRTUAL_IMAGE` when a context enumerates its devices (`fp_context_enumerate`,
/// on the first `scanners()` call), so the variable is set once per test process, before the first
/// context, and every rig test creates its own context. The tests using it run serialized: only one
/// virtual device can listen on the socket at a time.
struct LibfprintRig {
    /// The socket of this test process: `FP_VIRTUAL_IMAGE` if the environment sets it (scripts/test
    /// can, so nothing changes the environment while tests run), otherwise a path set once here.
    static let socketPath: String = {
        if let path = ProcessInfo.processInfo.environment["FP_VIRTUAL_IMAGE"], !path.isEmpty { return path }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kit-fp-\(getpid()).sock").path
        setenv("FP_VIRTUAL_IMAGE", path, 1)
        return path
    }()

    let context: LibfprintContext
    let scanner: LibfprintScanner
    let simulator: FingerprintVirtualImageSimulator

    /// Opens, claims and enables the virtual scanner and connects the simulator to it.
    static func start(_ script: FingerprintSimulatorScript) async throws -> LibfprintRig {
        let path = socketPath
        let context = try await LibfprintContext.create()
        let scanners = await context.scanners()
        guard let info = scanners.first(where: { $0.driver == "virtual_image" }) else {
            await context.shutdown()
            Issue.record("libfprint offers no virtual_image device although FP_VIRTUAL_IMAGE is set: \(scanners)")
            throw LibfprintRigError.noVirtualDevice
        }
        let scanner = context.scanner(info)
        let simulator = FingerprintVirtualImageSimulator(socketPath: path, script: script)
        do {
            try await scanner.open()
            try await scanner.claim(timeout: .seconds(5))
            try await scanner.enable()
            try await simulator.connect()
        } catch {
            await scanner.close()
            await context.shutdown()
            throw error
        }
        return LibfprintRig(context: context, scanner: scanner, simulator: simulator)
    }

    /// Event handler that sends the next scripted capture whenever the scanner waits for a finger.
    var feed: @Sendable (FingerprintScannerEvent) -> Void {
        { [simulator] event in
            guard event == .waitingForFinger else { return }
            Task { _ = try? await simulator.sendNextCapture() }
        }
    }

    func stop() async {
        await simulator.close()
        await scanner.close()
        await context.shutdown()
    }
}

enum LibfprintRigError: Error {
    case noVirtualDevice
}
