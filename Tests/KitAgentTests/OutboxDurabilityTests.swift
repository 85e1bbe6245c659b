import Crypto
import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import KitAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #19, "durability is tested, not assumed". SIGKILL cannot lose what is already in the
/// kernel's page cache, so the crash tests would pass with `synchronous=OFF` or without a key
/// file's fsync. These tests see the syncs themselves: the outbox child runs with an LD_PRELOAD
/// probe (Tests/FsyncProbe) that reports every successful fsync/fdatasync on the child's own
/// output pipe, in order with its answers, and that fails them with EIO on command.
@Suite("Outbox durability: every answer after its fsync, EIO never reported as saved")
struct OutboxDurabilityTests {
    @Test("the agent's database reads back WAL, synchronous=FULL and secure_delete")
    func pragmasReadBack() throws {
        let directory = try StateDirectory.prepare(temporaryPath("durability-pragmas"))
        let database = try AgentDatabase(path: directory.appending("agent.sqlite"))
        let durability = try database.durability()
        #expect(durability.commitsAreDurable, "\(durability)")
        #expect(durability.synchronous == 2, "\(durability)")
        #expect(durability.journalMode == "wal", "\(durability)")
        #expect(durability.secureDelete, "\(durability)")
    }

    @Test("every enqueue is answered only after an fsync; key files and their folder are synced")
    func everyAnswerFollowsItsSync() throws {
        let child = try DurabilityChild.start(name: "durability-sync")
        defer { child.stop() }
        var answers = 0
        for _ in 0..<20 {
            let lines = try child.send("enqueue")
            let answer = try #require(lines.last)
            #expect(answer.hasPrefix("ok "), "\(answer)")
            // The probe's lines since the previous answer: at least one sync, and it succeeded.
            #expect(lines.dropLast().contains { $0.hasPrefix("fsync ") }, "answer \(answer) without an fsync before it")
            answers += 1
        }
        #expect(answers == 20)
        let keys = child.realStatePath + "/keys"
        #expect(child.startLines.contains { $0.hasPrefix("fsync \(keys)/signing.key") }, "signing key not synced")
        #expect(child.startLines.contains { $0 == "fsync \(keys)" }, "the keys folder (the rename) not synced")
    }

    @Test("EIO on fsync: the enqueue fails, nothing is stored; after the fault, seq goes on without a gap")
    func eioIsNeverSaved() throws {
        let child = try DurabilityChild.start(name: "durability-eio")
        defer { child.stop() }
        for expected in 1...3 {
            #expect(try child.send("enqueue").last == "ok \(expected)")
        }
        try Data().write(to: URL(fileURLWithPath: child.failFile))
        for _ in 0..<2 {
            let lines = try child.send("enqueue")
            let answer = try #require(lines.last)
            #expect(answer.hasPrefix("failed "), "an enqueue whose fsync failed was answered \(answer)")
            #expect(answer.contains("NOT saved"), "IT must read that nothing was saved: \(answer)")
            #expect(lines.contains { $0.hasPrefix("eio ") }, "the probe did not fail a sync")
        }
        try FileManager.default.removeItem(atPath: child.failFile)
        #expect(try child.send("enqueue").last == "ok 4", "seq must continue where the last saved one ended")
        #expect(try child.send("enqueue").last == "ok 5")
        #expect(try child.send("stats").last == "stats 5 5", "exactly the five saved transactions are stored")
        child.stop()

        // What the clerk reads for this error of a step.
        let stepError = EvidenceError.outbox(.storage(.ioFailure(path: "agent.sqlite", reason: "disk I/O error")))
        #expect(stepError.clerkText.german.contains("Es wurde nichts gespeichert"), "\(stepError.clerkText.german)")

        // Read back in this process: intact, chain verifies, seq 1…5 without a gap or a double.
        let database = try AgentDatabase(path: child.statePath + "/agent.sqlite")
        #expect(try database.integrityCheck() == ["ok"])
        let keys = try KitKeyStore(stateDirectory: try StateDirectory.prepare(child.statePath))
        let outbox = Outbox(
            database: database, kitId: "kit-torture",
            sealer: EnvelopeSealer(signingKey: try keys.signingKey(), serverDataKey: child.serverKey.publicKey))
        let verified = try outbox.verifyChain(with: EnvelopeVerifier(kitSigningKey: try keys.signingKey().publicKey))
        #expect(verified == 5)
        #expect(try outbox.stats().lastSeq == 5)
    }
}

/// The outbox child (`outbox-torture --commands`) under the fsync probe.
final class DurabilityChild {
    let statePath: String
    let realStatePath: String
    let failFile: String
    let serverKey = P256.KeyAgreement.PrivateKey()
    private(set) var startLines: [String] = []
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static var binDirectory: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }

    private init(name: String) throws {
        statePath = temporaryPath(name)
        let directory = try StateDirectory.prepare(statePath)
        realStatePath = URL(fileURLWithPath: statePath).resolvingSymlinksInPath().path
        failFile = statePath + ".fail-fsync"
        let keyFile = directory.appending("server-data-key.pem")
        try Data(serverKey.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: keyFile))
        let torture = Self.binDirectory.appendingPathComponent("outbox-torture")
        let probe = Self.binDirectory.appendingPathComponent("libKitFsyncProbe.so")
        for needed in [torture, probe] where !FileManager.default.fileExists(atPath: needed.path) {
            throw Failure(description: "\(needed.path) is missing: run `swift build --build-tests` first")
        }
        process.executableURL = torture
        process.arguments = [statePath, keyFile, "512", "--commands"]
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = probe.path
        environment["KIT_FSYNC_PROBE_FD"] = "1"
        environment["KIT_FSYNC_PROBE_FAIL_FILE"] = failFile
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
    }

    static func start(name: String) throws -> DurabilityChild {
        let child = try DurabilityChild(name: name)
        try child.process.run()
        child.startLines = try child.readUntilAnswer()
        guard child.startLines.last == "ready" else {
            throw Failure(description: "outbox-torture did not start: \(child.startLines)")
        }
        return child
    }

    /// Sends one command; returns the probe's lines up to and including the child's answer.
    func send(_ command: String) throws -> [String] {
        input.fileHandleForWriting.write(Data("\(command)\n".utf8))
        return try readUntilAnswer()
    }

    func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Lines until one that is not the probe's ("fsync …", "eio …"), waiting at most 10 s.
    private func readUntilAnswer() throws -> [String] {
        var lines: [String] = []
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(10)
        while true {
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                lines.append(line)
                if !line.hasPrefix("fsync ") && !line.hasPrefix("eio ") { return lines }
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard remaining > 0, poll(&poller, 1, remaining) > 0 else {
                throw Failure(description: "no answer from outbox-torture within 10 s; seen \(lines)")
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw Failure(description: "outbox-torture ended; seen \(lines)") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
