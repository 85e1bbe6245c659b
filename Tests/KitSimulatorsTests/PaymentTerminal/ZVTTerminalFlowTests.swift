import Foundation
import KitDrivers
import KitSimulators
import Testing

/// Payment, decline, reversal, refund, end-of-day and diagnosis against the simulator, over TCP
/// and over a pty with serial framing (issue #6, acceptance 2).
@Suite struct ZVTTerminalFlowTests {
    enum Link: String, CaseIterable, Sendable {
        case tcp, pty
    }

    static func rig(
        _ link: Link,
        _ configuration: ZVTSimulatorConfiguration = ZVTSimulatorConfiguration(cardDelay: .milliseconds(20))
    )
        async throws -> ZVTSimulatorRig
    {
        switch link {
        case .tcp: return try await ZVTSimulatorRig.tcp(configuration)
        case .pty: return try await ZVTSimulatorRig.pty(configuration)
        }
    }

    @Test(arguments: Link.allCases)
    func fullDayOfBusiness(_ link: Link) async throws {
        let rig = try await Self.rig(link)
        try await rig.ready()
        let log = ZVTEventLog()

        let payment = try await rig.terminal.pay(amountCents: 1234, onEvent: log.handler)
        let approved = try #require(payment.approvedDetails, "\(payment)")
        #expect(approved.amountCents == 1234)
        #expect(approved.traceNumber == 1)
        #expect(approved.receiptNumber == 1)
        #expect(approved.terminalID == "29001234")
        #expect(approved.cardName == "girocard")
        #expect(approved.maskedPAN == "************1234")
        #expect(log.intermediateStatuses.contains(0x0A))
        #expect(log.receiptText.contains("Betrag EUR 12,34"))

        let declined = try await rig.terminal.pay(amountCents: 1213)
        guard case .declined(let decline) = declined else {
            Issue.record("expected decline, got \(declined)")
            return
        }
        #expect(decline.resultCode.rawValue == 0x6E)
        #expect(decline.germanText == "Karte auf Sperrliste")

        let reversal = try await rig.terminal.reverse(receiptNumber: 1)
        #expect(reversal.approvedDetails?.originalTraceNumber == 1)
        let again = try await rig.terminal.reverse(receiptNumber: 1)
        guard case .declined(let already) = again else {
            Issue.record("expected 'already reversed', got \(again)")
            return
        }
        #expect(already.resultCode == .alreadyReversed)

        let refund = try await rig.terminal.refund(amountCents: 500)
        #expect(refund.approvedDetails?.amountCents == 500)

        let payment2 = try await rig.terminal.pay(amountCents: 2000)
        #expect(payment2.approvedDetails != nil)

        let endOfDay = try await rig.terminal.endOfDay()
        #expect(endOfDay.outcome.approvedDetails?.amountCents == 1500)
        #expect(endOfDay.receipt.map(\.text).contains("KASSENSCHNITT"))

        let diagnosis = try await rig.terminal.diagnosis()
        #expect(diagnosis.receipt.map(\.text).contains("DIAGNOSE"))

        let status = try await rig.terminal.statusEnquiry()
        #expect(status.softwareVersion == "KIT-SIM ZVT 1.0")

        let health = await rig.terminal.checkHealth(.internal)
        #expect(health.isHealthy, "\(health.text)")
        let external = await rig.terminal.checkHealth(.external)
        #expect(external.isHealthy, "\(external.text)")
        #expect(external.receipt.map(\.text).contains("DIAGNOSE"))

        let repeated = try await rig.terminal.repeatReceipt()
        #expect(repeated.outcome.approvedDetails?.traceNumber == payment2.approvedDetails?.traceNumber)
        try await rig.terminal.abortTerminal()

        let journal = await rig.server.journal
        #expect(journal.commands["abort"] == 1)
        #expect(journal.authorizationRequests == 3)
        #expect(journal.approvedAuthorizations == 2)
        let statistics = await rig.terminal.statistics
        #expect(statistics.lastTraceNumber != nil)
        #expect(statistics.communicationErrors == 0)
        #expect(statistics.softwareVersion == "KIT-SIM ZVT 1.0")
        #expect(statistics.terminalID == "29001234", "BMP 29 of the registration completion")
        await rig.terminal.release()
        await rig.shutDown()
    }

    @Test func textBlockReceiptsWhenRegisteredForThem() async throws {
        let server = try ZVTSimulatorServer(configuration: ZVTSimulatorConfiguration(cardDelay: .milliseconds(10)))
        let port = try await server.listen(port: 0)
        let terminal = ZVTTerminal(
            transport: ZVTTCPTransport(host: "127.0.0.1", port: port),
            configuration: ZVTTerminalConfiguration(
                registrationConfig: [.ecrPrintsPaymentReceipts, .receiptsAsTextBlocks, .intermediateStatus],
                timeouts: ZVTSimulatorRig.patientTimeouts))
        try await terminal.open()
        try await terminal.claim()
        try await terminal.enable()
        let log = ZVTEventLog()
        let outcome = try await terminal.pay(amountCents: 990, onEvent: log.handler)
        #expect(outcome.approvedDetails != nil)
        #expect(log.receiptText.contains("Betrag EUR 9,90"))
        await terminal.close()
        await server.stop()
    }

    @Test func lifeCycleIsEnforced() async throws {
        let rig = try await ZVTSimulatorRig.tcp()
        await #expect(throws: ZVTTerminalError.closed) { _ = try await rig.terminal.pay(amountCents: 100) }
        try await rig.terminal.open()
        #expect(await rig.terminal.state == .idle)
        await #expect(throws: ZVTTerminalError.notClaimed) { _ = try await rig.terminal.pay(amountCents: 100) }
        try await rig.terminal.claim()
        await #expect(throws: ZVTTerminalError.disabled) { _ = try await rig.terminal.pay(amountCents: 100) }
        try await rig.terminal.enable()
        await #expect(throws: ZVTTerminalError.invalidRequest(.bcdValueOutOfRange(value: -5, byteCount: 6))) {
            _ = try await rig.terminal.pay(amountCents: -5)
        }
        await rig.shutDown()
        #expect(await rig.terminal.state == .closed)
    }

    @Test func unreachableTerminalIsATypedError() async throws {
        // Grab a free port and close it again, so nothing listens there.
        let server = try ZVTSimulatorServer(configuration: ZVTSimulatorConfiguration())
        let port = try await server.listen(port: 0)
        await server.stop()
        try await Task.sleep(for: .milliseconds(200))
        let terminal = ZVTTerminal(transport: ZVTTCPTransport(host: "127.0.0.1", port: port))
        do {
            try await terminal.open()
            Issue.record("open should fail")
        } catch {
            guard case .unreachable(.unreachable(let endpoint, _)) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(endpoint == "127.0.0.1:\(port)")
            #expect(error.description.contains("not reachable"))
        }
        #expect(await terminal.power == .offline)
        let health = await terminal.checkHealth(.external)
        #expect(!health.isHealthy)
        #expect(health.text.contains("not reachable"))
        let serial = ZVTTerminal(transport: ZVTSerialTransport(path: "/nonexistent/ttyZVT"))
        await #expect(
            throws: ZVTTerminalError.unreachable(.cannotOpenDevice(path: "/nonexistent/ttyZVT", errno: ENOENT))
        ) {
            try await serial.open()
        }
    }

    @Test func clerkCanAbortWhileTheCardIsAwaited() async throws {
        let rig = try await ZVTSimulatorRig.tcp(ZVTSimulatorConfiguration(cardDelay: .seconds(8)))
        try await rig.ready()
        let terminal = rig.terminal
        let payment = Task { try await terminal.pay(amountCents: 700) }
        try await Task.sleep(for: .milliseconds(300))
        await terminal.requestAbort()
        let outcome = try await payment.value
        guard case .aborted(let decline) = outcome else {
            Issue.record("expected abort, got \(outcome)")
            return
        }
        #expect(decline.resultCode == .abortedByTimeoutOrKey)
        #expect(await rig.server.journal.approvedAuthorizations == 0)
        await rig.shutDown()
    }

    @Test func expiredCardRule() async throws {
        let rig = try await ZVTSimulatorRig.pty(ZVTSimulatorConfiguration(card: .expired, cardDelay: .milliseconds(10)))
        try await rig.ready()
        let outcome = try await rig.terminal.pay(amountCents: 1000)
        guard case .declined(let decline) = outcome else {
            Issue.record("expected decline, got \(outcome)")
            return
        }
        #expect(decline.resultCode == .cardExpired)
        await rig.shutDown()
    }
}
