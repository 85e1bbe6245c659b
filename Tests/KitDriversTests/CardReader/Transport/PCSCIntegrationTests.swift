import Foundation
import KitDrivers
import KitSimulators
import Testing

/// Everything that needs the real pcscd with vsmartcard's vpcd readers. One serialized suite:
/// only one pcscd can run per mount namespace. Each test starts (and stops) its own pcscd.
@Suite("Card reader against a real pcscd + vpcd", .serialized, .enabled(if: PCSCTestRig.shouldRun))
struct PCSCIntegrationTests {
    static let reader = "Virtual PCD 00 00"

    private func openDevice(callTimeout: Duration = .seconds(3)) async throws -> CardReaderDevice {
        let device = CardReaderDevice(
            configuration: .init(readerName: Self.reader, shareMode: .exclusive, callTimeout: callTimeout))
        try await device.open()
        try await device.claim()
        try await device.enable()
        return device
    }

    @Test func viccInsertAndRemoveAreSeenWithinOneSecond() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let monitor = PCSCReaderMonitor()
        defer { monitor.stop() }
        let recorder = PCSCEventRecorder<PCSCReaderEvent>()
        await recorder.start(monitor.events())
        #expect(await recorder.waitFor { $0 == .readerAdded(Self.reader) } != nil)
        #expect(await recorder.waitFor { $0 == .readerAdded("Virtual PCD 00 01") } != nil)

        let started = ContinuousClock.now
        let vicc = try VICCCard()
        let inserted = try #require(
            await recorder.waitFor(since: started) {
                if case .cardInserted(Self.reader, let atr) = $0 {
                    return atr == [0x3B, 0x95, 0x13, 0x81, 0x01, 0x80, 0x73, 0xFF, 0x01, 0x00, 0x0B]
                }
                return false
            })
        // vicc needs a few hundred ms of Python start-up before it connects; pcscd then polls.
        #expect(inserted - started < .seconds(2))

        let device = try await openDevice()
        let info = try await device.connectCard()
        #expect(info.identification == .unknown)
        let response = try await device.send(try .selectFile(0x3F00))
        #expect(response.statusWord == .success)

        let pulled = ContinuousClock.now
        vicc.remove()
        let removed = try #require(await recorder.waitFor(since: pulled) { $0 == .cardRemoved(reader: Self.reader) })
        #expect(removed - pulled < .seconds(1))
        await device.close()
    }

    @Test func simulatorInsertAndRemoveAreSeenWithinOneSecond() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let device = try await openDevice()
        let recorder = PCSCEventRecorder<CardReaderDeviceEvent>()
        await recorder.start(device.events)
        let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard())
        let inserted = ContinuousClock.now
        try link.insert()
        let seenInserted = await recorder.waitFor(since: inserted, timeout: .seconds(1)) {
            $0 == .cardInserted(atr: CardSimulatorATR.iso)
        }
        #expect(seenInserted != nil)
        let removed = ContinuousClock.now
        link.remove()
        let seenRemoved = await recorder.waitFor(since: removed, timeout: .seconds(1)) { $0 == .cardRemoved }
        #expect(seenRemoved != nil)
        #expect(await device.statistics.cardInsertions == 1)
        #expect(await device.statistics.cardRemovals == 1)
        await device.close()
        #expect(await device.state == .closed)
    }

    @Test func selectAndReadBinaryRoundTrips() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard())
        try link.insert()
        defer { link.remove() }
        let device = try await openDevice()
        let info = try await device.connectCard()
        #expect(info.atr == CardSimulatorATR.iso)
        #expect(info.transmissionProtocol == .t1)

        #expect(try await device.readFile(0x0101) == CardSimulatorISOCard.greeting)
        // 1000 bytes: several short READ BINARY commands …
        #expect(try await device.readFile(0x0102) == CardSimulatorISOCard.longFile)
        // … or one extended-length APDU.
        let extended = try await device.sendExpectingSuccess(try .readBinary(offset: 0, ne: 1000))
        #expect(extended.data == CardSimulatorISOCard.longFile)
        // 61xx: the FCP arrives through GET RESPONSE.
        let fcp = try await device.sendExpectingSuccess(
            try .selectFile(0x0103, target: .elementaryFile, response: .fcp))
        #expect(fcp.data.first == 0x62)
        // 6Cxx: the command is repeated with the exact Le.
        _ = try await device.sendExpectingSuccess(try .selectFile(0x0104, target: .elementaryFile))
        let exact = try await device.sendExpectingSuccess(try .readBinary(offset: 0, ne: 256))
        #expect(exact.data == CardSimulatorISOCard.exactFile)
        // A write, read back.
        _ = try await device.sendExpectingSuccess(try .selectFile(0x0101, target: .elementaryFile))
        _ = try await device.sendExpectingSuccess(try .updateBinary(offset: 0, data: Array("Amt".utf8)))
        #expect(try await device.readFile(0x0101).prefix(3) == Array("Amt".utf8)[...])
        // A refused command is a typed error naming the status.
        await #expect(throws: CardReaderError.unexpectedStatus(.fileNotFound, command: "SELECT")) {
            _ = try await device.sendExpectingSuccess(try .selectFile(0x4711, target: .elementaryFile))
        }

        let statistics = await device.statistics
        #expect(statistics.commandsSent >= 12)
        #expect(statistics.cardConnections == 1)
        let health = await device.checkHealth(.external)
        #expect(health.isHealthy, "\(health)")
        #expect(health.selectStatus?.hasPrefix("9000") == true)
        await device.release()
        await device.close()
    }

    /// Issue #19: the clerk's cancel and the agent's stop (SIGTERM) end a wait for the card at
    /// once, not when the card wait runs out (30 s, longer than systemd's stop timeout allows).
    @Test func aCancelledCardWaitEndsAtOnce() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let device = try await openDevice()
        let waiting = Task { () -> CardReaderError? in
            do throws(CardReaderError) {
                try await device.connectCard(timeout: .seconds(30))
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = ContinuousClock.now
        waiting.cancel()
        let error = await waiting.value
        #expect(ContinuousClock.now - cancelled < .seconds(1), "the card wait went on after the cancel")
        #expect(error == .noCard(reader: Self.reader), "\(String(describing: error))")
        // The reader still works afterwards.
        let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard())
        try link.insert()
        defer { link.remove() }
        try await device.connectCard(timeout: .seconds(2))
        #expect(try await device.readFile(0x0101) == CardSimulatorISOCard.greeting)
        await device.close()
    }

    @Test func cardPulledMidExchangeIsATypedErrorAndTheReaderRecovers() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let device = try await openDevice()
        let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard(), removeAfter: 2)
        try link.insert()
        try await device.connectCard()
        _ = try await device.send(try .selectFile(0x0102, target: .elementaryFile))
        _ = try await device.send(try .readBinary(offset: 0, ne: 100))
        let third = try ISO7816CommandAPDU.readBinary(offset: 100, ne: 100)
        do {
            _ = try await device.send(third)
            Issue.record("the third command was answered by a pulled card")
        } catch {
            #expect(error.isCardRemoved, "expected a removed card, got \(error)")
        }
        #expect(link.waitUntilFinished(timeout: 2) == .removed)
        #expect(await device.statistics.communicationErrors >= 1)
        await #expect(throws: CardReaderError.notConnected) {
            _ = try await device.send(try .selectFile(0x3F00))
        }
        // A new card on the same reader works.
        let again = CardSimulatorVPCDLink(card: CardSimulatorISOCard())
        try again.insert()
        defer { again.remove() }
        try await device.connectCard(timeout: .seconds(2))
        #expect(try await device.readFile(0x0101) == CardSimulatorISOCard.greeting)
        await device.close()
    }

    @Test func paceWithRightAndWrongCANThroughPCSC() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let link = CardSimulatorVPCDLink(card: CardSimulatorTestData.npaCard())
        try link.insert()
        defer { link.remove() }
        let device = try await openDevice()
        let info = try await device.connectCard()
        #expect(info.identification == .germanIDCardTest)
        await #expect(throws: NPAPACEError.wrongPassword(.can, remainingTries: nil)) {
            _ = try await NPAPACESession.establish(over: device.transport, password: .can, digits: "654321")
        }
        let channel = try await NPAPACESession.establish(over: device.transport, password: .can, digits: "222222")
        _ = try await channel.sendExpectingSuccess(try .selectFile(NPAFile.cardAccess.fid, target: .elementaryFile))
        #expect(try await channel.readBinaryToEnd() == CardSimulatorNPACard.cardAccess)
        await device.close()
    }

    @Test func afterTAAndCATheDG17ReadsAndAWrittenDG17ReadsBackThroughPCSC() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let pki = try CardSimulatorTerminalPKI.generate()
        let card = CardSimulatorNPACard(placeOfResidence: CardSimulatorTestData.address, trustAnchor: pki.cvca)
        let link = CardSimulatorVPCDLink(card: card)
        try link.insert()
        defer { link.remove() }
        let device = try await openDevice()
        _ = try await device.connectCard()
        let session = try await NPAChangeTerminal.authenticate(
            over: device.transport, digits: "222222", credentials: try pki.credentials())
        let check = try await session.checkIdentity()
        #expect(check.identity == CardSimulatorNPACard.testIdentity)
        #expect(check.placeOfResidence == CardSimulatorTestData.address)
        try await session.writePlaceOfResidence(NPAEACTests.newAddress)
        #expect(try await session.readPlaceOfResidence() == NPAEACTests.newAddress)
        await device.close()
    }

    @Test func hostileResponsesAreTypedErrors() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let device = try await openDevice()
        let cases: [(CardSimulatorFault, (CardReaderError) -> Bool)] = [
            (.truncatedResponse, { $0 == .apdu(.responseTooShort(count: 1)) }),
            (.wrongStatus(0x6A82), { $0 == .unexpectedStatus(.fileNotFound, command: "SELECT") }),
            (.oversizedResponse(count: 300), { $0 == .responseLongerThanExpected(received: 300, expected: 0) }),
            (.oversizedResponse(count: 65_000), { $0 == .responseLongerThanExpected(received: 65_000, expected: 0) }),
        ]
        for (fault, matches) in cases {
            let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard(), fault: fault)
            try link.insert()
            try await device.connectCard(timeout: .seconds(2))
            let select = try ISO7816CommandAPDU.selectFile(0x0101, target: .elementaryFile)
            do {
                _ = try await device.sendExpectingSuccess(select)
                Issue.record("\(fault): hostile answer accepted")
            } catch {
                #expect(matches(error), "\(fault): \(error)")
            }
            await device.disconnectCard()
            link.remove()
            _ = link.waitUntilFinished(timeout: 2)
            try await Task.sleep(for: .milliseconds(600))  // let pcscd see the removal
        }
        for fault in [CardSimulatorFault.badTLVLength, .hugeLength] {
            let link = CardSimulatorVPCDLink(card: CardSimulatorTestData.npaCard(fault: fault))
            try link.insert()
            try await device.connectCard(timeout: .seconds(2))
            do {
                _ = try await NPAPACESession.establish(over: device.transport, password: .can, digits: "222222")
                Issue.record("\(fault): PACE accepted a corrupt EF.CardAccess")
            } catch {
                guard case .cardAccess = error else {
                    Issue.record("\(fault): \(error)")
                    continue
                }
            }
            await device.disconnectCard()
            link.remove()
            _ = link.waitUntilFinished(timeout: 2)
            try await Task.sleep(for: .milliseconds(600))
        }
        await device.close()
    }

    @Test func pcscdStopAndRestartAreReportedAndRecovered() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        guard daemon.pid != nil else { return }  // someone else's pcscd: do not stop it
        let device = try await openDevice()
        let recorder = PCSCEventRecorder<CardReaderDeviceEvent>()
        await recorder.start(device.events)
        daemon.stop()
        let unavailable = await recorder.waitFor(timeout: .seconds(3)) {
            if case .serviceUnavailable = $0 { return true }
            return false
        }
        #expect(unavailable != nil)
        #expect(await recorder.waitFor(timeout: .seconds(1)) { $0 == .readerLost } != nil)
        #expect(await device.state == .error)
        let unhealthy = await device.checkHealth(.internal)
        #expect(!unhealthy.serviceReachable)
        #expect(!unhealthy.isHealthy)
        try daemon.start()
        #expect(await recorder.waitFor(timeout: .seconds(3)) { $0 == .readerBack } != nil)
        #expect(await device.state == .idle)
        #expect(await device.checkHealth(.internal).serviceReachable)
        await device.close()
    }

    @Test func protocolMismatchIsATypedError() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard())
        try link.insert()
        defer { link.remove() }
        try await Task.sleep(for: .milliseconds(800))
        do {
            _ = try await PCSCCardConnection.connect(reader: Self.reader, protocols: [.t0])
            Issue.record("T=0 connection to a T=1-only card")
        } catch {
            #expect(error.code == 0x8010_000F, "\(error)")
        }
        let connection = try await PCSCCardConnection.connect(reader: Self.reader, protocols: [.t1])
        #expect(connection.activeProtocol == .t1)
        #expect(try await connection.reconnect(initialization: .reset) == .t1)
        await connection.disconnect()
    }

    @Test func muteCardTimesOutInsteadOfHanging() async throws {
        let daemon = try PCSCTestDaemon()
        defer { daemon.stop() }
        let link = CardSimulatorVPCDLink(card: CardSimulatorISOCard(), fault: .mute)
        try link.insert()
        defer { link.remove() }
        let device = try await openDevice(callTimeout: .seconds(1))
        try await device.connectCard()
        let start = ContinuousClock.now
        let select = try ISO7816CommandAPDU.selectFile(0x3F00)
        do {
            _ = try await device.send(select)
            Issue.record("a mute card answered")
        } catch {
            guard case .pcsc(let pcsc) = error else {
                Issue.record("expected a PC/SC error, got \(error)")
                return
            }
            #expect(pcsc.isTimeout || pcsc.isCardGone, "\(pcsc)")
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        link.remove()
        await device.close()
    }
}
