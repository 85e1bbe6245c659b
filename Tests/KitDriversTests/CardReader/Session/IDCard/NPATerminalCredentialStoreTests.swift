import Foundation
import KitDrivers
import KitSimulators
import Testing

/// Several terminal certificate chains and CVCA link certificates: the chain is chosen by the trust
/// anchor the card names after PACE (in memory, against the simulated chip).
@Suite("Terminal certificate store: chain chosen by the card's CAR, CVCA link certificates")
struct NPATerminalCredentialStoreTests {
    static func chain(_ pki: CardSimulatorTerminalPKI, _ name: String) throws -> NPATerminalCredentialStore.Chain {
        NPATerminalCredentialStore.Chain(name: name, credentials: try pki.credentials())
    }

    static func card(trusting anchor: NPACVCertificate) -> CardSimulatorNPACard {
        CardSimulatorNPACard(placeOfResidence: CardSimulatorTestData.address, trustAnchor: anchor)
    }

    @Test("the card names its trust anchor after PACE; of two chains the one under that CVCA is used")
    func chainChosenByTheCardsCAR() async throws {
        let mainz = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEMZCVCA00001")
        let other = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEOTCVCA00001", terminalValidity: 0...200)
        let store = try NPATerminalCredentialStore(chains: [Self.chain(mainz, "mainz"), Self.chain(other, "other")])
        for (pki, expected) in [(mainz, "mainz"), (other, "other")] {
            let transport = CardSimulatorDirectTransport(card: Self.card(trusting: pki.cvca))
            let session = try await NPAChangeTerminal.authenticate(over: transport, digits: "222222", store: store)
            #expect(session.terminalHolder == pki.terminal.holderReference, "\(expected)")
            #expect(session.channel.cardTrustAnchors == [pki.cvca.holderReference])
            #expect(try await session.readPlaceOfResidence() == CardSimulatorTestData.address)
        }
    }

    @Test(
        "a card that still trusts the old CVCA is led to the new chain by the link certificate, then trusts the new one"
    )
    func linkCertificateLeadsToTheNewGeneration() async throws {
        let first = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001")
        let second = try first.nextGeneration(cvcaHolder: "DEKITCVCA00002")
        let link = try #require(second.link)
        #expect(link.authorityReference == "DEKITCVCA00001" && link.holderReference == "DEKITCVCA00002")
        let store = try NPATerminalCredentialStore(chains: [Self.chain(second, "2027")], links: [link])
        let card = Self.card(trusting: first.cvca)
        let transport = CardSimulatorDirectTransport(card: card)
        let session = try await NPAChangeTerminal.authenticate(over: transport, digits: "222222", store: store)
        #expect(session.terminalHolder == second.terminal.holderReference)
        #expect(try await session.readPlaceOfResidence() == CardSimulatorTestData.address)
        // The card took the link certificate as its new trust anchor and names both from now on.
        #expect(card.trustAnchorHolder == "DEKITCVCA00002")
        let again = try await NPAChangeTerminal.authenticate(over: transport, digits: "222222", store: store)
        #expect(again.channel.cardTrustAnchors == ["DEKITCVCA00002", "DEKITCVCA00001"])
    }

    @Test("without a chain or link to the card's CVCA the kit says so before sending any certificate")
    func noChainForTheCard() async throws {
        let trusted = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEMZCVCA00001")
        let other = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEOTCVCA00001")
        let store = try NPATerminalCredentialStore(chains: [Self.chain(other, "other")])
        let transport = CardSimulatorDirectTransport(card: Self.card(trusting: trusted.cvca))
        await #expect(
            throws: NPAEACError.noTerminalChainForCard(
                cardTrustAnchors: ["DEMZCVCA00001"], configured: ["DEOTCVCA00001"])
        ) {
            _ = try await NPAChangeTerminal.authenticate(over: transport, digits: "222222", store: store)
        }
        // PACE ran (its APDUs are in the log), but no PSO:Verify Certificate (INS 2A) followed.
        #expect(!transport.log.contains { $0.count > 1 && $0[1] == 0x2A })
    }

    @Test("selection: expired chains are skipped, the longest-lasting wins, the most recent anchor first")
    func selectionRules() throws {
        let today = Date()
        let day = NPACVDate(today)
        let old = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001", terminalValidity: -60...(-1))
        let short = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001", terminalValidity: 0...10)
        let long = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001", terminalValidity: 0...30)
        let next = try old.nextGeneration(cvcaHolder: "DEKITCVCA00002")
        let store = try NPATerminalCredentialStore(
            chains: [Self.chain(old, "old"), Self.chain(short, "short"), Self.chain(long, "long")],
            links: [try #require(next.link)])
        #expect(try store.select(cardTrustAnchors: ["DEKITCVCA00001"], on: day).chain.name == "long")
        #expect(try store.select(cardTrustAnchors: [], on: day).chain.name == "long")
        #expect(try store.preferred(on: day).name == "long")
        // A card that names only an unknown CVCA first and ours second still gets ours.
        #expect(try store.select(cardTrustAnchors: ["DEXXCVCA00009", "DEKITCVCA00001"], on: day).chain.name == "long")
        // Only expired chains: the error names the newest.
        let expiredOnly = try NPATerminalCredentialStore(chains: [Self.chain(old, "old")])
        #expect(
            throws: NPAEACError.terminalCertificateExpired(
                holder: old.terminal.holderReference, expiration: old.terminal.expirationDate)
        ) {
            _ = try expiredOnly.select(cardTrustAnchors: ["DEKITCVCA00001"], on: day)
        }
    }

    @Test("link paths: several generations in a row, no loops, no path to an unrelated CVCA")
    func linkPaths() throws {
        let g1 = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001")
        let g2 = try g1.nextGeneration(cvcaHolder: "DEKITCVCA00002")
        let g3 = try g2.nextGeneration(cvcaHolder: "DEKITCVCA00003")
        let store = try NPATerminalCredentialStore(
            chains: [Self.chain(g3, "g3")], links: [try #require(g3.link), try #require(g2.link)])
        let path = try #require(store.linkPath(from: "DEKITCVCA00001", to: "DEKITCVCA00003"))
        #expect(path.map(\.holderReference) == ["DEKITCVCA00002", "DEKITCVCA00003"])
        #expect(store.linkPath(from: "DEKITCVCA00003", to: "DEKITCVCA00001") == nil)
        #expect(store.linkPath(from: "DEOTHER00001", to: "DEKITCVCA00003") == nil)
        let selection = try store.select(cardTrustAnchors: ["DEKITCVCA00001"], on: NPACVDate(Date()))
        #expect(selection.links.count == 2)
        // A terminal certificate is not a link certificate.
        #expect(throws: NPAEACError.self) {
            _ = try NPATerminalCredentialStore(chains: [Self.chain(g3, "g3")], links: [g3.terminal])
        }
    }

    @Test("a store folder with chains/ and links/, and a plain chain folder, both load")
    func storeOnDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001")
        let second = try first.nextGeneration(cvcaHolder: "DEKITCVCA00002")
        try first.write(to: folder.appendingPathComponent("chains/a"))
        try second.write(to: folder.appendingPathComponent("chains/b"))
        let links = folder.appendingPathComponent("links")
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        try Data(try #require(second.link).encoded).write(to: links.appendingPathComponent("1-2.cvcert"))
        let store = try NPATerminalCredentialStore(directory: folder)
        #expect(store.chains.map(\.name) == ["a", "b"])
        #expect(store.links.count == 1)
        let plain = folder.appendingPathComponent("plain")
        try first.write(to: plain)
        #expect(try NPATerminalCredentialStore(directory: plain).chains.count == 1)
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: NPAEACError.self) { _ = try NPATerminalCredentialStore(directory: empty) }
    }

    @Test("hostile CAR objects in the PACE answer are ignored, not trusted")
    func hostileTrustAnchors() {
        func template(_ objects: [(UInt8, [UInt8])]) -> [UInt8] {
            var body: [UInt8] = [0x86, 0x02, 0x01, 0x02]
            for (tag, value) in objects { body += [tag, UInt8(value.count)] + value }
            return [0x7C, UInt8(body.count)] + body
        }
        #expect(NPAPACESession.trustAnchors(in: template([(0x87, Array("DEKITCVCA00001".utf8))])) == ["DEKITCVCA00001"])
        #expect(NPAPACESession.trustAnchors(in: template([(0x87, [0x00, 0x41, 0xFF])])).isEmpty)
        #expect(NPAPACESession.trustAnchors(in: template([(0x87, [UInt8](repeating: 0x41, count: 40))])).isEmpty)
        #expect(NPAPACESession.trustAnchors(in: [0x7C, 0x80, 0x87]).isEmpty)
        #expect(NPAPACESession.trustAnchors(in: []).isEmpty)
        let both = template([(0x87, Array("DEA00002".utf8)), (0x88, Array("DEA00001".utf8))])
        #expect(NPAPACESession.trustAnchors(in: both) == ["DEA00002", "DEA00001"])
    }
}
