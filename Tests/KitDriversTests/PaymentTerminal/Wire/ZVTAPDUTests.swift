import Testing

@testable import KitDrivers

@Suite("ZVT APDU codec")
struct ZVTAPDUTests {
    @Test("Short APDU encodes CLASS INSTR LEN DATA")
    func shortForm() throws {
        let apdu = try ZVTAPDU(commandClass: 0x06, instruction: 0x50, data: [0x12, 0x34, 0x56])
        #expect(apdu.encode() == [0x06, 0x50, 0x03, 0x12, 0x34, 0x56])
        #expect(!apdu.usesExtendedLength)
        #expect(try ZVTAPDU.decode(apdu.encode()) == apdu)
    }

    @Test("Empty APDU such as the acknowledgement 80 00 00")
    func emptyData() throws {
        let apdu = try ZVTAPDU.decode([0x80, 0x00, 0x00])
        #expect(apdu.data.isEmpty)
        #expect(apdu.encode() == [0x80, 0x00, 0x00])
    }

    @Test("Data of 255 bytes and more uses the extended length, low byte first", arguments: [255, 256, 1600, 65535])
    func extendedForm(count: Int) throws {
        let data = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
        let apdu = try ZVTAPDU(commandClass: 0x06, instruction: 0xD3, data: data)
        let bytes = apdu.encode()
        #expect(Array(bytes.prefix(5)) == [0x06, 0xD3, 0xFF, UInt8(count & 0xFF), UInt8(count >> 8)])
        #expect(bytes.count == count + 5)
        let decoded = try ZVTAPDU.decode(bytes)
        #expect(decoded == apdu)
        #expect(!decoded.forcesExtendedLength)
    }

    @Test("Data of 254 bytes still uses the short form")
    func longestShortForm() throws {
        let apdu = try ZVTAPDU(commandClass: 0x04, instruction: 0x0F, data: [UInt8](repeating: 1, count: 254))
        #expect(apdu.encode()[2] == 254)
        #expect(apdu.encode().count == 257)
    }

    @Test("Extended length for short data is kept, so re-encoding is byte-identical")
    func forcedExtendedFormSurvives() throws {
        let bytes: [UInt8] = [0x06, 0x0F, 0xFF, 0x02, 0x00, 0xAB, 0xCD]
        let apdu = try ZVTAPDU.decode(bytes)
        #expect(apdu.forcesExtendedLength)
        #expect(apdu.data == [0xAB, 0xCD])
        #expect(apdu.encode() == bytes)
        #expect(apdu != (try ZVTAPDU(commandClass: 0x06, instruction: 0x0F, data: [0xAB, 0xCD])))

        let message = try ZVTMessage(apdu: apdu)
        #expect(try message.encode(forcingExtendedLength: apdu.forcesExtendedLength) == bytes)
        #expect(try message.encode() == [0x06, 0x0F, 0x02, 0xAB, 0xCD])
    }

    @Test("Extended form with zero length")
    func extendedEmpty() throws {
        let bytes: [UInt8] = [0x80, 0x00, 0xFF, 0x00, 0x00]
        #expect(try ZVTAPDU.decode(bytes).encode() == bytes)
    }

    @Test("Truncated input is a typed error")
    func truncated() {
        #expect(throws: ZVTError.truncatedAPDU(needed: 3, available: 0)) { try ZVTAPDU.decode([]) }
        #expect(throws: ZVTError.truncatedAPDU(needed: 3, available: 2)) { try ZVTAPDU.decode([0x06, 0x00]) }
        #expect(throws: ZVTError.truncatedAPDU(needed: 5, available: 4)) {
            try ZVTAPDU.decode([0x06, 0xD3, 0xFF, 0x10])
        }
        #expect(throws: ZVTError.truncatedAPDU(needed: 9, available: 5)) {
            try ZVTAPDU.decode([0x06, 0x00, 0x06, 0x12, 0x34])
        }
        #expect(throws: ZVTError.truncatedAPDU(needed: 0x1005, available: 6)) {
            try ZVTAPDU.decode([0x06, 0xD3, 0xFF, 0x00, 0x10, 0x00])
        }
    }

    @Test("Bytes after the announced length are a typed error")
    func trailing() {
        #expect(throws: ZVTError.trailingBytesAfterAPDU(expected: 3, actual: 4)) {
            try ZVTAPDU.decode([0x80, 0x00, 0x00, 0x00])
        }
    }

    @Test("Data above 65535 bytes cannot be built")
    func tooLong() {
        #expect(throws: ZVTError.apduDataTooLong(count: 65536)) {
            try ZVTAPDU(commandClass: 0x06, instruction: 0xD3, data: [UInt8](repeating: 0, count: 65536))
        }
    }

    @Test("Header length helper needs 3 or 5 bytes")
    func headerLength() {
        #expect(ZVTAPDU.encodedLength(header: [0x06, 0x00]) == nil)
        #expect(ZVTAPDU.encodedLength(header: [0x06, 0x00, 0x06]) == 9)
        #expect(ZVTAPDU.encodedLength(header: [0x06, 0xD3, 0xFF, 0x40]) == nil)
        #expect(ZVTAPDU.encodedLength(header: [0x06, 0xD3, 0xFF, 0x40, 0x06]) == 5 + 0x0640)
    }
}
