import KitDrivers
import KitSimulators
import Testing

@Suite("ATR parsing and card identification (ISO/IEC 7816-3 §8)")
struct ATRTests {
    let hex = ISO7816TestSupport.hex

    @Test("Debian vicc ISO card ATR: T=1 only, so TCK present and correct")
    func viccATR() throws {
        let atr = try ATR(bytes: hex("3B 95 13 81 01 80 73 FF 01 00 0B"))
        #expect(atr.convention == .direct)
        #expect(atr.formatByte == 0x95)
        #expect(atr.offeredProtocols == [.t1])
        #expect(atr.transmissionProtocols == [.t1])
        #expect(atr.checkByte == 0x0B)
        #expect(atr.historicalBytes == hex("80 73 FF 01 00"))
        #expect(atr.transmissionFactors.fi == 372)
        #expect(atr.transmissionFactors.di == 4)
        #expect(atr.transmissionFactors.fMaxKHz == 5000)
        #expect(atr.interfaceGroups.count == 2)
        #expect(
            atr.interfaceGroups[0] == ATRInterfaceGroup(index: 1, qualifier: nil, ta: 0x13, tb: nil, tc: nil, td: 0x81))
        #expect(
            atr.interfaceGroups[1] == ATRInterfaceGroup(index: 2, qualifier: .t1, ta: nil, tb: nil, tc: nil, td: 0x01))
        #expect(atr.historical.compactObjects == [ATRCompactTLV(tag: 7, value: [0xFF, 0x01, 0x00])])
        #expect(atr.identification == .unknown)
        #expect(!atr.identification.mayBeGermanIDCard)
        #expect(atr.hexString == "3B 95 13 81 01 80 73 FF 01 00 0B")
        #expect(atr.t1InformationFieldSize == 32)
    }

    @Test("German ID card (nPA) ATR known from OpenSC is identified")
    func germanIDCard() throws {
        let atr = try ATR(bytes: hex("3B 8A 80 01 80 31 F8 73 F7 41 E0 82 90 00 75"))
        #expect(atr.offeredProtocols == [.t0, .t1])
        #expect(atr.historicalBytes.count == 10)
        #expect(atr.checkByte == 0x75)
        #expect(atr.transmissionFactors == .default)
        #expect(atr.identification == .germanIDCard)
        #expect(atr.identification.mayBeGermanIDCard)
        #expect(atr.historical.statusIndicator == [0x90, 0x00])
        let test = try ATR(bytes: hex("3B 84 80 01 00 00 90 00 95"))
        #expect(test.identification == .germanIDCardTest)
    }

    @Test("German health card eGK G2: T=1 with T=15 global bytes")
    func healthCard() throws {
        let atr = try ATR(bytes: hex("3B D3 96 FF 81 B1 FE 45 1F 07 80 81 05 2D"))
        #expect(atr.identification == .germanHealthCardG2)
        #expect(atr.offeredProtocols == [.t1, .t15])
        #expect(atr.transmissionProtocols == [.t1])
        #expect(atr.hasGlobalInterfaceBytes)
        #expect(atr.transmissionFactors.fi == 512)
        #expect(atr.transmissionFactors.di == 32)
        #expect(atr.transmissionFactors.cyclesPerETU == 16)
        #expect(atr.extraGuardTime == 255)
        #expect(atr.t1InformationFieldSize == 254)
        #expect(atr.t1BlockWaitingInteger == 4)
        #expect(atr.t1CharacterWaitingInteger == 5)
        #expect(atr.clockStopAndClassIndicator == 0x07)
        #expect(atr.historical.compactObjects == [ATRCompactTLV(tag: 8, value: [0x05])])
    }

    @Test("T=0-only ATRs carry no TCK")
    func t0WithoutCheckByte() throws {
        let short = try ATR(bytes: hex("3B 02 14 50"))
        #expect(short.offeredProtocols == [.t0])
        #expect(short.checkByte == nil)
        #expect(short.historicalBytes == [0x14, 0x50])
        #expect(short.interfaceGroups.isEmpty)
        let withGuard = try ATR(bytes: hex("3B 65 00 00 20 63 CB 68 00"))
        #expect(withGuard.checkByte == nil)
        #expect(withGuard.interfaceGroups.first?.tb == 0x00)
        #expect(withGuard.extraGuardTime == 0)
        #expect(withGuard.historicalBytes == hex("20 63 CB 68 00"))
        #expect(withGuard.t0WaitingTimeInteger == 10)
    }

    @Test("Inverse convention TS 3F")
    func inverseConvention() throws {
        let atr = try ATR(bytes: hex("3F 65 25 08 33 04 20 90 00"))
        #expect(atr.convention == .inverse)
        #expect(atr.offeredProtocols == [.t0])
        #expect(atr.extraGuardTime == 0x08)
        #expect(atr.identification == .unknown)
    }

    @Test("PC/SC contactless ATR of an unknown card asks for an EF.CardAccess probe")
    func contactless() throws {
        let atr = try ATR(bytes: hex("3B 88 80 01 00 00 00 00 00 00 00 00 09"))
        #expect(atr.identification == .contactless)
        #expect(atr.identification.mayBeGermanIDCard)
    }

    @Test("Specific mode in TA2 and T=0 waiting time in TC2")
    func specificMode() throws {
        // TD1 = 0xD0: TA2 and TC2 and TD2 follow; TA2 = 0x01 (specific mode T=1), TC2 = 0x20.
        var bytes = hex("3B 80 D0 01 20 01")
        bytes.append(bytes[1...].reduce(0, ^))
        let atr = try ATR(bytes: bytes)
        #expect(atr.specificModeProtocol == .t1)
        #expect(atr.t0WaitingTimeInteger == 0x20)
        #expect(atr.offeredProtocols == [.t0, .t1])
    }

    @Test(
        "Truncated and inconsistent ATRs throw typed errors",
        arguments: [
            ("", ATRError.empty),
            ("3C 00", .invalidInitialCharacter(0x3C)),
            ("3B", .missingFormatByte),
            ("3B 95 13", .truncatedInterfaceBytes(group: 1, offset: 3)),
            ("3B 95 13 81", .truncatedInterfaceBytes(group: 2, offset: 4)),
            ("3B 95 13 81 01 80 73", .truncatedHistoricalBytes(expected: 5, available: 2)),
            ("3B 95 13 81 01 80 73 FF 01 00", .missingCheckByte),
            ("3B 95 13 81 01 80 73 FF 01 00 0C", .checkByteMismatch(expected: 0x0B, actual: 0x0C)),
            ("3B 02 14 50 00", .unexpectedTrailingBytes(offset: 4, count: 1)),
            ("3B 95 13 81 01 80 73 FF 01 00 0B 00", .unexpectedTrailingBytes(offset: 11, count: 1)),
            ("3B 80 0F", .globalProtocolInTD1(offset: 2)),
        ])
    func errors(input: String, expected: ATRError) {
        #expect(throws: expected) { try ATR(bytes: hex(input)) }
        #expect(!expected.description.isEmpty)
    }

    @Test("ATRs longer than 33 bytes are rejected")
    func tooLong() {
        let bytes = [0x3B, 0x0F] + [UInt8](repeating: 0x41, count: 32)
        #expect(throws: ATRError.tooLong(count: 34)) { try ATR(bytes: bytes) }
    }

    @Test("Reserved Fi/Di indices are reported as nil, not guessed")
    func reservedFactors() {
        let factors = ATRTransmissionFactors(ta1: 0x7A)
        #expect(factors.fi == nil)
        #expect(factors.di == nil)
        #expect(factors.cyclesPerETU == nil)
        #expect(factors.description == "Fi=reserved, Di=reserved")
    }

    @Test("Fuzz: random and mutated ATRs parse or throw ATRError, never crash")
    func fuzz() {
        var random = SeededRandom(seed: 0xA7)
        let seeds = [
            "3B 95 13 81 01 80 73 FF 01 00 0B", "3B 8A 80 01 80 31 F8 73 F7 41 E0 82 90 00 75",
            "3B D3 96 FF 81 B1 FE 45 1F 07 80 81 05 2D", "3B 02 14 50",
        ].map(hex)
        var parsed = 0
        for round in 0..<5000 {
            let input: [UInt8]
            if round % 2 == 0 {
                input = random.bytes(count: Int.random(in: 0...40, using: &random))
            } else {
                input = random.mutate(seeds[round % seeds.count])
            }
            do {
                let atr = try ATR(bytes: input)
                parsed += 1
                #expect(atr.bytes == input)
                #expect(atr.historicalBytes.count == Int(atr.formatByte & 0x0F))
                if atr.checkByte != nil {
                    #expect(input.dropFirst().reduce(0, ^) == 0)
                }
                _ = atr.description
                _ = atr.identification
                _ = atr.historical.compactObjects
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(parsed > 0)
    }
}
