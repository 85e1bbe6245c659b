import Crypto
import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #6, acceptance 3, with real processes: `kit-sim zvt` as the terminal and `kit-agent run`
/// killed with SIGKILL inside a payment. After the restart the agent resolves the payment with
/// the terminal and records it exactly once; the terminal saw exactly one authorization.
@Suite("Card payments survive SIGKILL of the agent", .serialized)
struct PaymentCrashTests {
    static let secret = "correct horse battery"

    @Test func killedAfterApprovalRecordsThePaymentOnceAfterRestart() async throws {
        guard let binaries = Binaries.find() else { return }
        let children = ChildProcesses()
        defer { children.killAll() }
        let kit = try await PreparedKit(cases: [("2026-0042", 1250)])
        let journal = kit.root + "/terminal-journal.json"
        let port = try await children.startSimulator(
            binaries.kitSim, ["--tcp", "0", "--journal", journal, "--completion-delay-ms", "3000"])

        let agent = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:\(port)")
        let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await client.unlock(secret: Self.secret, initialize: false)
        let payment = Task { try await client.pay(caseId: "2026-0042", amountCents: nil) }
        // The terminal approved and booked the payment; its completion 06 0F follows 3 s later.
        try await poll("the simulator's journal shows the approval", seconds: 15) {
            (try? ZVTSimulatorJournal.read(from: URL(fileURLWithPath: journal)))?.approvedAuthorizations == 1
        }
        children.kill(agent, signal: SIGKILL)
        _ = await payment.result

        // The crash window was hit: intent committed, no outcome recorded.
        try kit.inspect { (ledger: PaymentLedger, outbox: Outbox) throws in
            #expect(try ledger.unresolved().count == 1)
            #expect(try outbox.entries().map(\.kind) == [TransactionKind.paymentIntent.rawValue])
        }

        let restarted = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:\(port)")
        let after = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await poll("the restarted agent resolved the payment", seconds: 20) {
            (try? await after.unresolvedPayments())?.isEmpty == true
        }
        children.stop(restarted)

        let booked = try ZVTSimulatorJournal.read(from: URL(fileURLWithPath: journal))
        #expect(booked.authorizationRequests == 1)
        #expect(booked.approvedAuthorizations == 1)
        let entry = try #require(booked.entries.last)
        try kit.inspect { (ledger: PaymentLedger, outbox: Outbox) throws in
            let intents = try ledger.intents(caseId: "2026-0042")
            #expect(intents.count == 1)
            let intent = try #require(intents.first)
            #expect(intent.state == .approved)
            #expect(intent.traceNumber == entry.traceNumber)
            #expect(intent.receiptNumber == entry.receiptNumber)
            let outcomes = try outbox.entries().filter { $0.kind == TransactionKind.paymentOutcome.rawValue }
            #expect(outcomes.count == 1)
            #expect(outcomes.first?.caseId == "2026-0042")
            #expect(outcomes.first?.seq == intent.outcomeSeq)
            let payment = try kit.facts(StepPayload.Payment.self, seq: try #require(intent.outcomeSeq), outbox: outbox)
            #expect(payment.approved)
            #expect(payment.amountCents == 1250)
            #expect(payment.trace == String(entry.traceNumber))
            #expect(payment.receipt == entry.receiptNumber.map(String.init))
            #expect(payment.recovered == true)
            #expect(payment.intentTxId == intent.intentTxId)
        }
    }

    @Test func killedBeforeTheAuthorizationReachedTheTerminalRecordsNotPaid() async throws {
        guard let binaries = Binaries.find() else { return }
        let children = ChildProcesses()
        defer { children.killAll() }
        let kit = try await PreparedKit(cases: [("case-a", 500), ("case-b", 700)])
        let journal = kit.root + "/terminal-journal.json"
        let port = try await children.startSimulator(binaries.kitSim, ["--tcp", "0", "--journal", journal])

        // A first payment, so the terminal has a last transaction to report.
        let first = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:\(port)")
        let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await client.unlock(secret: Self.secret, initialize: false)
        // Through the command line: JSON on stdout, exit code 0 because approved.
        let paidA = try await runCommand(
            binaries.kitAgent, ["pay", "--case", "case-a", "--state-dir", kit.stateDirectory, "--json"])
        #expect(paidA.status == 0, "\(paidA.output)")
        let resultA = try WireCoding.decoder().decode(PaymentResult.self, from: Data(paidA.output.utf8))
        #expect(resultA.status == .approved)
        #expect(resultA.amountCents == 500)
        #expect(resultA.traceNumber == 1)
        children.stop(first)

        // A "terminal" that accepts the connection and never reads: the agent commits the intent,
        // then waits for the terminal — and is killed there.
        let silent = try ListeningSocket()
        let second = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:\(silent.port)")
        let hanging = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await hanging.unlock(secret: Self.secret, initialize: false)
        let payment = Task { try await hanging.pay(caseId: "case-b", amountCents: nil) }
        try await poll("the intent for case-b is committed", seconds: 10) {
            (try? await hanging.unresolvedPayments())?.map(\.caseId) == ["case-b"]
        }
        // No second charge while it runs: one clear line, exit code not 0.
        let refused = try await runCommand(
            binaries.kitAgent, ["pay", "--case", "case-a", "--state-dir", kit.stateDirectory])
        #expect(refused.status != 0)
        #expect(refused.output.contains("another card payment is running"), "\(refused.output)")
        children.kill(second, signal: SIGKILL)
        _ = await payment.result

        let third = try await children.startAgent(binaries.kitAgent, kit: kit, terminal: "127.0.0.1:\(port)")
        let after = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await poll("the restarted agent resolved the payment", seconds: 20) {
            (try? await after.unresolvedPayments())?.isEmpty == true
        }
        children.stop(third)

        let booked = try ZVTSimulatorJournal.read(from: URL(fileURLWithPath: journal))
        #expect(booked.authorizationRequests == 1)
        #expect(booked.approvedAuthorizations == 1)
        try kit.inspect { (ledger: PaymentLedger, outbox: Outbox) throws in
            let intent = try #require(try ledger.intents(caseId: "case-b").first)
            #expect(intent.state == .notPaid)
            #expect(intent.traceNumber == nil)
            #expect(intent.reason?.isEmpty == false)
            let outcomes = try outbox.entries().filter {
                $0.kind == TransactionKind.paymentOutcome.rawValue && $0.caseId == "case-b"
            }
            #expect(outcomes.count == 1)
            let payment = try kit.facts(StepPayload.Payment.self, seq: try #require(intent.outcomeSeq), outbox: outbox)
            #expect(!payment.approved)
            #expect(payment.amountCents == 700)
            #expect(payment.recovered == true)
        }
    }
}

/// The executables `swift build --build-tests` leaves next to the test bundle.
struct Binaries {
    let kitAgent: URL
    let kitSim: URL

    static func find() -> Binaries? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let agent = candidate.appendingPathComponent("kit-agent")
            let sim = candidate.appendingPathComponent("kit-sim")
            if FileManager.default.isExecutableFile(atPath: agent.path),
                FileManager.default.isExecutableFile(atPath: sim.path)
            {
                return Binaries(kitAgent: agent, kitSim: sim)
            }
        }
        Issue.record("kit-agent and kit-sim not found next to the tests; build them with swift build --build-tests")
        return nil
    }
}

/// A kit state directory as enrollment and checkout leave it: keys, the server's data key, the
/// clerk's unlock secret (cheap KDF cost for tests) and checked-out cases with fees.
struct PreparedKit {
    let root: String
    let stateDirectory: String
    let serverDataKeyFile: String
    let serverDataKey = P256.KeyAgreement.PrivateKey()

    init(cases: [(String, Int)], steps: [CaseStep] = [.identify, .pay]) async throws {
        root = temporaryPath("payment-crash")
        stateDirectory = root + "/state"
        serverDataKeyFile = root + "/server-data-key.pem"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(serverDataKey.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: serverDataKeyFile))
        let directory = try StateDirectory.prepare(stateDirectory)
        let keys = try KitKeyStore(stateDirectory: directory)
        _ = try keys.kitId(configured: nil)
        let database = try AgentDatabase(path: directory.appending("agent.sqlite"))
        let lock = KitLock(keys: keys, cost: .testing)
        try await lock.initialize(secret: PaymentCrashTests.secret)
        let store = CaseStore(database: database, lock: lock)
        for (caseId, fee) in cases {
            try await store.store(
                CaseSnapshot(
                    caseId: caseId, version: 2, title: "Personalausweis beantragen",
                    citizen: .init(
                        givenNames: "Erika", familyName: "Muster", dateOfBirth: "1940-01-01",
                        address: .init(street: "Rheinallee 1", zip: "55116", city: "Mainz")),
                    steps: steps, fees: [.init(label: "Gebühr", amountCents: fee)]))
        }
    }

    /// Opens the agent's database (the agent is not running) and hands ledger and outbox to `body`.
    func inspect(_ body: (PaymentLedger, Outbox) throws -> Void) throws {
        let directory = try StateDirectory.prepare(stateDirectory)
        let keys = try KitKeyStore(stateDirectory: directory)
        let database = try AgentDatabase(path: directory.appending("agent.sqlite"))
        let outbox = Outbox(
            database: database, kitId: try keys.kitId(configured: nil),
            sealer: EnvelopeSealer(signingKey: try keys.signingKey(), serverDataKey: serverDataKey.publicKey))
        try body(PaymentLedger(database: database, outbox: outbox), outbox)
        #expect(try outbox.verifyChain(with: EnvelopeVerifier(kitSigningKey: try keys.signingKey().publicKey)) > 0)
    }

    /// The JSON facts of a sealed transaction, opened with the server's data key.
    func facts<T: Decodable>(_ type: T.Type, seq: UInt64, outbox: Outbox) throws -> T {
        let stored = try #require(try outbox.envelopes(from: seq, limit: 1).first)
        #expect(stored.seq == seq)
        let envelope = try TransactionEnvelope(decoding: stored.bytes)
        return try StepPayload.facts(T.self, from: EnvelopeOpener(dataKey: serverDataKey).open(envelope))
    }
}

/// Child processes of a test: every one is killed and waited for at the end, also on failure.
final class ChildProcesses: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [Process] = []

    func start(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, output: Pipe? = nil,
        log: String? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment =
            environment ?? ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIT_AGENT_") }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        if let log, FileManager.default.createFile(atPath: log, contents: nil),
            let handle = FileHandle(forWritingAtPath: log)
        {
            process.standardError = handle
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        lock.lock()
        processes.append(process)
        lock.unlock()
        return process
    }

    /// Starts `kit-sim zvt` and returns the TCP port it prints first.
    func startSimulator(_ binary: URL, _ arguments: [String]) async throws -> UInt16 {
        let output = Pipe()
        _ = try start(binary, ["zvt", "--card-delay-ms", "50"] + arguments, output: output)
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
        return try #require(UInt16(text), "kit-sim printed \(text)")
    }

    /// Starts `kit-agent run` for the kit with an unreachable sync server and waits until its
    /// local API is up.
    /// Starts `kit-agent run` on the kit; `environment` adds configuration (e.g. the card reader).
    func startAgent(
        _ binary: URL, kit: PreparedKit, terminal: String, environment: [String: String] = [:]
    ) async throws -> Process {
        let log = kit.root + "/agent-\(UUID().uuidString.prefix(8)).log"
        let process = try start(
            binary,
            [
                "run", "--state-dir", kit.stateDirectory, "--server", "http://127.0.0.1:9",
                "--server-data-key", kit.serverDataKeyFile, "--api-port", "0", "--terminal", terminal,
                "--log-level", "debug",
            ],
            environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIT_AGENT_") }
                .merging(environment) { $1 },
            log: log)
        let pid = process.processIdentifier
        do {
            try await poll("kit-agent's local API is up", seconds: 15) {
                guard process.isRunning else { return true }
                return (try? LocalAPIEndpoint.read(fromStateDirectory: kit.stateDirectory))?.processID == pid
            }
            try #require(process.isRunning, "kit-agent stopped: \(Self.tail(log))")
        } catch {
            Issue.record("kit-agent log: \(Self.tail(log))")
            throw error
        }
        return process
    }

    static func tail(_ path: String) -> String {
        String(String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).suffix(2000))
    }

    func kill(_ process: Process, signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    /// SIGTERM: the agent stops cleanly.
    func stop(_ process: Process) {
        kill(process, signal: SIGTERM)
    }

    func killAll() {
        lock.lock()
        let all = processes
        lock.unlock()
        for process in all { kill(process, signal: SIGKILL) }
    }
}

/// Runs a command to its end; returns its exit status and its standard output and error.
func runCommand(_ executable: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIT_AGENT_") }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let reader = output.fileHandleForReading
    let data = await ZVTPOSIXChannel.runBlocking { () -> Data in
        let data = reader.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

struct PollTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting until \(what)" }
}

/// Checks `condition` every 50 ms until it holds or `seconds` have passed.
func poll(_ what: String, seconds: Double, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw PollTimeout(what: what)
}
