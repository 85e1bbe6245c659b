import Foundation
import KitDrivers
import Testing

@testable import KitSimulators

/// What the simulated terminal sends the way real terminals do: the registration completion,
/// the end-of-day report and the receipt copies (ZVT spec rev. 13.x, 06 00, 06 50, 06 D1/06 D3).
@Suite struct ZVTSimulatorCompletionTests {
    static func terminal(_ configuration: ZVTSimulatorConfiguration = ZVTSimulatorConfiguration())
        -> ZVTSimulatedTerminal
    {
        ZVTSimulatedTerminal(configuration: configuration, clock: { Date(timeIntervalSince1970: 1_764_000_000) })
    }

    static func sent(_ steps: [ZVTSimulatorStep]) -> [[UInt8]] {
        steps.compactMap { if case .send(let bytes) = $0 { return bytes } else { return nil } }
    }

    static func commit(_ steps: [ZVTSimulatorStep], to terminal: inout ZVTSimulatedTerminal) {
        for step in steps { if case .commit(let journal) = step { terminal.book(journal) } }
    }

    static func register(
        _ terminal: inout ZVTSimulatedTerminal, config: ZVTRegistrationConfig = [.ecrPrintsPaymentReceipts],
        currencyCode: Int? = 978
    ) throws -> ZVTCompletion {
        let registration = try ZVTRegistration(password: 0, config: config, currencyCode: currencyCode)
        let steps = terminal.handle(frame: try ZVTMessage.registration(registration).encode())
        commit(steps, to: &terminal)
        let last = try #require(sent(steps).last)
        guard case .completion(let completion) = try ZVTMessage.decode(last) else {
            Issue.record("the registration did not end with a completion")
            throw ZVTError.missingElement(command: "test", element: "completion")
        }
        return completion
    }

    @Test func registrationCompletionCarriesStatusTerminalIDCurrencyAndTLV() throws {
        var terminal = Self.terminal(ZVTSimulatorConfiguration(terminalID: 52_523_535))
        let completion = try Self.register(&terminal)
        #expect(completion.softwareVersion == nil, "the status-enquiry form is not a registration completion")
        #expect(completion.fields.paymentType == 0x00)
        #expect(try completion.fields.terminalID == "52523535")
        #expect(try completion.fields.currencyCode == 978)
        let listTag = try #require(ZVTTLVTag(0x26))
        let list = try #require(completion.fields.tlv?.first(listTag))
        #expect(list.children.compactMap(\.value).contains([0x06, 0x01]))
        #expect(completion.fields.fields.map(\.tag) == [0x19, 0x29, 0x49, 0x06])
        #expect(ZVTMessage.completion(completion).decodingIssues.isEmpty)
    }

    @Test func registrationCompletionIsConfigurable() throws {
        var terminal = Self.terminal(
            ZVTSimulatorConfiguration(registrationStatusByte: 0x10, listsPermittedCommands: false))
        let completion = try Self.register(&terminal, currencyCode: nil)
        #expect(completion.fields.paymentType == 0x10)
        #expect(completion.fields.fields.map(\.tag) == [0x19, 0x29], "no currency when the ECR sent none")
    }

    @Test func endOfDayReportsDateTimeAndIndividualTotals() throws {
        var terminal = Self.terminal()
        _ = try Self.register(&terminal)
        for cents in [1250, 740] {
            let steps = terminal.handle(frame: try ZVTECRCommand.payment(amountCents: cents).message.encode())
            Self.commit(steps, to: &terminal)
        }
        let steps = terminal.handle(frame: try ZVTMessage.endOfDay(try ZVTPasswordCommand(password: 0)).encode())
        Self.commit(steps, to: &terminal)
        let status = try #require(Self.sent(steps).first { $0.starts(with: [0x04, 0x0F]) })
        guard case .statusInformation(let information) = try ZVTMessage.decode(status) else {
            Issue.record("no status information")
            return
        }
        let fields = information.fields
        #expect(try fields.amountCents == 1990)
        #expect(try fields.date != nil)
        #expect(try fields.time != nil)
        let totals = try #require(try fields.individualTotals)
        #expect(totals.firstReceiptNumber == 1)
        #expect(totals.lastReceiptNumber == 2)
        #expect(totals.totals.first == .init(group: .girocard, count: 2, cents: 1990))
        #expect(ZVTMessage.statusInformation(information).decodingIssues.isEmpty)
    }

    @Test func paymentReceiptsComeAsMerchantAndCustomerCopies() throws {
        var terminal = Self.terminal()
        _ = try Self.register(&terminal, config: [.ecrPrintsPaymentReceipts, .receiptsAsTextBlocks])
        let steps = terminal.handle(frame: try ZVTECRCommand.payment(amountCents: 500).message.encode())
        let blocks = try Self.sent(steps).filter { $0.starts(with: [0x06, 0xD3]) }.map { bytes in
            guard case .printTextBlock(let block) = try ZVTMessage.decode(bytes) else {
                throw ZVTError.missingElement(command: "test", element: "text block")
            }
            return block
        }
        #expect(blocks.map(\.receiptType) == [0x01, 0x02])
        #expect(blocks.first?.lines.first == "HÄNDLERBELEG")
        #expect(blocks.last?.lines.first == "KUNDENBELEG")

        var customerOnly = Self.terminal(ZVTSimulatorConfiguration(receiptCopies: [.customer]))
        _ = try Self.register(&customerOnly)
        let lines = Self.sent(customerOnly.handle(frame: try ZVTECRCommand.payment(amountCents: 500).message.encode()))
            .filter { $0.starts(with: [0x06, 0xD1]) }
        let texts = try lines.map { bytes -> String in
            guard case .printLine(let line) = try ZVTMessage.decode(bytes) else { return "" }
            return line.text
        }
        #expect(texts.first == "KUNDENBELEG")
        #expect(!texts.contains("HÄNDLERBELEG"))
        #expect(texts.filter { $0 == "KIT-SIM ZAHLUNGSTERMINAL" }.count == 1)
    }

    @Test func everythingTheSimulatorSendsDecodesFully() throws {
        var terminal = Self.terminal()
        var frames: [[UInt8]] = []
        let commands: [ZVTMessage] = [
            .registration(
                try ZVTRegistration(password: 0, config: [.ecrPrintsPaymentReceipts, .ecrPrintsAdministrationReceipts])),
            try ZVTECRCommand.payment(amountCents: 1000).message,
            try ZVTECRCommand.payment(amountCents: 1013).message,
            .reversal(try .reversal(password: 0, receiptNumber: 1)),
            .refund(try .refund(password: 0, amountCents: 100)),
            .statusEnquiry(try ZVTPasswordCommand(password: 0)),
            .diagnosis(ZVTFieldList()),
            .endOfDay(try ZVTPasswordCommand(password: 0)),
        ]
        for command in commands {
            let steps = terminal.handle(frame: try command.encode())
            Self.commit(steps, to: &terminal)
            frames += Self.sent(steps)
        }
        #expect(frames.count > 20)
        for frame in frames {
            let message = try ZVTMessage.decode(frame)
            #expect(message.decodingIssues.isEmpty, "\(message.name): \(message.decodingIssues)")
        }
    }

    @Test func registrationOverTCPYieldsTheTerminalIDInBMP29() async throws {
        let server = try ZVTSimulatorServer(configuration: ZVTSimulatorConfiguration(terminalID: 52_523_535))
        let port = try await server.listen(port: 0)
        let transport = ZVTTCPTransport(host: "127.0.0.1", port: port)
        do {
            let completion = try await Self.registerOver(transport)
            #expect(try completion.fields.terminalID == "52523535")
        } catch {
            Issue.record("\(error)")
        }
        await transport.close()
        await server.stop()
    }

    /// Registration as an ECR library does it on the wire: send 06 00, expect 80 00 00, then
    /// acknowledge the completion.
    static func registerOver(_ transport: ZVTTCPTransport) async throws -> ZVTCompletion {
        try await transport.open()
        let registration = try ZVTRegistration(
            password: 123456, config: [.ecrPrintsPaymentReceipts, .intermediateStatus])
        try await transport.send(try ZVTMessage.registration(registration).encode())
        let ack = try #require(try await transport.receive(timeout: .seconds(5)))
        #expect(ack == [0x80, 0x00, 0x00])
        let answer = try #require(try await transport.receive(timeout: .seconds(5)))
        try await transport.send([0x80, 0x00, 0x00])
        guard case .completion(let completion) = try ZVTMessage.decode(answer) else {
            throw ZVTError.wrongCommand(expected: [0x06, 0x0F], actual: Array(answer.prefix(2)))
        }
        return completion
    }
}
