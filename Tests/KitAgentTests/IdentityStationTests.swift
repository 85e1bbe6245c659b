import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// The ID-card steps against the simulated chip (PACE, TA, CA, DG4/5/8/17) in one process.
@Suite("Identity station: ID card checks and address changes become outbox transactions", .serialized)
struct IdentityStationTests {
    static let oldAddress = NPAPlaceOfResidence.residence(
        .structured(NPAStructuredPlace(street: "HEIDESTRASSE 17", city: "KOELN", country: "D", zipCode: "51147")))

    /// A kit whose case citizen is `givenNames familyName`, a terminal PKI on disk and a card trusting it.
    func setUp(givenNames: String = "Erika", familyName: String = "Mustermann", born: String = "1964-08-12")
        async throws -> (kit: EvidenceKit, station: IdentityStation, card: CardSimulatorNPACard)
    {
        let kit = try await EvidenceKit(
            citizen: .init(
                citizenId: "R-51147-0001", givenNames: givenNames, familyName: familyName, dateOfBirth: born,
                address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln"), registerVersion: 7))
        let pki = try CardSimulatorTerminalPKI.generate()
        let folder = URL(fileURLWithPath: temporaryPath("terminal-pki"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try pki.write(to: folder)
        let station = IdentityStation(runtime: kit.runtime, credentialsDirectory: folder.path, logger: quietLogger())
        return (kit, station, CardSimulatorNPACard(placeOfResidence: Self.oldAddress, trustAnchor: pki.cvca))
    }

    @Test func theRightCardMatchesTheCaseAndOnlyTheOutcomeIsSealed() async throws {
        let (kit, station, card) = try await setUp()
        let (receipt, result) = try await station.checkIdentity(
            caseId: EvidenceKit.caseId, can: "222222", over: CardSimulatorDirectTransport(card: card))
        #expect(result.matchesCase)
        #expect(result.mismatches.isEmpty)
        #expect(result.chipAuthenticated)
        #expect(try kit.kinds() == ["identity.checked"])
        let (header, payload) = try kit.payload(seq: receipt.seq)
        #expect(header.baseVersion == 4)
        let sealed = try StepPayload.facts(IdentityStation.IdentityResult.self, from: payload)
        #expect(sealed == result)
        // Data minimisation: the card's data groups are not in the payload.
        #expect(!String(decoding: payload, as: UTF8.self).contains("MUSTERMANN"))
    }

    @Test func anotherPersonsCardIsNamedField() async throws {
        let (_, station, card) = try await setUp(givenNames: "Erika", familyName: "Musterfrau", born: "1964-08-13")
        let (_, result) = try await station.checkIdentity(
            caseId: EvidenceKit.caseId, can: "222222", over: CardSimulatorDirectTransport(card: card))
        #expect(!result.matchesCase)
        #expect(result.mismatches == ["familyName", "dateOfBirth"])
    }

    @Test func aWrongCANRecordsNothing() async throws {
        let (kit, station, card) = try await setUp()
        do {
            _ = try await station.checkIdentity(
                caseId: EvidenceKit.caseId, can: "654321", over: CardSimulatorDirectTransport(card: card))
            Issue.record("a wrong CAN opened the card")
        } catch {
            guard case .idCard(.pace) = error else { throw error }
            #expect(error.description.lowercased().contains("can"))
        }
        #expect(try kit.kinds().isEmpty)
    }

    @Test func theNewAddressIsWrittenReadBackAndRecordedWithTheRegisterVersion() async throws {
        let (kit, station, card) = try await setUp()
        let transport = CardSimulatorDirectTransport(card: card)
        let address = CaseSnapshot.Address(street: "Rheinallee 7", zip: "55118", city: "Mainz")
        let (_, checked) = try await station.checkIdentity(caseId: EvidenceKit.caseId, can: "222222", over: transport)
        let receipt = try await station.changeAddress(
            caseId: EvidenceKit.caseId, can: "222222", to: address, over: transport
        ).receipt
        #expect(try kit.kinds() == ["identity.checked", "address.changed"])
        let (header, payload) = try kit.payload(seq: receipt.seq)
        #expect(header.baseVersion == 7, "an address change is judged against the register version")
        let facts = try StepPayload.facts(StepPayload.AddressChange.self, from: payload)
        #expect(
            facts
                == StepPayload.AddressChange(
                    citizenId: "R-51147-0001", newAddress: address, cardBinding: checked.cardBinding))
        // The card holds it, in the card's spelling.
        let session = try await NPAChangeTerminal.authenticate(
            over: transport, digits: "222222",
            credentials: try NPATerminalCredentials(
                directory: URL(fileURLWithPath: try #require(station.credentialsDirectory))))
        #expect(
            try await session.readPlaceOfResidence()
                == .residence(
                    .structured(
                        NPAStructuredPlace(street: "RHEINALLEE 7", city: "MAINZ", country: "D", zipCode: "55118"))))

        // Repeating the step records nothing new: the case has one address change.
        let again = try await station.changeAddress(
            caseId: EvidenceKit.caseId, can: "222222", to: address, over: transport)
        #expect(again.alreadyRecorded)
        #expect(again.receipt == receipt)
        #expect(try kit.kinds() == ["identity.checked", "address.changed"])
    }

    @Test func aKitWithoutTerminalCertificatesRefusesClearly() async throws {
        let (kit, _, card) = try await setUp()
        let station = IdentityStation(runtime: kit.runtime, credentialsDirectory: nil, logger: quietLogger())
        do {
            _ = try await station.checkIdentity(
                caseId: EvidenceKit.caseId, can: "222222", over: CardSimulatorDirectTransport(card: card))
            Issue.record("checked without certificates")
        } catch {
            guard case .noTerminalCredentials = error else { throw error }
            #expect(error.description.contains("card.terminalCredentials"))
        }
    }
}
