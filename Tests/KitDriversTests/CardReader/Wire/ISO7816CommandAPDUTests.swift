import KitDrivers
import KitSimulators
import Testing

@Suite("Command APDU codec (ISO/IEC 7816-4 §5.1)")
struct ISO7816CommandAPDUTests {
    let hex = ISO7816TestSupport.hex

    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let data: [UInt8]
        let ne: Int?
        let forceExtended: Bool
        let encoded: String
        let apduCase: ISO7816APDUCase
        var testDescription: String { name }
    }

    static let payload300 = [UInt8](repeating: 0xAB, count: 300)
    static let hex300 = String(repeating: "AB", count: 300)

    static let vectors: [Vector] = [
        Vector(name: "case 1", data: [], ne: nil, forceExtended: false, encoded: "00 B0 01 02", apduCase: .case1),
        Vector(
            name: "case 2S Le=10", data: [], ne: 16, forceExtended: false, encoded: "00 B0 01 02 10",
            apduCase: .case2Short),
        Vector(
            name: "case 2S Le=00 is 256", data: [], ne: 256, forceExtended: false, encoded: "00 B0 01 02 00",
            apduCase: .case2Short),
        Vector(
            name: "case 3S", data: [0x3F, 0x00], ne: nil, forceExtended: false, encoded: "00 B0 01 02 02 3F 00",
            apduCase: .case3Short),
        Vector(
            name: "case 4S", data: [0x3F, 0x00], ne: 256, forceExtended: false, encoded: "00 B0 01 02 02 3F 00 00",
            apduCase: .case4Short),
        Vector(
            name: "case 2E Le=012C", data: [], ne: 300, forceExtended: false, encoded: "00 B0 01 02 00 01 2C",
            apduCase: .case2Extended),
        Vector(
            name: "case 2E Le=0000 is 65536", data: [], ne: 65_536, forceExtended: false,
            encoded: "00 B0 01 02 00 00 00", apduCase: .case2Extended),
        Vector(
            name: "case 2E forced for Le=256", data: [], ne: 256, forceExtended: true, encoded: "00 B0 01 02 00 01 00",
            apduCase: .case2Extended),
        Vector(
            name: "case 3E", data: payload300, ne: nil, forceExtended: false, encoded: "00 B0 01 02 00 01 2C" + hex300,
            apduCase: .case3Extended),
        Vector(
            name: "case 3E forced", data: [0x01], ne: nil, forceExtended: true, encoded: "00 B0 01 02 00 00 01 01",
            apduCase: .case3Extended),
        Vector(
            name: "case 4E", data: payload300, ne: 65_536, forceExtended: false,
            encoded: "00 B0 01 02 00 01 2C" + hex300 + "00 00", apduCase: .case4Extended),
        Vector(
            name: "case 4E because of Ne", data: [0x01], ne: 257, forceExtended: false,
            encoded: "00 B0 01 02 00 00 01 01 01 01", apduCase: .case4Extended),
    ]

    @Test("Encode and decode every case", arguments: vectors)
    func vector(_ vector: Vector) throws {
        let apdu = try ISO7816CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0x01, p2: 0x02, data: vector.data, ne: vector.ne)
        let encoded = apdu.encoded(forceExtended: vector.forceExtended)
        #expect(encoded == hex(vector.encoded))
        #expect(apdu.apduCase(forceExtended: vector.forceExtended) == vector.apduCase)
        #expect(try ISO7816CommandAPDU(bytes: encoded) == apdu)
        #expect(try ISO7816CommandAPDU.apduCase(of: encoded) == vector.apduCase)
    }

    @Test(
        "Inconsistent command APDUs are rejected",
        arguments: [
            ("", ISO7816APDUError.commandTooShort(count: 0)),
            ("00 A4 04", .commandTooShort(count: 3)),
            ("00 A4 04 00 05 01 02", .bodyLengthMismatch(lc: 5, bodyCount: 3)),
            ("00 A4 04 00 01 01 02 03", .bodyLengthMismatch(lc: 1, bodyCount: 4)),
            ("00 A4 04 00 00 01", .truncatedExtendedLength(bodyCount: 2)),
            ("00 A4 04 00 00 00 00 01", .zeroExtendedLc),
            ("00 D6 00 00 00 00 03 AA BB", .bodyLengthMismatch(lc: 3, bodyCount: 5)),
            ("00 D6 00 00 00 00 01 AA BB", .bodyLengthMismatch(lc: 1, bodyCount: 5)),
        ])
    func decodeErrors(input: String, expected: ISO7816APDUError) {
        #expect(throws: expected) { try ISO7816CommandAPDU(bytes: hex(input)) }
        #expect(!expected.description.isEmpty)
    }

    @Test("Nc and Ne ranges are enforced")
    func ranges() {
        #expect(throws: ISO7816APDUError.dataTooLong(count: 65_536)) {
            try ISO7816CommandAPDU(cla: 0, ins: 0xD6, p1: 0, p2: 0, data: [UInt8](repeating: 0, count: 65_536))
        }
        #expect(throws: ISO7816APDUError.invalidExpectedLength(0)) {
            try ISO7816CommandAPDU(cla: 0, ins: 0xB0, p1: 0, p2: 0, ne: 0)
        }
        #expect(throws: ISO7816APDUError.invalidExpectedLength(65_537)) {
            try ISO7816CommandAPDU(cla: 0, ins: 0xB0, p1: 0, p2: 0, ne: 65_537)
        }
    }

    @Test("Round trip: decode(encode(x)) == x for random commands, short and extended")
    func roundTrip() throws {
        var random = SeededRandom(seed: 0x7816)
        for _ in 0..<2000 {
            let length = Bool.random(using: &random) ? Int.random(in: 0...300, using: &random) : 0
            let ne: Int? = Bool.random(using: &random) ? Int.random(in: 1...65_536, using: &random) : nil
            let apdu = try ISO7816CommandAPDU(
                cla: UInt8.random(in: 0...255, using: &random), ins: UInt8.random(in: 0...255, using: &random),
                p1: UInt8.random(in: 0...255, using: &random), p2: UInt8.random(in: 0...255, using: &random),
                data: random.bytes(count: length), ne: ne)
            #expect(try ISO7816CommandAPDU(bytes: apdu.encoded()) == apdu)
            #expect(try ISO7816CommandAPDU(bytes: apdu.encoded(forceExtended: true)) == apdu)
        }
    }

    @Test("Fuzz: random bytes decode to a command or an ISO7816APDUError")
    func fuzz() {
        var random = SeededRandom(seed: 0xF022)
        let seed = hex("00 22 C1 A4 0F 80 0A 04 00 7F 00 07 02 02 04 02 02 83 01 02")
        for round in 0..<5000 {
            let input =
                round % 2 == 0 ? random.bytes(count: Int.random(in: 0...24, using: &random)) : random.mutate(seed)
            do {
                let apdu = try ISO7816CommandAPDU(bytes: input)
                let apduCase = try ISO7816CommandAPDU.apduCase(of: input)
                #expect(apdu.encoded(forceExtended: apduCase.isExtended) == input)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}

@Suite("Command constructors (ISO/IEC 7816-4 §11, BSI TR-03110-3 Appendix B)")
struct ISO7816CommandConstructorTests {
    let hex = ISO7816TestSupport.hex

    @Test("SELECT by FID, AID and path")
    func select() throws {
        #expect(
            try ISO7816CommandAPDU.selectFile(NPAFile.cardAccess.fid, target: .elementaryFile).encoded()
                == hex("00 A4 02 0C 02 01 1C"))
        #expect(try ISO7816CommandAPDU.selectFile(0x3F00).encoded() == hex("00 A4 00 0C 02 3F 00"))
        #expect(
            try ISO7816CommandAPDU.selectApplication(NPAFile.eIDApplicationAID).encoded()
                == hex("00 A4 04 0C 09 E8 07 04 00 7F 00 07 03 02"))
        #expect(
            try ISO7816CommandAPDU.selectPath([0x5015, 0x4401]).encoded() == hex("00 A4 08 0C 04 50 15 44 01"))
        #expect(
            try ISO7816CommandAPDU.selectPath([0x4401], fromMF: false, response: .fcp).encoded()
                == hex("00 A4 09 04 02 44 01 00"))
        #expect(throws: ISO7816APDUError.invalidApplicationIdentifierLength(0)) {
            try ISO7816CommandAPDU.selectApplication([])
        }
        #expect(throws: ISO7816APDUError.invalidApplicationIdentifierLength(17)) {
            try ISO7816CommandAPDU.selectApplication([UInt8](repeating: 0xA0, count: 17))
        }
        #expect(throws: ISO7816APDUError.invalidPathLength(0)) { try ISO7816CommandAPDU.selectPath([]) }
    }

    @Test("READ BINARY and UPDATE BINARY by offset and by short EF identifier")
    func binary() throws {
        #expect(try ISO7816CommandAPDU.readBinary(offset: 0x0102).encoded() == hex("00 B0 01 02 00"))
        #expect(try ISO7816CommandAPDU.readBinary(offset: 0, ne: 0xDF).encoded() == hex("00 B0 00 00 DF"))
        #expect(
            try ISO7816CommandAPDU.readBinary(shortFileIdentifier: NPAFile.cardAccess.sfi).encoded()
                == hex("00 B0 9C 00 00"))
        #expect(
            try ISO7816CommandAPDU.readBinary(shortFileIdentifier: 0x11, ne: 65_536).encoded()
                == hex("00 B0 91 00 00 00 00"))
        #expect(
            try ISO7816CommandAPDU.updateBinary(shortFileIdentifier: NPAFile.dg18.sfi, data: [0x72, 0x00]).encoded()
                == hex("00 D6 92 00 02 72 00"))
        #expect(
            try ISO7816CommandAPDU.updateBinary(offset: 0x0100, data: [0xFF]).encoded() == hex("00 D6 01 00 01 FF"))
        #expect(throws: ISO7816APDUError.invalidShortFileIdentifier(0)) {
            try ISO7816CommandAPDU.readBinary(shortFileIdentifier: 0)
        }
        #expect(throws: ISO7816APDUError.invalidShortFileIdentifier(31)) {
            try ISO7816CommandAPDU.updateBinary(shortFileIdentifier: 31, data: [0])
        }
        #expect(throws: ISO7816APDUError.offsetOutOfRange(0x8000)) { try ISO7816CommandAPDU.readBinary(offset: 0x8000) }
        #expect(throws: ISO7816APDUError.offsetOutOfRange(256)) {
            try ISO7816CommandAPDU.readBinary(shortFileIdentifier: 1, offset: 256)
        }
    }

    @Test("GET RESPONSE, MSE:Set AT for PACE with CAN, GENERAL AUTHENTICATE with chaining")
    func authentication() throws {
        #expect(try ISO7816CommandAPDU.getResponse(ne: 0x10).encoded() == hex("00 C0 00 00 10"))
        let pace = NPAPACEAlgorithm(mapping: .ecdhGeneric, cipher: .aes128)
        let oid = try #require(pace).protocolIdentifier
        #expect(
            try ISO7816CommandAPDU.npaMSESetATForPACE(protocol: oid, password: .can).encoded()
                == hex("00 22 C1 A4 0F 80 0A 04 00 7F 00 07 02 02 04 02 02 83 01 02"))
        let chat = BERTLV.constructed(
            .application(76),
            [
                .objectIdentifier(BERTLVObjectIdentifier(validArcsForTest: [0, 4, 0, 127, 0, 7, 3, 1, 2, 2])),
                .primitive(.application(19, constructed: false), [0x00, 0x00, 0x00, 0x00, 0x10]),
            ])
        let withChat = try ISO7816CommandAPDU.npaMSESetATForPACE(
            protocol: oid, password: .pin, domainParameterID: 13, certificateHolderAuthorizationTemplate: chat)
        #expect(withChat.p1 == 0xC1 && withChat.p2 == 0xA4)
        #expect(
            withChat.data
                == hex("80 0A 04 00 7F 00 07 02 02 04 02 02 83 01 03 84 01 0D")
                + hex("7F 4C 12 06 09 04 00 7F 00 07 03 01 02 02 53 05 00 00 00 00 10"))
        let chained = try ISO7816CommandAPDU.generalAuthenticate(dynamicAuthenticationData: [], isLastInChain: false)
        #expect(chained.encoded() == hex("10 86 00 00 02 7C 00 00"))
        #expect(chained.isChained)
        let last = try ISO7816CommandAPDU.generalAuthenticate(
            dynamicAuthenticationData: [.primitive(.context(1, constructed: false), [0x04, 0x01])])
        #expect(last.encoded() == hex("00 86 00 00 06 7C 04 81 02 04 01 00"))
        #expect(!last.isChained)
        #expect(
            try ISO7816CommandAPDU.manageSecurityEnvironmentSetAT(.externalAuthentication, data: [0x83, 0x00]).encoded()
                == hex("00 22 81 A4 02 83 00"))
    }
}

extension BERTLVObjectIdentifier {
    /// Test-only convenience: arcs known to be valid.
    init(validArcsForTest arcs: [UInt64]) {
        do {
            self = try BERTLVObjectIdentifier(arcs: arcs)
        } catch {
            self = NPAObjectIdentifiers.smartcards
        }
    }
}
