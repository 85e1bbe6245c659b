import KitDrivers
import KitSimulators
import Testing

@Suite("EF.CardAccess SecurityInfos (BSI TR-03110-3 §A.1)")
struct NPACardAccessTests {
    let hex = ISO7816TestSupport.hex

    /// ICAO Doc 9303-11 worked example: one PACEInfo, ECDH-GM with AES-128, BrainpoolP256r1.
    static let icaoExample = "31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 02 02 02 01 02 02 01 0D"

    /// EF.CardAccess of a Bundesdruckerei German ID test card ("ePA - BDr GmbH - Testkarte v2.0"),
    /// as published in OpenPACE's examples: the file is longer than its SET (38 bytes of padding/garbage).
    static let testCard =
        "318182300D060804007F00070202020201023012060A04007F000702020302020201020201413012060A04007F00070202"
        + "04020202010202010D301C060904007F000702020302300C060704007F0007010202010D020141302B060804007F0007"
        + "020206161F655041202D2042447220476D6248202D20546573746B617274652076322E3004491715411928800A01B421"
        + "FA07000000000000000000000000000000000000201010291010"

    @Test("ICAO worked example: a single PACEInfo")
    func icao() throws {
        let bytes = hex(Self.icaoExample)
        let file = try NPACardAccess(bytes: bytes, allowTrailingBytes: false)
        #expect(file.securityInfos.count == 1)
        let pace = try #require(file.paceInfos.first)
        #expect(pace.protocolIdentifier.dotted == "0.4.0.127.0.7.2.2.4.2.2")
        #expect(pace.algorithm == NPAPACEAlgorithm(mapping: .ecdhGeneric, cipher: .aes128))
        #expect(pace.algorithm?.description == "id-PACE-ECDH-GM-AES-CBC-CMAC-128")
        #expect(pace.version == 2)
        #expect(pace.standardizedParameters == .brainpoolP256r1)
        #expect(file.supportsPACE)
        #expect(file.preferredPACEInfo == pace)
        #expect(file.encoded == bytes)
    }

    @Test("German ID test card: TA, CA, PACE, CA domain parameters and a CardInfoLocator kept raw")
    func germanTestCard() throws {
        let bytes = hex(Self.testCard)
        let file = try NPACardAccess(bytes: bytes)
        #expect(file.securityInfos.count == 5)
        #expect(file.trailingBytes.count == 38)
        #expect(file.terminalAuthenticationInfo == NPATerminalAuthenticationInfo(version: 2))
        #expect(
            file.chipAuthenticationInfos == [
                NPAChipAuthenticationInfo(
                    protocolIdentifier: NPAObjectIdentifiers.caECDH.appending(2), version: 2, keyID: 65)
            ])
        #expect(
            file.paceInfos == [
                NPAPACEInfo(
                    algorithm: try #require(NPAPACEAlgorithm(mapping: .ecdhGeneric, cipher: .aes128)),
                    parameters: .brainpoolP256r1)
            ])
        #expect(
            file.securityInfos[3]
                == .chipAuthenticationDomainParameter(
                    NPAChipAuthenticationDomainParameterInfo(
                        protocolIdentifier: NPAObjectIdentifiers.caECDH,
                        domainParameter: .standardized(.brainpoolP256r1), keyID: 65)))
        guard case .other(let oid, let tlv) = file.securityInfos[4] else {
            Issue.record("CardInfoLocator should be kept as an unknown SecurityInfo")
            return
        }
        #expect(oid == NPAObjectIdentifiers.cardInfo)
        #expect(try tlv.children[1].stringValue() == "ePA - BDr GmbH - Testkarte v2.0")
        #expect(file.encoded == bytes)
        #expect(throws: NPACardAccessError.trailingBytes(count: 38)) {
            try NPACardAccess(bytes: bytes, allowTrailingBytes: false)
        }
    }

    @Test("A constructed EF.CardAccess with every kind of SecurityInfo round-trips")
    func constructedRoundTrip() throws {
        let cam = try #require(NPAPACEAlgorithm(mapping: .ecdhChipAuthentication, cipher: .aes256))
        let im = try #require(NPAPACEAlgorithm(mapping: .dhIntegrated, cipher: .tripleDES))
        let file = NPACardAccess(securityInfos: [
            .pace(NPAPACEInfo(algorithm: cam, parameters: .brainpoolP384r1)),
            .pace(NPAPACEInfo(algorithm: im, version: 1, parameters: nil)),
            .paceDomainParameter(
                NPAPACEDomainParameterInfo(
                    protocolIdentifier: NPAObjectIdentifiers.pace.appending(2),
                    domainParameter: .standardized(.nistP256), parameterID: 1)),
            .chipAuthentication(
                NPAChipAuthenticationInfo(
                    protocolIdentifier: NPAObjectIdentifiers.caDH.appending(1), version: 1, keyID: nil)),
            .terminalAuthentication(
                NPATerminalAuthenticationInfo(version: 1, efCVCA: NPAFileID(fid: 0x011C, sfid: 0x1C))),
            .other(
                protocolIdentifier: NPAObjectIdentifiers.ri,
                tlv: .constructed(.sequence, [.objectIdentifier(NPAObjectIdentifiers.ri), .integer(1)])),
        ])
        let decoded = try NPACardAccess(bytes: file.encoded, allowTrailingBytes: false)
        #expect(decoded == file)
        #expect(decoded.paceInfos.count == 2)
        #expect(decoded.preferredPACEInfo?.algorithm == cam)
        #expect(NPAPACEAlgorithm(mapping: .ecdhChipAuthentication, cipher: .tripleDES) == nil)
    }

    @Test(
        "Malformed files give typed errors",
        arguments: [
            ("30 00", NPACardAccessError.notASetOfSecurityInfos(found: .sequence)),
            ("31 03 02 01 01", .malformedSecurityInfo(index: 0, reason: "it has tag 02 instead of 30 (SEQUENCE)")),
            (
                "31 05 30 03 02 01 01",
                .malformedSecurityInfo(index: 0, reason: "it does not start with a valid protocol OID")
            ),
            (
                "31 0E 30 0C 06 0A 04 00 7F 00 07 02 02 04 02 02",
                .malformedSecurityInfo(index: 0, reason: "0.4.0.127.0.7.2.2.4.2.2: version is missing")
            ),
            (
                "31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 02 02 02 01 02 04 01 0D",
                .malformedSecurityInfo(
                    index: 0, reason: "0.4.0.127.0.7.2.2.4.2.2: unexpected element with tag 04 at position 3")
            ),
            ("31 04 30 02 02 01", .encoding(.lengthExceedsInput(offset: 4, declared: 1, available: 0))),
        ])
    func errors(input: String, expected: NPACardAccessError) {
        #expect(throws: expected) { try NPACardAccess(bytes: hex(input)) }
        #expect(!expected.description.isEmpty)
    }

    @Test("Fuzz: mutated and random EF.CardAccess bytes decode or throw NPACardAccessError")
    func fuzz() {
        var random = SeededRandom(seed: 0xCA)
        let seeds = [hex(Self.testCard), hex(Self.icaoExample)]
        var decoded = 0
        for round in 0..<4000 {
            let input =
                round % 4 == 0
                ? random.bytes(count: Int.random(in: 0...48, using: &random)) : random.mutate(seeds[round % 2])
            do {
                let file = try NPACardAccess(bytes: input)
                decoded += 1
                #expect(try NPACardAccess(bytes: file.encoded) == file)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded > 0)
    }
}
