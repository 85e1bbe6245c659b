import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// Identity binds the card, through the real reader path: pcscd with vpcd's virtual reader, the
/// simulated German ID card (PACE, TA, CA) on it, and the station's `withCard` as the local API
/// (and so `kit-agent identity` / `address`) uses it. What reaches the chip is read back from the
/// simulated card afterwards.
@Suite("Identity binds the card: no address reaches another person's ID card", .serialized)
struct IdentityBindingTests {
    static let oldAddress = IdentityStationTests.oldAddress
    static let newAddress = CaseSnapshot.Address(street: "Rheinallee 7", zip: "55118", city: "Mainz")
    static let steps: [CaseStep] = [.identify, .sign, .updateAddress, .handOutDocument, .complete]

    struct Visit {
        var kit: EvidenceKit
        var station: IdentityStation
        var pki: CardSimulatorTerminalPKI
        var rig: CardReaderRig

        /// A card of `identity` (default: the test specimen ERIKA MUSTERMANN) that trusts the kit.
        func card(_ identity: NPAIdentity = CardSimulatorNPACard.testIdentity) -> CardSimulatorNPACard {
            CardSimulatorNPACard(
                placeOfResidence: IdentityBindingTests.oldAddress, identity: identity, trustAnchor: pki.cvca)
        }

        func checkIdentity() async throws(EvidenceError) -> IdentityStation.IdentityResult {
            try await station.withCard(readerName: CardReaderRig.reader, cardWait: .seconds(5)) {
                transport throws(EvidenceError) in
                try await station.checkIdentity(caseId: EvidenceKit.caseId, can: "222222", over: transport).result
            }
        }

        func changeAddress() async throws(EvidenceError) -> IdentityStation.AddressChangeOutcome {
            try station.checkAddressStepAllowed(caseId: EvidenceKit.caseId)
            return try await station.withCard(readerName: CardReaderRig.reader, cardWait: .seconds(5)) {
                transport throws(EvidenceError) in
                try await station.changeAddress(
                    caseId: EvidenceKit.caseId, can: "222222", to: IdentityBindingTests.newAddress, over: transport)
            }
        }

        func workflow() async throws -> CaseWorkflow {
            try await WorkflowReader(runtime: kit.runtime).workflow(caseId: EvidenceKit.caseId)
        }

        /// DG17 as the chip holds it (read off the reader, directly from the simulated card).
        func placeOfResidence(on card: CardSimulatorNPACard) async throws -> NPAPlaceOfResidence {
            let session = try await NPAChangeTerminal.authenticate(
                over: CardSimulatorDirectTransport(card: card), digits: "222222",
                credentials: try NPATerminalCredentials(
                    directory: URL(fileURLWithPath: try #require(station.credentialsDirectory))))
            return try await session.readPlaceOfResidence()
        }
    }

    /// A kit whose case citizen is `familyName` (ERIKA, born 12 August 1964) and a reader.
    func visit(familyName: String = "Mustermann") async throws -> Visit {
        let kit = try await EvidenceKit(
            citizen: .init(
                citizenId: "R-51147-0001", givenNames: "Erika", familyName: familyName, dateOfBirth: "1964-08-12",
                address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln"), registerVersion: 7),
            steps: Self.steps)
        let pki = try CardSimulatorTerminalPKI.generate()
        let folder = URL(fileURLWithPath: temporaryPath("terminal-pki"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try pki.write(to: folder)
        let station = IdentityStation(runtime: kit.runtime, credentialsDirectory: folder.path, logger: quietLogger())
        return Visit(kit: kit, station: station, pki: pki, rig: try CardReaderRig())
    }

    @Test func aMismatchingCardBlocksTheAddressStepAndNothingReachesTheChip() async throws {
        let visit = try await visit(familyName: "Musterfrau")
        defer { visit.rig.stop() }
        let card = visit.card()
        try visit.rig.insert(card)
        let result = try await visit.checkIdentity()
        #expect(!result.matchesCase)
        #expect(result.mismatches == ["familyName"])

        // The workflow (local API gate): the identity is not done, what rests on it waits.
        let workflow = try await visit.workflow()
        #expect(workflow.identity == .mismatched)
        #expect(workflow.current == .identify)
        #expect(workflow.mayRecord(.addressChanged) == .identityMismatch(step: .updateAddress))
        #expect(workflow.mayRecord(.documentHandedOut) == .identityMismatch(step: .handOutDocument))

        // The station (every path: local API, CLI, clerk page) refuses before the card is opened.
        await #expect(throws: EvidenceError.self) { _ = try await visit.changeAddress() }
        do {
            _ = try await visit.station.withCard(readerName: CardReaderRig.reader) { transport throws(EvidenceError) in
                try await visit.station.changeAddress(
                    caseId: EvidenceKit.caseId, can: "222222", to: Self.newAddress, over: transport)
            }
            Issue.record("the address was written after a mismatching identity check")
        } catch {
            guard case .identityNotConfirmed(.mismatched) = error else { throw error }
            #expect(error.description.contains("Ausweis"))
        }
        // Nor can a form record it without the card.
        do {
            _ = try await StepRecorder(runtime: visit.kit.runtime).record(
                .init(
                    caseId: EvidenceKit.caseId, kind: .addressChanged,
                    facts: ["street": "Rheinallee 7", "zip": "55118", "city": "Mainz"]))
            Issue.record("an address change was recorded without the card")
        } catch {
            guard case .needsCard(.addressChanged) = error else { throw error }
        }
        #expect(try visit.kit.kinds() == ["identity.checked"])
        visit.rig.remove()
        #expect(try await visit.placeOfResidence(on: card) == Self.oldAddress, "DG17 unchanged")
    }

    @Test func aCardSwappedAfterACorrectCheckIsRefusedBeforeAnythingIsWritten() async throws {
        let visit = try await visit()
        defer { visit.rig.stop() }
        let citizensCard = visit.card()
        try visit.rig.insert(citizensCard)
        #expect(try await visit.checkIdentity().matchesCase)
        visit.rig.remove()

        let othersCard = visit.card(NPAIdentity(givenNames: "MAX", familyNames: "MUSTERMANN", dateOfBirth: "19620301"))
        try visit.rig.insert(othersCard)
        do {
            _ = try await visit.changeAddress()
            Issue.record("the address was written to another person's card")
        } catch {
            guard case .cardHolderDiffers(let mismatches) = error else { throw error }
            #expect(mismatches == ["givenNames", "dateOfBirth"])
            #expect(error.description.contains("nichts auf den Ausweis geschrieben"))
        }
        #expect(try visit.kit.kinds() == ["identity.checked"])
        visit.rig.remove()
        #expect(try await visit.placeOfResidence(on: othersCard) == Self.oldAddress, "the other card is untouched")
        #expect(try await visit.placeOfResidence(on: citizensCard) == Self.oldAddress)
    }

    @Test func theCitizensCardGetsTheAddressOnceBoundToTheCheckedCard() async throws {
        let visit = try await visit()
        defer { visit.rig.stop() }
        let card = visit.card()
        try visit.rig.insert(card)
        let checked = try await visit.checkIdentity()
        #expect(checked.matchesCase)
        let binding = try #require(checked.cardBinding)
        #expect(binding.count == 64)
        #expect(!binding.uppercased().contains("MUSTERMANN"))

        let first = try await visit.changeAddress()
        #expect(!first.alreadyRecorded)
        let (header, payload) = try visit.kit.payload(seq: first.receipt.seq)
        #expect(header.kind == "address.changed")
        let facts = try StepPayload.facts(StepPayload.AddressChange.self, from: payload)
        #expect(facts.cardBinding == binding, "the address names the card the identity check bound")

        // A repeated address step records nothing new and answers with the first change.
        let again = try await visit.changeAddress()
        #expect(again.alreadyRecorded)
        #expect(again.receipt == first.receipt)
        #expect(try visit.kit.kinds() == ["identity.checked", "address.changed"])
        visit.rig.remove()
        #expect(
            try await visit.placeOfResidence(on: card)
                == .residence(
                    .structured(
                        NPAStructuredPlace(street: "RHEINALLEE 7", city: "MAINZ", country: "D", zipCode: "55118"))))
    }

    @Test func aDocumentedOverrideLetsStepsWithoutTheCardFollowButNeverTheChipWrite() async throws {
        let visit = try await visit(familyName: "Musterfrau")
        defer { visit.rig.stop() }
        let card = visit.card()
        try visit.rig.insert(card)
        #expect(try await !visit.checkIdentity().matchesCase)

        // A reason is required.
        await #expect(throws: EvidenceError.self) {
            _ = try await visit.station.recordOverride(caseId: EvidenceKit.caseId, reason: "  ok  ")
        }
        let reason = "Reisepass C01X00T47 vorgelegt; Ausweis nach Heirat noch auf Geburtsnamen"
        let receipt = try await visit.station.recordOverride(caseId: EvidenceKit.caseId, reason: reason)
        let sealed = try StepPayload.facts(
            StepPayload.IdentityCheck.self, from: try visit.kit.payload(seq: receipt.seq).payload)
        #expect(sealed.overrideReason == reason)
        #expect(sealed.cardBinding == nil)
        #expect(sealed.verifiedCardBinding == nil, "an override binds no card for the server")

        let workflow = try await visit.workflow()
        #expect(workflow.identity == .overridden)
        #expect(workflow.mayRecord(.signatureCaptured) == nil)
        #expect(workflow.mayRecord(.documentHandedOut) == nil, "steps without the card may follow")
        #expect(workflow.mayRecord(.addressChanged) == .identityOverridden)
        do {
            _ = try await visit.changeAddress()
            Issue.record("an override let the address reach the chip")
        } catch {
            guard case .identityNotConfirmed(.overridden) = error else { throw error }
        }
        // Even past the gate, the station itself refuses on the card.
        do {
            _ = try await visit.station.withCard(readerName: CardReaderRig.reader) { transport throws(EvidenceError) in
                try await visit.station.changeAddress(
                    caseId: EvidenceKit.caseId, can: "222222", to: Self.newAddress, over: transport)
            }
            Issue.record("an override let the address reach the chip")
        } catch {
            guard case .identityNotConfirmed(.overridden) = error else { throw error }
        }
        _ = try await StepRecorder(runtime: visit.kit.runtime).record(
            .init(caseId: EvidenceKit.caseId, kind: .documentHandedOut, facts: ["documentId": "PA-1"]))
        #expect(try visit.kit.kinds() == ["identity.checked", "identity.checked", "document.handed-out"])
        visit.rig.remove()
        #expect(try await visit.placeOfResidence(on: card) == Self.oldAddress, "DG17 unchanged")
    }
}
