import Crypto
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Acceptance 3 of the outbox issue: a child process enqueues in a loop and reports every seq
/// `enqueue` returned; it is killed with SIGKILL at random moments, 50 times. After every kill
/// the database is intact, every reported seq is present, the chain verifies and seq is gap-free.
@Suite("Outbox survives SIGKILL at random moments")
struct OutboxCrashTests {
    static var tortureBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "outbox-torture")
    }

    @Test func fiftyKillsLoseNothing() throws {
        let statePath = temporaryPath("crash")
        let directory = try StateDirectory.prepare(statePath)
        let serverKey = P256.KeyAgreement.PrivateKey()
        let serverKeyFile = directory.appending("server-data-key.pem")
        try Data(serverKey.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: serverKeyFile))
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.tortureBinary.path), "build outbox-torture first")

        var generator = SystemRandomNumberGenerator()
        var reported = Set<UInt64>()
        var totalKills = 0
        for round in 0..<50 {
            let pipe = Pipe()
            let child = Process()
            child.executableURL = Self.tortureBinary
            child.arguments = [statePath, serverKeyFile, String(Int.random(in: 16...4096, using: &generator))]
            child.standardOutput = pipe
            child.standardError = FileHandle.nullDevice
            try child.run()
            // Let it run a random while (some rounds kill it during start-up).
            usleep(UInt32.random(in: 2_000...120_000, using: &generator))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            totalKills += child.terminationReason == .uncaughtSignal ? 1 : 0
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // A line is complete only with its newline: the seq was returned, so it must persist.
            for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                if let seq = UInt64(line) { reported.insert(seq) }
            }

            let database = try AgentDatabase(path: directory.appending("agent.sqlite"))
            #expect(try database.integrityCheck() == ["ok"], "round \(round)")
            let keys = try KitKeyStore(stateDirectory: directory)
            let outbox = Outbox(
                database: database, kitId: "kit-torture",
                sealer: EnvelopeSealer(signingKey: try keys.signingKey(), serverDataKey: serverKey.publicKey))
            let count = try outbox.verifyChain(with: EnvelopeVerifier(kitSigningKey: try keys.signingKey().publicKey))
            let lastSeq = try outbox.stats().lastSeq
            #expect(UInt64(count) == lastSeq, "round \(round): seq has gaps")
            let missing = reported.filter { $0 > lastSeq }
            #expect(missing.isEmpty, "round \(round): reported seqs \(missing.sorted()) lost")
        }
        #expect(totalKills == 50)
        #expect(reported.count > 50, "the child enqueued too little to make the test meaningful")
    }
}
