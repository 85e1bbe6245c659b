import Foundation
import KitDrivers
import KitSimulators
import Testing

/// PACE with CHAT, Terminal Authentication, Chip Authentication and DG17 between the driver
/// (Änderungsterminal) and the simulated chip, in memory.
@Suite("Terminal and Chip Authentication, DG17 read and write (in memory)")
struct NPAEACTests {
    static let newAddress = NPAPlaceOfResidence.residence(
        .structured(NPAStructuredPlace(street: "AM MARKT 1", city: "BONN", country: "D", zipCode: "53111")))

    static func card(trusting pki: CardSimulatorTerminalPKI) -> CardSimulatorNPACard {
        CardSimulatorNPACard(placeOfResidence: CardSimulatorTestData.address, trustAnchor: pki.cvca)
    }

    @Test func afterTAAndCATheDG17ReadsAndAWrittenDG17ReadsBack() async throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let card = Self.card(trusting: pki)
        let transport = CardSimulatorDirectTransport(card: card)
        let session = try await NPAChangeTerminal.authenticate(
            over: transport, digits: "222222", credentials: try pki.credentials())
        #expect(session.effectiveRights == .changeTerminal)
        let check = try await session.checkIdentity()
        #expect(check.identity == CardSimulatorNPACard.testIdentity)
        #expect(check.placeOfResidence == CardSimulatorTestData.address)
        #expect(check.terminalHolder == pki.terminal.holderReference)
        try await session.writePlaceOfResidence(Self.newAddress)
        #expect(try await session.readPlaceOfResidence() == Self.newAddress)
        // A new session (new PACE, TA, CA) sees the written address: the card keeps it.
        let again = try await NPAChangeTerminal.authenticate(
            over: transport, digits: "222222", credentials: try pki.credentials())
        #expect(try await again.readPlaceOfResidence() == Self.newAddress)
        // Everything after PACE travelled under secure messaging.
        #expect(transport.log.suffix(10).allSatisfy { $0[0] & 0x0C == 0x0C })
    }

    @Test func chainOfAnotherCVCAIsRefusedByTheCard() async throws {
        let trusted = try CardSimulatorTerminalPKI.generate()
        let other = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEOTHERCA00001")
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: trusted))
        // The card names its CVCA after PACE: the kit sees that its chain cannot lead there.
        await #expect(
            throws: NPAEACError.noTerminalChainForCard(
                cardTrustAnchors: [trusted.cvca.holderReference], configured: [other.cvca.holderReference])
        ) {
            _ = try await NPAChangeTerminal.authenticate(
                over: transport, digits: "222222", credentials: try other.credentials())
        }
    }

    @Test func chainOfAForgedCVCAWithTheSameNameFailsTheSignatureCheck() async throws {
        let trusted = try CardSimulatorTerminalPKI.generate()
        let forged = try CardSimulatorTerminalPKI.generate()
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: trusted))
        await #expect(
            throws: NPAEACError.certificateRejectedByCard(
                holder: forged.documentVerifier.holderReference, status: ISO7816StatusWord(rawValue: 0x6300))
        ) {
            _ = try await NPAChangeTerminal.authenticate(
                over: transport, digits: "222222", credentials: try forged.credentials())
        }
    }

    @Test func terminalWithoutTheWriteRightGetsNotAllowed() async throws {
        var rights = NPAAuthenticationTerminalRights.changeTerminal
        rights.remove(.write(dataGroup: 17))
        let pki = try CardSimulatorTerminalPKI.generate(terminalRights: rights)
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: pki))
        let session = try await NPAChangeTerminal.authenticate(
            over: transport, digits: "222222", credentials: try pki.credentials())
        #expect(try await session.readPlaceOfResidence() == CardSimulatorTestData.address)
        await #expect(
            throws: NPAEACError.notAllowed(operation: "write the address (DG17)", right: .write(dataGroup: 17))
        ) {
            try await session.writePlaceOfResidence(Self.newAddress)
        }
        // The card enforces it too, whatever the terminal believes.
        let overconfident = NPAAuthenticatedCard(
            channel: session.channel, effectiveRights: .all, terminalHolder: session.terminalHolder)
        await #expect(
            throws: NPAEACError.refusedByCard(
                operation: "write the address (DG17)", status: .securityStatusNotSatisfied)
        ) {
            try await overconfident.writePlaceOfResidence(Self.newAddress)
        }
        #expect(try await session.readPlaceOfResidence() == CardSimulatorTestData.address)
    }

    @Test func withoutCANAllowedTheCardOpensNothingAfterPACEWithTheCAN() async throws {
        var rights = NPAAuthenticationTerminalRights.changeTerminal
        rights.remove(.canAllowed)
        let pki = try CardSimulatorTerminalPKI.generate(terminalRights: rights)
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: pki))
        await #expect(throws: NPAEACError.notAllowed(operation: "work with the CAN", right: .canAllowed)) {
            _ = try await NPAChangeTerminal.authenticate(
                over: transport, digits: "222222", credentials: try pki.credentials())
        }
        #expect(transport.log.isEmpty)
        // With the PIN the same terminal reads the address.
        let session = try await NPAChangeTerminal.authenticate(
            over: transport, password: .pin, digits: "111111", credentials: try pki.credentials())
        #expect(try await session.readPlaceOfResidence() == CardSimulatorTestData.address)
        // The card enforces the rule too: TA and CA after PACE with the CAN leave the data closed.
        let channel = try await NPAPACESession.establish(
            over: transport, password: .can, digits: "222222", cardAccess: CardSimulatorNPACard.cardAccess,
            chat: pki.terminal.holderAuthorization)
        try await NPATerminalAuthentication.run(over: channel, credentials: try pki.credentials())
        try await NPAChipAuthentication.run(
            over: channel, cardAccess: try NPACardAccess(bytes: CardSimulatorNPACard.cardAccess))
        let forced = NPAAuthenticatedCard(channel: channel, effectiveRights: .all, terminalHolder: "forced")
        await #expect(
            throws: NPAEACError.refusedByCard(operation: "read DG17", status: .securityStatusNotSatisfied)
        ) {
            _ = try await forced.readPlaceOfResidence()
        }
    }

    @Test func expiredTerminalCertificateIsNamedBeforeTheCardIsTouched() async throws {
        let pki = try CardSimulatorTerminalPKI.generate(terminalValidity: -60 ... -30)
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: pki))
        await #expect(
            throws: NPAEACError.terminalCertificateExpired(
                holder: pki.terminal.holderReference, expiration: pki.terminal.expirationDate)
        ) {
            _ = try await NPAChangeTerminal.authenticate(
                over: transport, digits: "222222", credentials: try pki.credentials())
        }
        #expect(transport.log.isEmpty)
    }

    @Test func cardChecksExpiryByItsOwnDate() async throws {
        // The terminal's clock is wrong (45 days behind): it thinks the expired certificate is fine,
        // but the card has seen the DV certificate effective yesterday and refuses it.
        let pki = try CardSimulatorTerminalPKI.generate(terminalValidity: -60 ... -30)
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: pki))
        let channel = try await NPAPACESession.establish(
            over: transport, password: .can, digits: "222222", chat: pki.terminal.holderAuthorization)
        await #expect(
            throws: NPAEACError.certificateRejectedByCard(
                holder: pki.terminal.holderReference, status: ISO7816StatusWord(rawValue: 0x6300))
        ) {
            try await NPATerminalAuthentication.run(over: channel, credentials: try pki.credentials())
        }
    }

    @Test func withoutTAOrWithoutCHATTheDataGroupsStayClosed() async throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: pki))
        let channel = try await NPAPACESession.establish(over: transport, password: .can, digits: "222222")
        let session = NPAAuthenticatedCard(channel: channel, effectiveRights: .all, terminalHolder: "none")
        await #expect(
            throws: NPAEACError.refusedByCard(operation: "read DG17", status: .securityStatusNotSatisfied)
        ) {
            _ = try await session.readPlaceOfResidence()
        }
        // TA after a PACE without CHAT is refused.
        let plain = try await NPAPACESession.establish(
            over: transport, password: .can, digits: "222222", cardAccess: CardSimulatorNPACard.cardAccess)
        await #expect(throws: NPAEACError.self) {
            try await NPATerminalAuthentication.run(over: plain, credentials: try pki.credentials())
        }
    }

    @Test func wrongCANAndPulledCardAreClearErrors() async throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let card = Self.card(trusting: pki)
        await #expect(throws: NPAEACError.pace(.wrongPassword(.can, remainingTries: nil))) {
            _ = try await NPAChangeTerminal.authenticate(
                over: CardSimulatorDirectTransport(card: card), digits: "123456", credentials: try pki.credentials())
        }
        for cut in [3, 12, 20] {
            let pulled = PullingTransport(base: CardSimulatorDirectTransport(card: card), after: cut)
            await #expect(throws: NPAEACError.cardRemoved) {
                let session = try await NPAChangeTerminal.authenticate(
                    over: pulled, digits: "222222", credentials: try pki.credentials())
                _ = try await session.readPlaceOfResidence()
            }
        }
    }

    @Test func aChipWithAWrongOrMissingTokenIsNotGenuine() async throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let wrong = CardSimulatorNPACard(
            placeOfResidence: CardSimulatorTestData.address, trustAnchor: pki.cvca,
            fault: .wrongChipAuthenticationToken)
        await #expect(throws: NPAEACError.chipAuthenticationFailed) {
            _ = try await NPAChangeTerminal.authenticate(
                over: CardSimulatorDirectTransport(card: wrong), digits: "222222", credentials: try pki.credentials())
        }
        let missing = CardSimulatorNPACard(
            placeOfResidence: CardSimulatorTestData.address, trustAnchor: pki.cvca,
            fault: .missingChipAuthenticationToken)
        do {
            _ = try await NPAChangeTerminal.authenticate(
                over: CardSimulatorDirectTransport(card: missing), digits: "222222", credentials: try pki.credentials())
            Issue.record("CA without a token was accepted")
        } catch {
            guard case .malformedResponse(step: "chip authentication", _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
    }

    @Test func tamperedChipAuthenticationAnswerIsRejected() async throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let transport = TamperingTransport(base: CardSimulatorDirectTransport(card: Self.card(trusting: pki)))
        let channel = try await NPAPACESession.establish(
            over: transport, password: .can, digits: "222222", chat: pki.terminal.holderAuthorization)
        try await NPATerminalAuthentication.run(over: channel, credentials: try pki.credentials())
        transport.tamper = true
        await #expect(throws: NPAEACError.self) {
            try await NPAChipAuthentication.run(
                over: channel, cardAccess: try NPACardAccess(bytes: CardSimulatorNPACard.cardAccess))
        }
    }
}

/// Reports the card as pulled from APDU number `after` on.
final class PullingTransport: CardReaderAPDUTransport, @unchecked Sendable {
    let base: any CardReaderAPDUTransport
    let after: Int
    nonisolated(unsafe) var count = 0

    init(base: any CardReaderAPDUTransport, after: Int) {
        self.base = base
        self.after = after
    }

    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        count += 1
        if count > after { throw .noCard(reader: "test") }
        return try await base.transmit(apdu)
    }
}
