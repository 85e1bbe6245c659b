import Testing

@testable import KitDrivers

/// Flows of the ECR session against terminal messages written the way terminals send them.
@Suite struct ZVTECRSessionTests {
    typealias Hex = ZVTTestSupport

    static let ack = Hex.bytes("80 00 00")
    /// Status information of an approved girocard payment of 12.34 EUR: result 00, amount, trace 42,
    /// time, date, masked PAN (E nibbles), terminal ID, currency, receipt 7, card type, card name.
    static let approvedStatus = frame(
        "04 0F",
        """
        27 00 04 00 00 00 00 12 34 0B 00 00 42 0C 10 15 30 0D 11 24
        22 F0 F8 67 25 59 EE EE EE 12 34 29 29 00 12 34 49 09 78 87 00 07 8A 05
        8B F0 F9 67 69 72 6F 63 61 72 64 00
        """)

    /// `CLASS INSTR LEN DATA` with the length counted (short form).
    static func frame(_ control: String, _ data: String) -> [UInt8] {
        let body = Hex.bytes(data)
        return Hex.bytes(control) + [UInt8(truncatingIfNeeded: body.count)] + body
    }

    static func session(_ command: ZVTECRCommand, timeouts: ZVTSessionTimeouts = ZVTSessionTimeouts())
        throws -> (ZVTECRSession, [ZVTSessionAction])
    {
        var session = ZVTECRSession(command: command, timeouts: timeouts)
        let actions = try session.start()
        return (session, actions)
    }

    static func sent(_ actions: [ZVTSessionAction]) -> [[UInt8]] {
        actions.compactMap { if case .send(let apdu) = $0 { return apdu.encode() } else { return nil } }
    }

    static func finished(_ actions: [ZVTSessionAction]) -> ZVTSessionResult? {
        for action in actions { if case .finish(let result) = action { return result } }
        return nil
    }

    static func timer(_ actions: [ZVTSessionAction]) -> ZVTSessionTimer? {
        for action in actions { if case .startTimer(let timer, _) = action { return timer } }
        return nil
    }

    @Test func approvedPaymentFlow() throws {
        var (session, actions) = try Self.session(.payment(amountCents: 1234))
        #expect(Self.sent(actions) == [Hex.bytes("06 01 0A 04 00 00 00 00 12 34 49 09 78")])
        #expect(Self.timer(actions)?.kind == .acknowledgement)
        #expect(session.state == .awaitingAcknowledgement)

        actions = session.receive(frame: Self.ack)
        #expect(Self.timer(actions)?.kind == .terminalActivity)
        #expect(session.state == .terminalMaster)

        actions = session.receive(frame: Hex.bytes("04 FF 01 0A"))
        #expect(Self.sent(actions) == [Self.ack])
        #expect(actions.contains(.intermediateStatus(.insertCard)))

        actions = session.receive(frame: Self.approvedStatus)
        #expect(Self.sent(actions) == [Self.ack])

        actions = session.receive(frame: Hex.bytes("06 D1 0A 00 42 65 74 72 61 67 20 4F 4B"))
        #expect(actions.contains(.receiptLine(ZVTReceiptLine(text: "Betrag OK", attribute: 0))))
        actions = session.receive(frame: Hex.bytes("06 D1 05 FF 45 6E 64 65"))

        actions = session.receive(frame: Hex.bytes("06 0F 00"))
        #expect(Self.sent(actions) == [Self.ack])
        let result = try #require(Self.finished(actions))
        let details = try #require(result.outcome.approvedDetails)
        #expect(details.amountCents == 1234)
        #expect(details.traceNumber == 42)
        #expect(details.receiptNumber == 7)
        #expect(details.terminalID == "29001234")
        #expect(details.cardName == "girocard")
        #expect(details.maskedPAN == "************1234")
        #expect(details.date == "11-24")
        #expect(details.time == "10:15:30")
        #expect(details.currencyCode == 978)
        #expect(result.receipt.map(\.text) == ["Betrag OK", "Ende"])
        #expect(result.receipt.last?.isLastLine == true)
        #expect(session.state == .finished)
        #expect(session.receive(frame: Self.ack).isEmpty)
    }

    @Test func declinedPaymentCarriesResultCodeAndGermanText() throws {
        var (session, _) = try Self.session(.payment(amountCents: 1213))
        _ = session.receive(frame: Self.ack)
        _ = session.receive(frame: Self.frame("04 0F", "27 6E 04 00 00 00 00 12 13 0B 00 00 43"))
        let actions = session.receive(frame: Hex.bytes("06 1E 01 6E"))
        #expect(Self.sent(actions) == [Self.ack])
        let result = try #require(Self.finished(actions))
        guard case .declined(let decline) = result.outcome else {
            Issue.record("expected a decline, got \(result.outcome)")
            return
        }
        #expect(decline.resultCode.rawValue == 0x6E)
        #expect(decline.germanText == "Karte auf Sperrliste")
        #expect(decline.source == .abort)
        #expect(decline.details?.traceNumber == 43)
        #expect(!result.outcome.needsRecovery)
    }

    @Test func statusInformationErrorEndedByCompletionIsADecline() throws {
        var (session, _) = try Self.session(.payment(amountCents: 500))
        _ = session.receive(frame: Self.ack)
        _ = session.receive(frame: Hex.bytes("04 0F 02 27 05"))
        let result = try #require(Self.finished(session.receive(frame: Hex.bytes("06 0F 00"))))
        guard case .declined(let decline) = result.outcome else {
            Issue.record("expected a decline")
            return
        }
        #expect(decline.resultCode.rawValue == 0x05)
        #expect(decline.source == .statusInformation)
    }

    @Test func cardholderAbortAndECRAbort() throws {
        var (session, _) = try Self.session(.payment(amountCents: 100))
        _ = session.receive(frame: Self.ack)
        let timeout = try #require(Self.finished(session.receive(frame: Hex.bytes("06 1E 01 6C"))))
        #expect(timeout.outcome == .aborted(ZVTDecline(resultCode: .abortedByTimeoutOrKey, source: .abort)))

        var (second, _) = try Self.session(.payment(amountCents: 100))
        _ = second.receive(frame: Self.ack)
        _ = second.receive(frame: Hex.bytes("04 FF 01 0A"))
        #expect(Self.sent(second.requestAbort()) == [Hex.bytes("06 B0 00")])
        #expect(second.requestAbort().isEmpty, "abort is sent once")
        #expect(second.receive(frame: Self.ack).isEmpty, "an acknowledgement of 06 B0 changes nothing")
        let aborted = try #require(Self.finished(second.receive(frame: Hex.bytes("06 1E 01 6C"))))
        guard case .aborted = aborted.outcome else {
            Issue.record("expected abort")
            return
        }
    }

    @Test func negativeAcknowledgementIsATypedRefusal() throws {
        var (session, _) = try Self.session(.payment(amountCents: 100))
        let result = try #require(Self.finished(session.receive(frame: Hex.bytes("84 83 00"))))
        #expect(
            result.outcome == .declined(ZVTDecline(resultCode: .functionNotPossible, source: .negativeAcknowledgement)))
        #expect(result.outcome.germanText.contains("Funktion nicht möglich"))
    }

    @Test func pleaseWaitExtendsTheWaitThenTheFlowGoesOn() throws {
        let timeouts = ZVTSessionTimeouts(acknowledgement: .seconds(5), cardholder: .seconds(120))
        var (session, _) = try Self.session(.endOfDay(ZVTPasswordCommand(password: 0)), timeouts: timeouts)
        let actions = session.receive(frame: Hex.bytes("84 9C 00"))
        guard case .startTimer(let timer, let duration)? = actions.first else {
            Issue.record("expected a timer")
            return
        }
        #expect(timer.kind == .terminalActivity)
        #expect(duration == .seconds(120))
        _ = session.receive(frame: Self.ack)
        _ = session.receive(frame: Self.frame("04 0F", "27 00 04 00 00 00 01 00 00 0B 00 00 09"))
        let result = try #require(Self.finished(session.receive(frame: Hex.bytes("06 0F 00"))))
        #expect(result.outcome.approvedDetails?.amountCents == 10000)
    }

    @Test func acknowledgementTimeoutMakesTheOutcomeUnknown() throws {
        let timeouts = ZVTSessionTimeouts(acknowledgement: .milliseconds(250), cardholder: .seconds(1))
        var (session, actions) = try Self.session(.payment(amountCents: 100), timeouts: timeouts)
        let timer = try #require(Self.timer(actions))
        let stale = ZVTSessionTimer(kind: .acknowledgement, generation: timer.generation - 1)
        #expect(session.timerExpired(stale).isEmpty, "an expiry of a replaced timer is ignored")
        let result = try #require(Self.finished(session.timerExpired(timer)))
        #expect(result.outcome == .unknown(.acknowledgementTimeout(milliseconds: 250)))
        #expect(result.outcome.needsRecovery)
    }

    @Test func silenceAfterAcknowledgementIsACompletionTimeout() throws {
        let timeouts = ZVTSessionTimeouts(acknowledgement: .seconds(5), cardholder: .milliseconds(1500))
        var (session, _) = try Self.session(.payment(amountCents: 100), timeouts: timeouts)
        let actions = session.receive(frame: Self.ack)
        let timer = try #require(Self.timer(actions))
        let later = session.receive(frame: Hex.bytes("04 FF 01 0A"))
        #expect(session.timerExpired(timer).isEmpty, "every terminal message restarts the wait")
        let laterTimer = try #require(Self.timer(later))
        let result = try #require(Self.finished(session.timerExpired(laterTimer)))
        #expect(result.outcome == .unknown(.completionTimeout(milliseconds: 1500)))
    }

    @Test func connectionLostAfterApprovalStatusIsUnknown() throws {
        var (session, _) = try Self.session(.payment(amountCents: 1234))
        _ = session.receive(frame: Self.ack)
        _ = session.receive(frame: Self.approvedStatus)
        let result = try #require(Self.finished(session.connectionLost(reason: "peer closed")))
        #expect(result.outcome == .unknown(.connectionLost(reason: "peer closed")))
    }

    @Test func logOffAndStandaloneAbortEndWithTheAcknowledgement() throws {
        var (logOff, actions) = try Self.session(.logOff)
        #expect(Self.sent(actions) == [Hex.bytes("06 02 00")])
        #expect(Self.finished(logOff.receive(frame: Self.ack))?.outcome.approvedDetails != nil)
        var (abort, abortActions) = try Self.session(.abort)
        #expect(Self.sent(abortActions) == [Hex.bytes("06 B0 00")])
        #expect(abort.requestAbort().isEmpty)
        #expect(Self.finished(abort.receive(frame: Self.ack)) != nil)
    }

    @Test func registrationReportsSoftwareVersionAndStatus() throws {
        let registration = try ZVTRegistration(
            password: 123456, config: [.ecrPrintsPaymentReceipts, .intermediateStatus], currencyCode: 978)
        var (session, actions) = try Self.session(.registration(registration))
        #expect(Self.sent(actions) == [Hex.bytes("06 00 06 12 34 56 0A 09 78")])
        _ = session.receive(frame: Self.ack)
        let result = try #require(
            Self.finished(session.receive(frame: Hex.bytes("06 0F 09 F0 F0 F5 56 31 2E 32 33 00"))))
        #expect(result.softwareVersion == "V1.23")
        #expect(result.terminalStatus == 0)
    }

    @Test func commandsEncodeAsTheSpecSays() throws {
        let password = try ZVTPasswordCommand(password: 0)
        let cases: [(ZVTECRCommand, String)] = [
            (.reversal(try .reversal(password: 0, receiptNumber: 7)), "06 30 06 00 00 00 87 00 07"),
            (.refund(try .refund(password: 0, amountCents: 250)), "06 31 0D 00 00 00 04 00 00 00 00 02 50 49 09 78"),
            (.endOfDay(password), "06 50 03 00 00 00"),
            (.diagnosis(ZVTFieldList()), "06 70 00"),
            (.statusEnquiry(password), "05 01 03 00 00 00"),
            (.repeatReceipt(password), "06 20 03 00 00 00"),
        ]
        for (command, hex) in cases {
            #expect(try command.message.encode() == Hex.bytes(hex), "\(command.kind)")
        }
        #expect(try ZVTECRCommand.payment(amountCents: 1).movesMoney)
        #expect(!ZVTECRCommand.diagnosis(ZVTFieldList()).movesMoney)
    }

    @Test func textBlockReceiptBecomesLines() throws {
        var (session, _) = try Self.session(.payment(amountCents: 100))
        _ = session.receive(frame: Self.ack)
        let block = try ZVTPrintTextBlock(lines: ["Kundenbeleg", "Danke"], receiptType: 0x02)
        let actions = session.receive(try ZVTMessage.printTextBlock(block).apdu())
        #expect(
            actions.filter { if case .receiptLine = $0 { return true } else { return false } }.count == 2)
        let result = try #require(Self.finished(session.receive(frame: Hex.bytes("06 0F 00"))))
        #expect(
            result.receipt == [
                ZVTReceiptLine(text: "Kundenbeleg", receiptType: 2), ZVTReceiptLine(text: "Danke", receiptType: 2),
            ])
    }

    @Test func unmaskedCardNumberNeverLeavesTheSession() throws {
        var (session, _) = try Self.session(.payment(amountCents: 100))
        _ = session.receive(frame: Self.ack)
        let actions = session.receive(frame: Self.frame("04 0F", "22 F0 F8 49 99 12 34 56 78 90 12"))
        for action in actions {
            #expect(!"\(action)".contains("4999123456789012"))
        }
        let result = try #require(Self.finished(session.receive(frame: Hex.bytes("06 0F 00"))))
        #expect(result.outcome.approvedDetails?.maskedPAN == "************9012")
        #expect(!"\(result)".contains("49991234"))
    }

    // MARK: - Hostile input

    @Test func unknownAndMalformedMessagesAreAnsweredAndSkipped() throws {
        var (session, _) = try Self.session(.payment(amountCents: 100))
        _ = session.receive(frame: Self.ack)
        var actions = session.receive(frame: Hex.bytes("0F 0A 02 12 34"))
        #expect(Self.sent(actions) == [Hex.bytes("84 83 00")])
        #expect(actions.contains(.anomaly(.unexpectedMessage(name: "Unknown command 0F 0A"))))
        actions = session.receive(frame: Hex.bytes("04 FF 00"))
        #expect(Self.sent(actions) == [Hex.bytes("84 9A 00")])
        actions = session.receive(frame: Hex.bytes("06 01 02 04 00"))
        #expect(Self.sent(actions) == [Hex.bytes("84 83 00")], "an ECR command from the terminal is refused")
        actions = session.receive(frame: Hex.bytes("04 0F FF FF FF 01"))
        #expect(Self.sent(actions) == [Hex.bytes("84 9A 00")], "an absurd length is a malformed frame")
        actions = session.receive(frame: [])
        #expect(Self.sent(actions) == [Hex.bytes("84 9A 00")])
        #expect(session.state == .terminalMaster)
        let result = try #require(Self.finished(session.receive(frame: Hex.bytes("06 0F 00"))))
        #expect(result.anomalies.count == 5)
    }

    @Test func tooManyAnomaliesGiveUpWithUnknownOutcome() throws {
        var session = ZVTECRSession(command: try .payment(amountCents: 100), maximumAnomalies: 3)
        _ = try session.start()
        _ = session.receive(frame: Self.ack)
        var result: ZVTSessionResult?
        for _ in 0..<10 where result == nil {
            result = Self.finished(session.receive(frame: Hex.bytes("0F 0F 00")))
        }
        #expect(result?.outcome == .unknown(.tooManyProtocolErrors(count: 4)))
    }

    @Test func fuzzedFramesNeverCrashAndFinishAtMostOnce() throws {
        var random = ZVTTestRandom(seed: 0x5A17_0006)
        let prefixes: [[UInt8]] = [
            [0x04, 0x0F], [0x04, 0xFF], [0x06, 0x0F], [0x06, 0x1E], [0x06, 0xD1], [0x06, 0xD3], [0x80, 0x00],
            [0x84, 0x9C], [0x84, 0x83],
        ]
        for round in 0..<400 {
            var session = ZVTECRSession(command: try .payment(amountCents: 100 + round), maximumAnomalies: 64)
            _ = try session.start()
            var finishes = 0
            for _ in 0..<12 {
                var frame: [UInt8]
                if Bool.random(using: &random) {
                    let prefix = prefixes[Int.random(in: 0..<prefixes.count, using: &random)]
                    let body = random.bytes(count: Int.random(in: 0..<40, using: &random))
                    frame = prefix + [UInt8(body.count)] + body
                } else {
                    frame = random.bytes(count: Int.random(in: 0..<24, using: &random))
                }
                let actions = session.receive(frame: frame)
                finishes += actions.filter { if case .finish = $0 { return true } else { return false } }.count
            }
            #expect(finishes <= 1)
            if finishes == 1 { #expect(session.state == .finished) }
        }
    }

    @Test func recordedTerminalMessagesAreAnsweredWithoutCrash() throws {
        let recordings = try ZVTTestSupport.goldenRecordings().filter { $0.name.contains("pt_ecr") }
        for recording in recordings {
            var (session, _) = try Self.session(.payment(amountCents: 100))
            _ = session.receive(frame: Self.ack)
            var decoder = ZVTFrameDecoder()
            decoder.feed(recording.bytes)
            while let frame = try decoder.nextFrame() {
                let actions = session.receive(frame: frame)
                #expect(!actions.isEmpty || session.state == .finished, "\(recording.name)")
            }
        }
    }
}

@Suite struct ZVTTransactionDetailsTests {
    @Test func maskingKeepsOnlyTheLastFourDigits() {
        #expect(ZVTTransactionDetails.maskPAN("4999123456789012") == "************9012")
        #expect(ZVTTransactionDetails.maskPAN("672559******1234") == "************1234")
        #expect(ZVTTransactionDetails.maskPAN("12") == "12")
        #expect(ZVTTransactionDetails.maskPAN("") == "")
        let details = ZVTTransactionDetails(maskedPAN: "4999123456789012")
        #expect(details.maskedPAN == "************9012")
    }

    @Test func mergingKeepsOlderValuesTheNewerMessageLacks() {
        let first = ZVTTransactionDetails(amountCents: 100, traceNumber: 5)
        let second = ZVTTransactionDetails(resultCode: 0, receiptNumber: 9)
        let merged = first.merging(second)
        #expect(merged.amountCents == 100)
        #expect(merged.traceNumber == 5)
        #expect(merged.receiptNumber == 9)
        #expect(merged.resultCode == 0)
    }
}
