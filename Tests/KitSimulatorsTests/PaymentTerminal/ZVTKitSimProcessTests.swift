import Foundation
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// `kit-sim zvt` as a separate process: first line on stdout, journal file, clean stop.
@Suite struct ZVTKitSimProcessTests {
    /// The kit-sim binary next to the test bundle, as `swift build --build-tests` leaves it.
    static func binary() -> URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("kit-sim")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Starts kit-sim and returns it with its first stdout line; the blocking reads run off
    /// Swift's cooperative threads.
    static func start(_ arguments: [String]) async throws -> (Process, String)? {
        guard let binary = binary() else {
            if TestRigs.required {
                Issue.record("kit-sim binary not found next to the tests; build it with swift build --build-tests")
            }
            return nil
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["zvt"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        let line = await ZVTPOSIXChannel.runBlocking { () -> [UInt8] in
            var line: [UInt8] = []
            while !line.contains(0x0A) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            return line
        }
        let text = String(decoding: line.prefix { $0 != 0x0A }, as: UTF8.self)
        return (process, text)
    }

    static func stop(_ process: Process) async {
        process.terminate()
        await ZVTPOSIXChannel.runBlocking { process.waitUntilExit() }
    }

    @Test func tcpModePrintsThePortAndKeepsTheJournal() async throws {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("kit-sim-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: journal) }
        guard
            let (process, line) = try await Self.start([
                "--tcp", "0", "--journal", journal.path, "--card-delay-ms", "10",
                "--fault", "disconnect-mid-transaction", "--fault-count", "1",
            ])
        else { return }
        do {
            try await Self.payAndRecover(line: line, journal: journal)
        } catch {
            Issue.record("\(error)")
        }
        await Self.stop(process)
    }

    @Test func registrationYieldsTheTerminalIDInBMP29() async throws {
        guard let (process, line) = try await Self.start(["--tcp", "0", "--terminal-id", "52523535"]) else { return }
        do {
            let port = try #require(UInt16(line), "first line: \(line)")
            let transport = ZVTTCPTransport(host: "127.0.0.1", port: port)
            let completion = try await ZVTSimulatorCompletionTests.registerOver(transport)
            #expect(try completion.fields.terminalID == "52523535")
            #expect(completion.fields.paymentType == 0x00)
            await transport.close()
        } catch {
            Issue.record("\(error)")
        }
        await Self.stop(process)
    }

    static func payAndRecover(line: String, journal: URL) async throws {
        let port = try #require(UInt16(line), "first line: \(line)")
        let configuration = ZVTTerminalConfiguration(
            timeouts: ZVTSessionTimeouts(acknowledgement: .seconds(2), cardholder: .seconds(3)))
        let terminal = ZVTTerminal(
            transport: ZVTTCPTransport(host: "127.0.0.1", port: port), configuration: configuration)
        try await terminal.open()
        try await terminal.claim()
        try await terminal.enable()
        #expect(try await terminal.pay(amountCents: 1500).needsRecovery)
        await terminal.close()

        // The agent "restarts": a new driver resolves the intent from the terminal.
        let restarted = ZVTTerminal(
            transport: ZVTTCPTransport(host: "127.0.0.1", port: port), configuration: configuration)
        let result = await restarted.recover(ZVTPaymentIntent(id: "fee", amountCents: 1500))
        guard case .approved(let details, _) = result else {
            Issue.record("expected approval, got \(result)")
            return
        }
        #expect(details.traceNumber == 1)
        let written = try ZVTSimulatorJournal.read(from: journal)
        #expect(written.authorizationRequests == 1)
        #expect(written.approvedAuthorizations == 1)
        await restarted.close()
    }

    @Test func ptyModePrintsTheSlavePath() async throws {
        guard let (process, line) = try await Self.start(["--pty", "--card-delay-ms", "10"]) else { return }
        do {
            try await Self.payOverPTY(line: line)
        } catch {
            Issue.record("\(error)")
        }
        await Self.stop(process)
    }

    static func payOverPTY(line: String) async throws {
        #expect(line.hasPrefix("/dev/pts/"), "first line: \(line)")
        let terminal = ZVTTerminal(
            transport: ZVTSerialTransport(path: line),
            configuration: ZVTTerminalConfiguration(timeouts: ZVTSessionTimeouts(acknowledgement: .seconds(2))))
        try await terminal.open()
        try await terminal.claim()
        try await terminal.enable()
        #expect(try await terminal.pay(amountCents: 2000).approvedDetails?.amountCents == 2000)
        await terminal.close()
    }

    @Test func invalidArgumentsAreRejected() async throws {
        guard let binary = Self.binary() else { return }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["zvt", "--tcp", "0", "--pty"]
        process.standardError = Pipe()
        try process.run()
        await ZVTPOSIXChannel.runBlocking { process.waitUntilExit() }
        #expect(process.terminationStatus != 0)
    }
}
