import ArgumentParser
import Foundation
import KitSimulators

/// `kit-sim zvt`: a simulated EC payment terminal speaking ZVT (terminal side) over TCP or a pty.
struct ZVTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zvt",
        abstract: "Simulated EC payment terminal (ZVT, terminal side) over TCP or a pseudo terminal.",
        discussion: """
            Prints the TCP port (--tcp) or the pty slave path (--pty) as the first line on stdout, then \
            serves until stopped. Payments are approved unless the amount ends in 13 cents (card on blocked \
            list, 0x6E), 05 cents (issuer declined) or 78 cents (card expired), or --card says otherwise. \
            With --journal the transaction journal (authorization count, trace and receipt numbers) is \
            written as JSON after every change and continued when the simulator restarts.
            """
    )

    @Option(name: .long, help: "Listen on this TCP port (0 picks a free one; the ZVT default is 20007).")
    var tcp: UInt16?

    @Flag(name: .long, help: "Create a pseudo terminal and speak serial ZVT (DLE framing, CRC, ACK/NAK) on it.")
    var pty = false

    @Option(name: .long, help: "Address to listen on with --tcp.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "JSON file for the transaction journal.")
    var journal: String?

    @Option(
        name: .long,
        help: "Inject a fault: no-ack, abort, disconnect-mid-transaction, split-frames or garbage (repeatable).")
    var fault: [String] = []

    @Option(name: .customLong("fault-count"), help: "Apply the faults to this many commands only (default: all).")
    var faultCount: Int?

    @Option(name: .long, help: "The card presented: girocard, blocked or expired.")
    var card = "girocard"

    @Option(name: .customLong("card-delay-ms"), help: "Milliseconds the card holder takes to present the card.")
    var cardDelayMilliseconds = 200

    @Option(
        name: .customLong("completion-delay-ms"),
        help: "Milliseconds between a payment's approval and its completion 06 0F.")
    var completionDelayMilliseconds = 0

    @Option(name: .customLong("terminal-id"), help: "Terminal ID, eight digits.")
    var terminalID = 29_001_234

    func validate() throws {
        guard (tcp != nil) != pty else { throw ValidationError("Give exactly one of --tcp PORT and --pty.") }
        for name in fault where ZVTSimulatorConfiguration.Fault(rawValue: name) == nil {
            throw ValidationError("Unknown fault \"\(name)\".")
        }
        guard ZVTSimulatorConfiguration.Card(rawValue: card) != nil else {
            throw ValidationError("Unknown card \"\(card)\"; use girocard, blocked or expired.")
        }
        guard (0...99_999_999).contains(terminalID) else { throw ValidationError("The terminal ID has eight digits.") }
    }

    func run() async throws {
        let configuration = ZVTSimulatorConfiguration(
            card: ZVTSimulatorConfiguration.Card(rawValue: card) ?? .girocard,
            faults: Set(fault.compactMap(ZVTSimulatorConfiguration.Fault.init(rawValue:))),
            faultCount: faultCount,
            cardDelay: .milliseconds(max(0, cardDelayMilliseconds)),
            completionDelay: .milliseconds(max(0, completionDelayMilliseconds)),
            terminalID: terminalID)
        let server = try ZVTSimulatorServer(
            configuration: configuration, journalURL: journal.map { URL(fileURLWithPath: $0) })
        let firstLine: String
        if let tcp {
            firstLine = String(try await server.listen(host: host, port: tcp))
        } else {
            firstLine = try await server.openPTY()
        }
        // Unbuffered, so that a parent process can read the line at once.
        FileHandle.standardOutput.write(Data((firstLine + "\n").utf8))
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
