import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// The same refusals through `kit-agent run` and its local API — the path of `kit-agent identity`
/// / `kit-agent address` (LocalAPIClient) and of the clerk's page — with pcscd, vpcd and the
/// simulated card behind the agent's real card reader.
@Suite("Local API: a mismatching ID card never gets the address", .serialized)
struct LocalAPIIdentityBindingTests {
    @Test func theAddressRouteRefusesAfterAMismatchAndAfterAnOverrideAndNothingReachesTheChip() async throws {
        guard let binaries = Binaries.find() else { return }
        // The case's citizen is ERIKA MUSTER, born 1 January 1940; the card is ERIKA MUSTERMANN's.
        let kit = try await PreparedKit(
            cases: [("case-id", 0)], steps: [.identify, .updateAddress, .handOutDocument, .complete])
        let pki = try CardSimulatorTerminalPKI.generate()
        let folder = URL(fileURLWithPath: kit.root + "/terminal-pki")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try pki.write(to: folder)
        let rig = try CardReaderRig()
        defer { rig.stop() }
        let card = CardSimulatorNPACard(placeOfResidence: IdentityStationTests.oldAddress, trustAnchor: pki.cvca)
        try rig.insert(card)
        let children = ChildProcesses()
        defer { children.killAll() }
        _ = try await children.startAgent(
            binaries.kitAgent, kit: kit, terminal: "127.0.0.1:9",
            environment: [
                "KIT_AGENT_CARD_TERMINAL_CREDENTIALS": folder.path, "KIT_AGENT_CARD_READER": CardReaderRig.reader,
            ])
        let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await client.unlock(secret: PaymentCrashTests.secret, initialize: false)
        let address = CaseSnapshot.Address(street: "Rheinallee 7", zip: "55118", city: "Mainz")

        let (_, result) = try await client.checkIdentity(caseId: "case-id", can: "222222")
        #expect(!result.matchesCase)
        #expect(result.mismatches == ["familyName", "dateOfBirth"])
        #expect(try await client.workflow(caseId: "case-id").identity == .mismatched)
        do {
            _ = try await client.changeAddress(caseId: "case-id", can: "222222", address: address)
            Issue.record("the address route wrote to a mismatching card")
        } catch {
            #expect(error.description.contains("Ausweis"), "\(error)")
        }
        do {
            _ = try await client.recordStep(
                .init(
                    caseId: "case-id", kind: .addressChanged,
                    facts: ["street": "Rheinallee 7", "zip": "55118", "city": "Mainz"]))
            Issue.record("POST /v1/steps recorded an address change without the card")
        } catch {
            #expect(error.description.contains("Ausweis"), "\(error)")
        }

        // The documented override: the hand-out may follow, the chip write still not.
        _ = try await client.overrideIdentity(caseId: "case-id", reason: "Reisepass vorgelegt und geprüft")
        #expect(try await client.workflow(caseId: "case-id").identity == .overridden)
        _ = try await client.recordStep(.init(caseId: "case-id", kind: .documentHandedOut, facts: ["documentId": "D"]))
        do {
            _ = try await client.changeAddress(caseId: "case-id", can: "222222", address: address)
            Issue.record("the address route wrote to a card after an override")
        } catch {
            #expect(error.description.contains("Ausweis"), "\(error)")
        }
        try kit.inspect { _, outbox in
            let kinds = try outbox.entries(limit: 10).reversed().map(\.kind)
            #expect(kinds == ["identity.checked", "identity.checked", "document.handed-out"])
        }
        rig.remove()
        let session = try await NPAChangeTerminal.authenticate(
            over: CardSimulatorDirectTransport(card: card), digits: "222222",
            credentials: try NPATerminalCredentials(directory: folder))
        #expect(try await session.readPlaceOfResidence() == IdentityStationTests.oldAddress, "DG17 unchanged")
    }
}
