import KitDrivers
import KitSimulators
import Testing

/// PACE and secure messaging between the driver (terminal role) and the simulated chip, both
/// through OpenPACE, without a reader in between.
@Suite("PACE with CAN/PIN/PUK and secure messaging (OpenPACE, in memory)")
struct NPAPACETests {
    @Test func paceWithTheRightCANGivesAWorkingSecureChannel() async throws {
        let transport = CardSimulatorDirectTransport(card: CardSimulatorTestData.npaCard())
        let channel = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
        let select = try ISO7816CommandAPDU.selectFile(NPAFile.cardAccess.fid, target: .elementaryFile)
        _ = try await channel.sendExpectingSuccess(select)
        let content = try await channel.readBinaryToEnd()
        #expect(content == CardSimulatorNPACard.cardAccess)
        // The APDUs on the wire were protected: class byte 0C, no plain file content.
        let last = try #require(transport.log.last)
        #expect(last[0] & 0x0C == 0x0C)
    }

    @Test func wrongCANIsAClearError() async throws {
        let transport = CardSimulatorDirectTransport(card: CardSimulatorTestData.npaCard())
        await #expect(throws: NPAPACEError.wrongPassword(.can, remainingTries: nil)) {
            _ = try await NPAPACESession.establish(over: transport, password: .can, digits: "123456")
        }
    }

    @Test func wrongPINCountsDownAndSuspendsThenCANResumes() async throws {
        let card = CardSimulatorTestData.npaCard()
        let transport = CardSimulatorDirectTransport(card: card)
        await #expect(throws: NPAPACEError.wrongPassword(.pin, remainingTries: 2)) {
            _ = try await NPAPACESession.establish(over: transport, password: .pin, digits: "999999")
        }
        await #expect(throws: NPAPACEError.wrongPassword(.pin, remainingTries: 1)) {
            _ = try await NPAPACESession.establish(over: transport, password: .pin, digits: "999999")
        }
        await #expect(throws: NPAPACEError.passwordSuspended(.pin)) {
            _ = try await NPAPACESession.establish(over: transport, password: .pin, digits: "111111")
        }
        // Suspended PIN: CAN first, then the PIN inside the CAN channel.
        let canChannel = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
        let pinChannel = try await NPAPACESession.establish(over: canChannel, password: .pin, digits: "111111")
        #expect(card.pinRetryCounter == 3)
        _ = try await pinChannel.sendExpectingSuccess(try .selectFile(0x3F00))
        // The CAN channel's keys are gone.
        await #expect(throws: CardReaderError.secureMessaging(.sessionClosed)) {
            _ = try await canChannel.send(try .selectFile(0x3F00))
        }
    }

    @Test func blockedPINIsUnblockedWithThePUK() async throws {
        let card = CardSimulatorTestData.npaCard()
        let transport = CardSimulatorDirectTransport(card: card)
        for _ in 0..<2 {
            _ = try? await NPAPACESession.establish(over: transport, password: .pin, digits: "999999")
        }
        let can = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
        await #expect(throws: NPAPACEError.passwordBlocked(.pin)) {
            _ = try await NPAPACESession.establish(over: can, password: .pin, digits: "999999")
        }
        #expect(card.pinRetryCounter == 0)
        let puk = try await NPAPACESession.establish(over: transport, password: .puk, digits: "3333333333")
        _ = try await puk.sendExpectingSuccess(try ISO7816CommandAPDU(cla: 0x00, ins: 0x2C, p1: 0x03, p2: 0x03))
        #expect(card.pinRetryCounter == 3)
        _ = try await NPAPACESession.establish(over: transport, password: .pin, digits: "111111")
    }

    @Test func dataGroupsNeedTerminalAuthentication() async throws {
        let transport = CardSimulatorDirectTransport(card: CardSimulatorTestData.npaCard())
        let channel = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
        _ = try await channel.sendExpectingSuccess(try .selectApplication(NPAFile.eIDApplicationAID))
        await #expect(throws: CardReaderError.unexpectedStatus(.securityStatusNotSatisfied, command: "READ BINARY")) {
            _ = try await channel.readFile(NPAFile.dg17.fid)
        }
    }

    @Test func passwordFormatIsCheckedBeforeTheCardIsTouched() async throws {
        let transport = CardSimulatorDirectTransport(card: CardSimulatorTestData.npaCard())
        await #expect(throws: NPAPACEError.invalidPasswordFormat(.can, reason: "it must have 6 digits, not 5")) {
            _ = try await NPAPACESession.establish(over: transport, password: .can, digits: "22222")
        }
        await #expect(throws: NPAPACEError.invalidPasswordFormat(.pin, reason: "only the digits 0-9 are allowed")) {
            _ = try await NPAPACESession.establish(over: transport, password: .pin, digits: "12a456")
        }
        #expect(transport.log.isEmpty)
    }

    @Test func hostileEFCardAccessIsATypedError() async throws {
        for fault in [CardSimulatorFault.badTLVLength, .hugeLength] {
            let transport = CardSimulatorDirectTransport(card: CardSimulatorTestData.npaCard(fault: fault))
            do {
                _ = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
                Issue.record("PACE succeeded with a corrupt EF.CardAccess")
            } catch {
                guard case .cardAccess = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
            }
        }
    }

    @Test func tamperedSecureMessagingResponseIsRejected() async throws {
        let transport = TamperingTransport(base: CardSimulatorDirectTransport(card: CardSimulatorTestData.npaCard()))
        let channel = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
        transport.tamper = true
        await #expect(throws: CardReaderError.secureMessaging(.macMismatch)) {
            _ = try await channel.send(try .selectFile(0x3F00))
        }
        await #expect(throws: CardReaderError.secureMessaging(.sessionClosed)) {
            _ = try await channel.send(try .selectFile(0x3F00))
        }
    }
}

/// Flips one bit of the data of each response once `tamper` is set.
final class TamperingTransport: CardReaderAPDUTransport, @unchecked Sendable {
    let base: any CardReaderAPDUTransport
    nonisolated(unsafe) var tamper = false

    init(base: any CardReaderAPDUTransport) {
        self.base = base
    }

    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        var response = try await base.transmit(apdu)
        if tamper, response.count > 4 { response[2] ^= 0x01 }
        return response
    }
}
