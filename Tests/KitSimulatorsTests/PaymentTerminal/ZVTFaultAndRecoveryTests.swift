import Foundation
import KitDrivers
import KitSimulators
import Testing

/// Injected faults, and crash-safe recovery of a payment whose outcome was not recorded
/// (issue #6, acceptance 3 and 4).
@Suite struct ZVTFaultAndRecoveryTests {
    static func configuration(_ faults: Set<ZVTSimulatorConfiguration.Fault>, count: Int? = nil)
        -> ZVTSimulatorConfiguration
    {
        ZVTSimulatorConfiguration(faults: faults, faultCount: count, cardDelay: .milliseconds(20))
    }

    @Test func missingAcknowledgementRunsIntoT3() async throws {
        let rig = try await ZVTSimulatorRig.tcp(
            Self.configuration([.noAck], count: 1), timeouts: ZVTSimulatorRig.shortAcknowledgement)
        try await rig.terminal.open()
        do {
            try await rig.terminal.claim()
            Issue.record("claim should fail")
        } catch {
            #expect(error == .outcomeUnknown(.acknowledgementTimeout(milliseconds: 600)))
        }
        #expect(await rig.terminal.statistics.unknownOutcomes == 1)
        #expect(await rig.terminal.state == .error)
        await rig.terminal.close()
        // The fault applied once: the terminal answers again.
        let next = rig.restartedTerminal()
        try await next.open()
        try await next.claim()
        try await next.enable()
        #expect(try await next.pay(amountCents: 100).approvedDetails != nil)
        await next.close()
        await rig.shutDown()
    }

    @Test func cardholderAbortIsReported() async throws {
        let rig = try await ZVTSimulatorRig.tcp(Self.configuration([.abort]))
        try await rig.ready()
        let outcome = try await rig.terminal.pay(amountCents: 100)
        #expect(outcome == .aborted(ZVTDecline(resultCode: .abortedByTimeoutOrKey, source: .abort)))
        #expect(await rig.server.journal.approvedAuthorizations == 0)
        await rig.shutDown()
    }

    @Test(arguments: [ZVTTerminalFlowTests.Link.tcp, .pty])
    func splitFramesAreReassembled(_ link: ZVTTerminalFlowTests.Link) async throws {
        let rig = try await ZVTTerminalFlowTests.rig(link, Self.configuration([.splitFrames]))
        try await rig.ready()
        let log = ZVTEventLog()
        let outcome = try await rig.terminal.pay(amountCents: 4711, onEvent: log.handler)
        #expect(outcome.approvedDetails?.amountCents == 4711)
        #expect(log.receiptText.contains("Betrag EUR 47,11"))
        await rig.shutDown()
    }

    @Test(arguments: [ZVTTerminalFlowTests.Link.tcp, .pty])
    func garbageIsAnsweredAndThePaymentStillCompletes(_ link: ZVTTerminalFlowTests.Link) async throws {
        let rig = try await ZVTTerminalFlowTests.rig(link, Self.configuration([.garbage]))
        try await rig.ready()
        let log = ZVTEventLog()
        let outcome = try await rig.terminal.pay(amountCents: 2500, onEvent: log.handler)
        #expect(outcome.approvedDetails?.amountCents == 2500)
        // The vendor command and the empty 04 FF; the 04 0F with a cut-off PAN is kept leniently.
        #expect(log.anomalies == 2)
        #expect(await rig.terminal.statistics.protocolAnomalies == 2)
        await rig.shutDown()
    }

    /// The link drops after the terminal approved and before the completion: the payment is
    /// unknown, further payments are refused, and recovery finds the approval — with exactly one
    /// authorization seen by the terminal.
    @Test(arguments: [ZVTTerminalFlowTests.Link.tcp, .pty])
    func disconnectAfterApprovalIsRecoveredWithoutSecondCharge(_ link: ZVTTerminalFlowTests.Link) async throws {
        let journalURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("zvt-journal-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: journalURL) }
        let configuration = Self.configuration([.disconnectMidTransaction], count: 1)
        let rig: ZVTSimulatorRig
        switch link {
        case .tcp: rig = try await ZVTSimulatorRig.tcp(configuration, journalURL: journalURL)
        case .pty:
            // A serial line that goes silent is only noticed by the card-holder timeout.
            rig = try await ZVTSimulatorRig.pty(
                configuration,
                timeouts: ZVTSessionTimeouts(acknowledgement: .milliseconds(600), cardholder: .milliseconds(700)))
        }
        try await rig.ready()
        let previousTrace = await rig.terminal.statistics.lastTraceNumber
        let intent = ZVTPaymentIntent(id: "fee-42", amountCents: 3150, previousTraceNumber: previousTrace)

        let outcome = try await rig.terminal.pay(amountCents: 3150)
        #expect(outcome.needsRecovery, "\(outcome)")
        await #expect(throws: ZVTTerminalError.unresolvedPayment) { _ = try await rig.terminal.pay(amountCents: 3150) }
        await rig.terminal.close()

        // The agent restarts: a new driver resolves the intent with the terminal.
        let terminal = rig.restartedTerminal()
        let recovered = await terminal.recover(intent)
        guard case .approved(let details, let receipt) = recovered else {
            Issue.record("expected approval, got \(recovered)")
            return
        }
        #expect(details.amountCents == 3150)
        #expect(details.traceNumber == 1)
        #expect(details.receiptNumber == 1)
        #expect(receipt.map(\.text).contains("** DUPLIKAT **"))
        let journal = await rig.server.journal
        #expect(journal.authorizationRequests == 1)
        #expect(journal.approvedAuthorizations == 1)
        #expect(journal.commands["statusEnquiry"] == 1)
        #expect(journal.commands["repeatReceipt"] == 1)
        if link == .tcp {
            let written = try ZVTSimulatorJournal.read(from: journalURL)
            #expect(written.authorizationRequests == 1)
        }
        // The same driver is blocked until recover resolves the payment.
        try await rig.terminal.open()
        try await rig.terminal.claim()
        try await rig.terminal.enable()
        await #expect(throws: ZVTTerminalError.unresolvedPayment) { _ = try await rig.terminal.pay(amountCents: 100) }
        guard case .approved = await rig.terminal.recover(intent) else {
            Issue.record("the second recovery should find the same approval")
            return
        }
        #expect(try await rig.terminal.pay(amountCents: 100).approvedDetails != nil)
        #expect(await rig.server.journal.authorizationRequests == 2)
        await terminal.close()
        await rig.shutDown()
    }

    /// A fresh driver (the agent after a restart) resolves an intent whose 06 01 never left the kit.
    @Test func intentThatNeverReachedTheTerminalIsNotDone() async throws {
        let server = try ZVTSimulatorServer(configuration: ZVTSimulatorConfiguration(cardDelay: .milliseconds(20)))
        let port = try await server.listen(port: 0)
        let configuration = ZVTTerminalConfiguration(timeouts: ZVTSimulatorRig.patientTimeouts)
        let before = ZVTTerminal(
            transport: ZVTTCPTransport(host: "127.0.0.1", port: port), configuration: configuration)
        try await before.open()
        try await before.claim()
        try await before.enable()
        let earlier = try await before.pay(amountCents: 800)
        let trace = try #require(earlier.approvedDetails?.traceNumber)
        await before.close()

        // After the restart: the intent for 19.00 was committed, but 06 01 was never sent.
        let after = ZVTTerminal(transport: ZVTTCPTransport(host: "127.0.0.1", port: port), configuration: configuration)
        let intent = ZVTPaymentIntent(id: "fee-43", amountCents: 1900, previousTraceNumber: trace)
        let result = await after.recover(intent)
        guard case .notDone = result else {
            Issue.record("expected not done, got \(result)")
            return
        }
        let byRecords = await after.recover(
            ZVTPaymentIntent(id: "fee-44", amountCents: 800), recordedTraceNumbers: [trace])
        guard case .notDone = byRecords else {
            Issue.record("expected not done, got \(byRecords)")
            return
        }
        #expect(await server.journal.authorizationRequests == 1)
        await after.close()
        await server.stop()
    }

    @Test func recoveryWithUnreachableTerminalStaysUnknown() async throws {
        let terminal = ZVTTerminal(
            transport: ZVTTCPTransport(
                configuration: .init(host: "127.0.0.1", port: 1, connectTimeout: .milliseconds(300))))
        let result = await terminal.recover(ZVTPaymentIntent(id: "x", amountCents: 100))
        guard case .stillUnknown(let reason) = result else {
            Issue.record("expected still unknown, got \(result)")
            return
        }
        #expect(reason.contains("not reachable"))
    }
}
