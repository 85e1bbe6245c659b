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

            A registration (06 00) is completed as real terminals do it: BMP 19 status byte, 29 terminal \
            ID, 49 currency and a TLV container listing the accepted commands. An end-of-day reports \
            date, time and the individual totals (BMP 60). An ECR that prints receipts gets a merchant \
            and a customer copy of each payment receipt unless --receipt-copy says otherwise.
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

    @Option(name: .customLong("terminal-id"), help: "Terminal ID, eight digits (BMP 29 of completions and status).")
    var terminalID = 29_001_234

    @Option(
        name: .customLong("status-byte"),
        help: "Status byte (BMP 19) of the registration completion, 0–255: 0 ready, 16 vending machine mode.")
    var statusByte = 0

    @Option(
        name: .customLong("receipt-copy"),
        help:
            "Payment receipt copies for an ECR that prints: merchant, customer (repeatable; default both, in that order)."
    )
    var receiptCopy: [String] = []

    @Flag(
        name: .customLong("no-permitted-commands"),
        help: "Leave TLV 26 (the list of accepted commands) out of the registration completion.")
    var noPermittedCommands = false

    func validate() throws {
        guard (tcp != nil) != pty else { throw ValidationError("Give exactly one of --tcp PORT and --pty.") }
        for name in fault where ZVTSimulatorConfiguration.Fault(rawValue: name) == nil {
            throw ValidationError("Unknown fault \"\(name)\".")
        }
        guard ZVTSimulatorConfiguration.Card(rawValue: card) != nil else {
            throw ValidationError("Unknown card \"\(card)\"; use girocard, blocked or expired.")
        }
        guard (0...99_999_999).contains(terminalID) else { throw ValidationError("The terminal ID has eight digits.") }
        guard (0...255).contains(statusByte) else {
            throw ValidationError("The status byte is a number from 0 to 255.")
        }
        for name in receiptCopy where ZVTSimulatorConfiguration.ReceiptCopy(rawValue: name) == nil {
            throw ValidationError("Unknown receipt copy \"\(name)\"; use merchant or customer.")
        }
    }

    func run() async throws {
        let configuration = ZVTSimulatorConfiguration(
            card: ZVTSimulatorConfiguration.Card(rawValue: card) ?? .girocard,
            faults: Set(fault.compactMap(ZVTSimulatorConfiguration.Fault.init(rawValue:))),
            faultCount: faultCount,
            cardDelay: .milliseconds(max(0, cardDelayMilliseconds)),
            completionDelay: .milliseconds(max(0, completionDelayMilliseconds)),
            terminalID: terminalID, registrationStatusByte: UInt8(clamping: statusByte),
            listsPermittedCommands: !noPermittedCommands,
            receiptCopies: receiptCopy.isEmpty
                ? [.merchant, .customer] : receiptCopy.compactMap(ZVTSimulatorConfiguration.ReceiptCopy.init(rawValue:))
        )
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
