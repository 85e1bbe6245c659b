// Test helper for the outbox crash and durability tests. Not shipped.
//
//   outbox-torture STATE_DIR SERVER_KEY_PEM PAYLOAD_BYTES
//       enqueues in a loop and prints each returned seq on its own line, flushed, until killed.
//   outbox-torture STATE_DIR SERVER_KEY_PEM PAYLOAD_BYTES --commands
//       reads commands from standard input: `enqueue` answers `ok SEQ` or `failed REASON`,
//       `stats` answers `stats LAST_SEQ STORED`; ends at end of input.
import Foundation
import KitAgent
import KitCore

let arguments = CommandLine.arguments
guard (4...5).contains(arguments.count), let payloadSize = Int(arguments[3]),
    arguments.count == 4 || arguments[4] == "--commands"
else {
    FileHandle.standardError.write(
        Data("usage: outbox-torture STATE_DIR SERVER_KEY_PEM PAYLOAD_BYTES [--commands]\n".utf8))
    exit(2)
}

/// Unbuffered write: the line is on the pipe before the next command starts.
func say(_ line: String) { FileHandle.standardOutput.write(Data("\(line)\n".utf8)) }

do {
    let directory = try StateDirectory.prepare(arguments[1])
    let keys = try KitKeyStore(stateDirectory: directory)
    let sealer = EnvelopeSealer(
        signingKey: try keys.signingKey(), serverDataKey: try keys.serverDataKey(from: arguments[2]))
    let database = try AgentDatabase(path: directory.appending("agent.sqlite"))
    let outbox = Outbox(database: database, kitId: "kit-torture", sealer: sealer)
    var generator = SystemRandomNumberGenerator()
    func enqueue() throws -> UInt64 {
        let payload = (0..<payloadSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try outbox.enqueue(
            caseId: "case-torture", kind: "signature.captured", baseVersion: 1, payload: payload
        ).seq
    }
    if arguments.count == 4 {
        while true { say("\(try enqueue())") }
    }
    say("ready")
    while let command = readLine() {
        switch command {
        case "enqueue":
            do { say("ok \(try enqueue())") } catch { say("failed \(error)") }
        case "stats":
            let stats = try outbox.stats()
            say("stats \(stats.lastSeq) \(stats.byState.values.reduce(0, +))")
        default:
            say("unknown \(command)")
        }
    }
} catch {
    FileHandle.standardError.write(Data("outbox-torture: \(error)\n".utf8))
    exit(1)
}
