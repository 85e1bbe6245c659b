import Foundation
import KitDrivers
import Testing

@testable import KitSimulators

/// The simulator's pure terminal logic: scripts, rules, journal.
@Suite struct ZVTSimulatedTerminalTests {
    static func terminal(_ configuration: ZVTSimulatorConfiguration = ZVTSimulatorConfiguration())
        -> ZVTSimulatedTerminal
    {
        ZVTSimulatedTerminal(configuration: configuration, clock: { Date(timeIntervalSince1970: 1_764_000_000) })
    }

    static func payment(_ cents: Int) throws -> [UInt8] {
        try ZVTECRCommand.payment(amountCents: cents).message.encode()
    }

    static func sent(_ steps: [ZVTSimulatorStep]) -> [[UInt8]] {
        steps.compactMap { if case .send(let bytes) = $0 { return bytes } else { return nil } }
    }

    static func lastCommit(_ steps: [ZVTSimulatorStep]) -> ZVTSimulatorJournal? {
        steps.compactMap { if case .commit(let journal) = $0 { return journal } else { return nil } }.last
    }

    @Test func approvedPaymentScript() throws {
        var terminal = Self.terminal()
        let steps = terminal.handle(frame: try Self.payment(1234))
        #expect(steps.first == .commit(try #require(Self.lastCommit(Array(steps.prefix(1))))))
        #expect(steps.dropFirst().first == .acknowledge)
        let messages = Self.sent(steps)
        #expect(messages.first == [0x04, 0xFF, 0x01, 0x0A])
        #expect(messages.last == [0x06, 0x0F, 0x00])
        let status = try #require(messages.first { $0.starts(with: [0x04, 0x0F]) })
        guard case .statusInformation(let information) = try ZVTMessage.decode(status) else {
            Issue.record("not a status information")
            return
        }
        let details = ZVTTransactionDetails(fields: information.fields)
        #expect(details.amountCents == 1234)
        #expect(details.traceNumber == 1)
        #expect(details.receiptNumber == 1)
        #expect(details.maskedPAN == "************1234")
        let journal = try #require(Self.lastCommit(steps))
        #expect(journal.authorizationRequests == 1)
        #expect(journal.approvedAuthorizations == 1)
        #expect(journal.entries.first?.traceNumber == 1)
        #expect(terminal.journal.approvedAuthorizations == 0, "nothing is booked before the commit step runs")
        terminal.book(journal)
        #expect(terminal.journal.nextTraceNumber == 2)
    }

    @Test func declineRulesAndCards() throws {
        let configuration = ZVTSimulatorConfiguration()
        #expect(configuration.declineCode(amountCents: 1213) == 0x6E)
        #expect(configuration.declineCode(amountCents: 205) == 0x05)
        #expect(configuration.declineCode(amountCents: 1078) == 0x78)
        #expect(configuration.declineCode(amountCents: 1200) == nil)
        #expect(ZVTSimulatorConfiguration(card: .blocked).declineCode(amountCents: 1200) == 0x6E)
        var terminal = Self.terminal()
        let steps = terminal.handle(frame: try Self.payment(1213))
        #expect(Self.sent(steps).last == [0x06, 0x1E, 0x01, 0x6E])
        #expect(Self.lastCommit(steps)?.approvedAuthorizations == 0)
        #expect(Self.lastCommit(steps)?.authorizationRequests == 1)
    }

    @Test func faultsShapeTheScript() throws {
        var silent = Self.terminal(ZVTSimulatorConfiguration(faults: [.noAck], faultCount: 1))
        #expect(silent.handle(frame: try Self.payment(100)).isEmpty)
        #expect(!silent.handle(frame: try Self.payment(100)).isEmpty, "the fault applied once")

        var aborting = Self.terminal(ZVTSimulatorConfiguration(faults: [.abort]))
        #expect(Self.sent(aborting.handle(frame: try Self.payment(100))).last == [0x06, 0x1E, 0x01, 0x6C])

        var dropping = Self.terminal(ZVTSimulatorConfiguration(faults: [.disconnectMidTransaction]))
        let steps = dropping.handle(frame: try Self.payment(100))
        #expect(steps.last == .disconnect)
        #expect(Self.lastCommit(steps)?.approvedAuthorizations == 1)

        var noisy = Self.terminal(ZVTSimulatorConfiguration(faults: [.garbage]))
        let garbage = noisy.handle(frame: try Self.payment(100)).filter {
            if case .sendGarbage = $0 { return true } else { return false }
        }
        #expect(garbage.count == 3)
        #expect(Self.terminal(ZVTSimulatorConfiguration(faults: [.splitFrames])).splitsFrames)
    }

    @Test func hostileCommandsAreRefused() throws {
        var terminal = Self.terminal()
        #expect(terminal.handle(frame: [0x06, 0x01, 0x05, 0x04]) == [.refuse(0x9A)])
        #expect(terminal.handle(frame: [0x0F, 0x01, 0x00]) == [.refuse(0x83)])
        #expect(terminal.handle(frame: []) == [.refuse(0x9A)])
        #expect(terminal.handle(frame: [0x80, 0x00, 0x00]).isEmpty)
        let zero = terminal.handle(frame: try Self.payment(0))
        #expect(zero.last == .refuse(0x9A))
        var random = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let count = Int(random.next() % 40)
            let frame = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = terminal.handle(frame: frame)
        }
    }

    @Test func reversalNeedsAKnownOpenReceipt() throws {
        var terminal = Self.terminal()
        let reversal = try ZVTMessage.reversal(.reversal(password: 0, receiptNumber: 9)).encode()
        #expect(Self.sent(terminal.handle(frame: reversal)).last == [0x06, 0x1E, 0x01, 0xB5])
        let paid = terminal.handle(frame: try Self.payment(500))
        terminal.book(try #require(Self.lastCommit(paid)))
        let ok = terminal.handle(frame: try ZVTMessage.reversal(.reversal(password: 0, receiptNumber: 1)).encode())
        let booked = try #require(Self.lastCommit(ok))
        #expect(booked.entries.first?.reversed == true)
        #expect(booked.entries.last?.originalTraceNumber == 1)
        terminal.book(booked)
        let twice = terminal.handle(frame: try ZVTMessage.reversal(.reversal(password: 0, receiptNumber: 1)).encode())
        #expect(Self.sent(twice).last == [0x06, 0x1E, 0x01, 0xB4])
    }

    @Test func textBlocksWhenRegisteredForThem() throws {
        var terminal = Self.terminal()
        let registration = try ZVTRegistration(
            password: 0, config: [.ecrPrintsPaymentReceipts, .receiptsAsTextBlocks], currencyCode: 978)
        let registered = terminal.handle(frame: try ZVTMessage.registration(registration).encode())
        terminal.book(try #require(Self.lastCommit(registered)))
        let steps = terminal.handle(frame: try Self.payment(100))
        #expect(Self.sent(steps).contains { $0.starts(with: [0x06, 0xD3]) })
        #expect(!Self.sent(steps).contains { $0.starts(with: [0x06, 0xD1]) })
    }

    @Test func journalRoundTripsThroughJSON() throws {
        var terminal = Self.terminal()
        let steps = terminal.handle(frame: try Self.payment(100))
        let journal = try #require(Self.lastCommit(steps))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zvt-journal-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try journal.write(to: url)
        #expect(try ZVTSimulatorJournal.read(from: url) == journal)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"approvedAuthorizations\" : 1"))
    }
}

/// Deterministic generator for the simulator's fuzz loop.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
