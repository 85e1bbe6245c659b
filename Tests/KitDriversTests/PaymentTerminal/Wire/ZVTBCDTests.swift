import Testing

@testable import KitDrivers

@Suite("ZVT BCD helpers")
struct ZVTBCDTests {
    @Test(
        "Amounts in cents round-trip through 6-byte BCD",
        arguments: [
            (0, "000000000000"), (1, "000000000001"), (2500, "000000002500"), (1295, "000000001295"),
            (99, "000000000099"), (123_456_789_012, "123456789012"), (999_999_999_999, "999999999999"),
        ])
    func amounts(cents: Int, hex: String) throws {
        let bytes = try ZVTBCD.amountBytes(cents: cents)
        #expect(bytes == ZVTTestSupport.bytes(hex))
        #expect(try ZVTBCD.cents(fromAmount: bytes) == cents)
    }

    @Test("Negative and too large amounts are rejected", arguments: [-1, 1_000_000_000_000, Int.max, Int.min])
    func amountOutOfRange(cents: Int) {
        #expect(throws: ZVTError.bcdValueOutOfRange(value: cents, byteCount: 6)) {
            try ZVTBCD.amountBytes(cents: cents)
        }
    }

    @Test("Non-BCD nibbles are rejected with the byte and its offset")
    func invalidNibbles() {
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0x0A, offset: 5)) {
            try ZVTBCD.cents(fromAmount: [0, 0, 0, 0, 0, 0x0A])
        }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0xA0, offset: 0)) {
            try ZVTBCD.cents(fromAmount: [0xA0, 0, 0, 0, 0, 0])
        }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0xFF, offset: 1)) { try ZVTBCD.decode([0x12, 0xFF]) }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0x9E, offset: 0)) { try ZVTBCD.digits([0x9E]) }
    }

    @Test("Amount fields must be exactly 6 bytes")
    func amountLength() {
        #expect(throws: ZVTError.bcdLengthMismatch(expected: 6, actual: 5)) {
            try ZVTBCD.cents(fromAmount: [0, 0, 0, 0, 1])
        }
        #expect(throws: ZVTError.bcdLengthMismatch(expected: 9, actual: 10)) {
            try ZVTBCD.decode([UInt8](repeating: 0x99, count: 10))
        }
    }

    @Test("Digits keep leading zeros; other widths work")
    func digitsAndWidths() throws {
        #expect(try ZVTBCD.digits([0x09, 0x78]) == "0978")
        #expect(try ZVTBCD.encode(978, byteCount: 2) == [0x09, 0x78])
        #expect(try ZVTBCD.encode(123456, byteCount: 3) == [0x12, 0x34, 0x56])
        #expect(try ZVTBCD.decode([]) == 0)
        #expect(try ZVTBCD.decode([UInt8](repeating: 0x99, count: 9)) == 999_999_999_999_999_999)
        #expect(throws: ZVTError.bcdValueOutOfRange(value: 100, byteCount: 1)) {
            try ZVTBCD.encode(100, byteCount: 1)
        }
        #expect(throws: ZVTError.bcdValueOutOfRange(value: 1, byteCount: 0)) { try ZVTBCD.encode(1, byteCount: 0) }
    }

    @Test("Every single byte either decodes to its two digits or is rejected")
    func allBytes() {
        for byte in UInt8.min...UInt8.max {
            let valid = byte >> 4 <= 9 && byte & 0x0F <= 9
            do {
                let value = try ZVTBCD.decode([byte])
                #expect(valid)
                #expect(value == Int(byte >> 4) * 10 + Int(byte & 0x0F))
            } catch {
                #expect(!valid)
                #expect(error == .invalidBCDDigit(byte: byte, offset: 0))
            }
        }
    }
}
