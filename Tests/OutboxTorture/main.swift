// Test helper for the outbox crash test: enqueues transactions in a loop and prints each
// returned seq on its own line, flushed, until it is killed. Not shipped.
import Foundation
import KitAgent
import KitCore

let arguments = CommandLine.arguments
guard arguments.count == 4, let payloadSize = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: outbox-torture STATE_DIR SERVER_KEY_PEM PAYLOAD_BYTES\n".utf8))
    exit(2)
}
do {
    let directory = try StateDirectory.prepare(arguments[1])
    let keys = try KitKeyStore(stateDirectory: directory)
    let sealer = EnvelopeSealer(
        signingKey: try keys.signingKey(), serverDataKey: try keys.serverDataKey(from: arguments[2]))
    let database = try AgentDatabase(path: directory.appending("agent.sqlite"))
    let outbox = Outbox(database: database, kitId: "kit-torture", sealer: sealer)
    var generator = SystemRandomNumberGenerator()
    while true {
        let payload = (0..<payloadSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let receipt = try outbox.enqueue(
            caseId: "case-torture", kind: "signature.captured", baseVersion: 1, payload: payload)
        // Unbuffered write: the seq is on the pipe before the next enqueue starts.
        FileHandle.standardOutput.write(Data("\(receipt.seq)\n".utf8))
    }
} catch {
    FileHandle.standardError.write(Data("outbox-torture: \(error)\n".utf8))
    exit(1)
}
