import Foundation
import KitDrivers
import KitSimulators
import Testing

@Suite("CV certificates, CHAT and EF.CardSecurity (BSI TR-03110-3 Appendix C, D)")
struct NPACVCertificateTests {
    let hex = ISO7816TestSupport.hex

    @Test("Generated chain: DER round trip, structure and references")
    func roundTrip() throws {
        let pki = try CardSimulatorTerminalPKI.generate(today: Date(timeIntervalSince1970: 1_790_000_000))
        for certificate in [pki.cvca, pki.documentVerifier, pki.terminal] {
            let bytes = certificate.encoded
            #expect(Array(bytes.prefix(2)) == [0x7F, 0x21])
            let decoded = try NPACVCertificate(bytes: bytes)
            #expect(decoded == certificate)
            #expect(decoded.encoded == bytes)
            #expect(decoded.signature.count == 64)
        }
        #expect(pki.cvca.authorityReference == pki.cvca.holderReference)
        #expect(pki.cvca.publicKey.hasDomainParameters)
        #expect(pki.cvca.publicKey.objects.map(\.tag.number) == [1, 2, 3, 4, 5, 6, 7])
        #expect(!pki.terminal.publicKey.hasDomainParameters)
        #expect(pki.terminal.publicKey.publicPoint?.count == 65)
        #expect(pki.terminal.publicKey.algorithm.dotted == "0.4.0.127.0.7.2.2.2.2.3")
        #expect(pki.documentVerifier.authorityReference == pki.cvca.holderReference)
        #expect(pki.terminal.authorityReference == pki.documentVerifier.holderReference)
        #expect(pki.terminal.effectiveDate == NPACVDate(Date(timeIntervalSince1970: 1_790_000_000)))
    }

    @Test("The Änderungsterminal CHAT: id-AT and the bit mask 30 03 13 FF 10")
    func chat() throws {
        let chat = NPACertificateHolderAuthorization(role: .terminal, rights: .changeTerminal)
        #expect(
            chat.tlv.encoded == hex("7F 4C 12 06 09 04 00 7F 00 07 03 01 02 02 53 05 30 03 13 FF 10"))
        #expect(try NPACertificateHolderAuthorization(tlv: chat.tlv) == chat)
        #expect(NPAAuthenticationTerminalRights.write(dataGroup: 17).rawValue == 1 << 37)
        #expect(NPAAuthenticationTerminalRights.read(dataGroup: 17).rawValue == 1 << 24)
        let cvca = NPACertificateHolderAuthorization(role: .cvca, rights: .all)
        #expect(Array(cvca.tlv.encoded.suffix(5)) == hex("FF FF FF FF FF"))
        #expect(NPAAuthenticationTerminalRights.changeTerminal.description.contains("write DG17"))
    }

    @Test("Dates: unpacked BCD YYMMDD, real days only")
    func dates() throws {
        let date = try NPACVDate(unpackedBCD: [2, 6, 1, 2, 0, 4])
        #expect(date.description == "2026-12-04")
        #expect(date.unpackedBCD == [2, 6, 1, 2, 0, 4])
        for bad: [UInt8] in [[2, 6, 1, 3, 0, 1], [2, 6, 0, 2, 3, 0], [2, 6, 1, 2, 0, 0x0A], [2, 6, 1, 2, 0], []] {
            #expect(throws: NPACVCertificateError.self) { try NPACVDate(unpackedBCD: bad) }
        }
        #expect(date.adding(days: 30).description == "2027-01-03")
    }

    @Test("OpenPACE verifies the generated chain and refuses a changed body")
    func openPACEAcceptsTheChain() throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let context = try NPAEACContext(cardAccess: CardSimulatorNPACard.cardAccess)
        try context.initializeTerminalAuthentication(certificate: pki.cvca.encoded)
        #expect(context.importCertificate(pki.documentVerifier.encoded))
        var tampered = pki.terminal
        tampered.holderAuthorization.rights = .all
        #expect(!context.importCertificate(tampered.encoded))
        #expect(context.importCertificate(pki.terminal.encoded))
    }

    @Test("Hostile: truncation, wrong tags, bad lengths, bad fields are typed errors")
    func hostile() throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let bytes = pki.terminal.encoded
        for length in 0..<bytes.count {
            #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: Array(bytes.prefix(length))) }
        }
        var wrongTag = bytes
        wrongTag[1] = 0x22
        #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: wrongTag) }
        var hugeLength = bytes
        hugeLength.replaceSubrange(2..<5, with: [0x84, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: hugeLength) }
        #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: bytes + [0x00]) }
        #expect(throws: NPACVCertificateError.tooLarge(limit: 4096)) {
            try NPACVCertificate(bytes: [UInt8](repeating: 0x7F, count: 5000))
        }
        // Body fields out of order.
        let body = pki.terminal.body.children
        let swapped = BERTLV.constructed(
            .application(33),
            [.constructed(.application(78), [body[1], body[0]] + body[2...]), pki.terminal.signatureObject])
        #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: swapped.encoded) }
        // Effective after expiration.
        var inverted = pki.terminal
        inverted.expirationDate = inverted.effectiveDate.adding(days: -1)
        #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: inverted.encoded) }
        // Non-printable holder reference.
        var control = pki.terminal
        control.holderReference = "DE\u{1}AT"
        #expect(throws: NPACVCertificateError.self) { try NPACVCertificate(bytes: control.encoded) }
    }

    @Test("Fuzz: thousands of mutated certificates decode or throw, never crash")
    func fuzz() throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        var random = SeededRandom(seed: 0xC7C7)
        let seeds = [pki.cvca.encoded, pki.documentVerifier.encoded, pki.terminal.encoded]
        var decoded = 0
        for round in 0..<6000 {
            let input =
                round % 5 == 0
                ? random.bytes(count: Int.random(in: 0...300, using: &random))
                : random.mutate(seeds[round % 3])
            if let certificate = try? NPACVCertificate(bytes: input) {
                decoded += 1
                #expect(try NPACVCertificate(bytes: certificate.encoded) == certificate)
            }
        }
        #expect(decoded < 6000)
    }

    @Test("EF.CardSecurity: the chip key is found; hostile files are typed errors")
    func cardSecurity() throws {
        let point = [0x04] + [UInt8](repeating: 0xAB, count: 64)
        let file = NPACardSecurity.unsigned(securityInfos: [
            NPACardSecurity.chipAuthenticationPublicKeyInfo(point: point, parameters: .brainpoolP256r1, keyID: 65)
        ])
        #expect(try NPACardSecurity.chipAuthenticationPublicKey(in: file, keyID: 65) == point)
        #expect(throws: NPAEACError.self) { try NPACardSecurity.chipAuthenticationPublicKey(in: file, keyID: 7) }
        var random = SeededRandom(seed: 0xCA5E)
        for length in 0..<file.count {
            #expect(throws: NPAEACError.self) {
                try NPACardSecurity.chipAuthenticationPublicKey(in: Array(file.prefix(length)), keyID: 65)
            }
        }
        for _ in 0..<3000 {
            let input = random.mutate(file)
            if let key = try? NPACardSecurity.chipAuthenticationPublicKey(in: input, keyID: 65) {
                #expect(!key.isEmpty)
            }
        }
    }

    @Test("Fuzz: the simulated chip answers mutated TA/CA commands with a status word, never a crash")
    func chipFuzz() async throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let card = CardSimulatorNPACard(placeOfResidence: CardSimulatorTestData.address, trustAnchor: pki.cvca)
        let transport = CardSimulatorDirectTransport(card: card)
        var random = SeededRandom(seed: 0x7A7A)
        let commands: [ISO7816CommandAPDU] = [
            try .npaMSESetDST(authorityReference: pki.cvca.holderReference),
            try .npaPSOVerifyCertificate(pki.documentVerifier),
            try .npaMSESetATForTerminalAuthentication(
                algorithm: NPACVPublicKey.taECDSASHA256, holderReference: pki.terminal.holderReference,
                compressedEphemeralKey: [UInt8](repeating: 1, count: 32)),
            try .externalAuthenticate(signature: [UInt8](repeating: 2, count: 64)),
            try .npaMSESetATForChipAuthentication(protocol: NPAObjectIdentifiers.caECDH.appending(2), keyID: 65),
            try .generalAuthenticate(dynamicAuthenticationData: [.primitive(.context(0, constructed: false), [4])]),
        ]
        func establish() async throws -> NPASecureChannel {
            try await NPAPACESession.establish(
                over: transport, password: .can, digits: "222222", chat: pki.terminal.holderAuthorization)
        }
        var channel = try await establish()
        var answered = 0
        for round in 0..<300 {
            let base = commands[round % commands.count]
            let data = round % 3 == 0 ? base.data : random.mutate(base.data)
            guard
                let command = try? ISO7816CommandAPDU(
                    cla: 0, ins: base.ins, p1: base.p1, p2: base.p2, data: data, ne: base.ne)
            else { continue }
            do {
                _ = try await channel.send(command)
                answered += 1
            } catch {
                channel = try await establish()
            }
        }
        #expect(answered > 200)
    }
}
