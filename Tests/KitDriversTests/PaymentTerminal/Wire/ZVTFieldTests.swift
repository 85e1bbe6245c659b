import Foundation
import Testing

@testable import KitDrivers

@Suite("ZVT BMP field codec")
struct ZVTFieldTests {
    private func bytes(_ hex: String) -> [UInt8] { ZVTTestSupport.bytes(hex) }

    @Test("Fixed-length BMPs take their length from the table")
    func fixedLengths() throws {
        let data = bytes("04 000000002500 49 0978 0B 000975 0C 225558 0D 0405 0E 2405 17 0001 19 40 27 00 29 52523535")
        let list = ZVTFieldList(decoding: data)
        #expect(list.isFullyParsed)
        #expect(list.fields.map(\.tag) == [0x04, 0x49, 0x0B, 0x0C, 0x0D, 0x0E, 0x17, 0x19, 0x27, 0x29])
        #expect(try list.amountCents == 2500)
        #expect(try list.cardSequenceNumber == 1)
        #expect(list.encode() == data)
        #expect(try ZVTFieldList.decodeStrictly(data) == list)
    }

    @Test("LLVAR and LLLVAR lengths are one F0|digit byte per decimal digit")
    func variableLengths() throws {
        let pan = try ZVTField(tag: ZVTBMP.pan, bytes: bytes("6725 9999 9999 9999 99FF"))
        var encoded: [UInt8] = []
        pan.encode(into: &encoded)
        #expect(encoded == bytes("22 F1F0 6725999999999999 99FF"))

        let text = try ZVTField.additionalText(String(repeating: "x", count: 123))
        let list = ZVTFieldList([text])
        #expect(Array(list.encode().prefix(4)) == [0x3C, 0xF1, 0xF2, 0xF3])
        #expect(ZVTFieldList(decoding: list.encode()) == list)

        let empty = try ZVTField(tag: ZVTBMP.cardName, bytes: [])
        #expect(ZVTFieldList([empty]).encode() == [0x8B, 0xF0, 0xF0])
    }

    @Test("Variable fields longer than their length digits allow are rejected")
    func variableTooLong() {
        #expect(throws: ZVTError.fieldTooLong(tag: 0x22, length: 100, maximum: 99)) {
            try ZVTField(tag: 0x22, bytes: [UInt8](repeating: 0, count: 100))
        }
        #expect(throws: ZVTError.fieldTooLong(tag: 0x3C, length: 1000, maximum: 999)) {
            try ZVTField(tag: 0x3C, bytes: [UInt8](repeating: 0x41, count: 1000))
        }
    }

    @Test("Builders check lengths, tags and kinds")
    func builderValidation() {
        #expect(throws: ZVTError.fieldLengthMismatch(tag: 0x04, expected: 6, actual: 5)) {
            try ZVTField(tag: 0x04, bytes: [0, 0, 0, 0, 1])
        }
        #expect(throws: ZVTError.unknownFieldTag(tag: 0x31, offset: 0)) { try ZVTField(tag: 0x31, bytes: []) }
        #expect(throws: ZVTError.wrongFieldKind(tag: 0x06)) { try ZVTField(tag: 0x06, bytes: []) }
        #expect(throws: ZVTError.bcdValueOutOfRange(value: 10000, byteCount: 2)) {
            try ZVTField.currency(code: 10000)
        }
        #expect(throws: ZVTError.unencodableText(character: "€")) { try ZVTField.additionalText("5 €") }
    }

    @Test("Typed builders and readers agree")
    func typedRoundTrip() throws {
        let list = ZVTFieldList([
            try .amount(cents: 1295), try .currency(code: 978), .paymentType(0x40), .timeout(0x30),
            .maximumStatusInformations(0x05), .resultCode(.success), try .traceNumber(977),
            try .receiptNumber(232), try .turnoverNumber(1234), try .terminalID(52_523_535),
            try .time(hour: 9, minute: 5, second: 7), try .date(month: 12, day: 24),
            try .expiryDate(year: 2031, month: 1), try .vuNumber("804011926"), try .cardName("girocard"),
            .cardType(0x05), .cardTypeID(0x00), try .additionalText("Gebühr für Ausweis"), .serviceByte(0x01),
        ])
        let decoded = ZVTFieldList(decoding: list.encode())
        #expect(decoded == list)
        #expect(decoded.isFullyParsed)
        #expect(try decoded.amountCents == 1295)
        #expect(try decoded.currencyCode == 978)
        #expect(decoded.paymentType == 0x40)
        #expect(decoded.resultCode == .success)
        #expect(try decoded.traceNumber == 977)
        #expect(try decoded.receiptNumber == 232)
        #expect(try decoded.turnoverNumber == 1234)
        #expect(try decoded.terminalID == "52523535")
        #expect(try decoded.time?.hour == 9)
        #expect(try decoded.date?.day == 24)
        #expect(try decoded.expiryDate?.year == 2031)
        #expect(decoded.vuNumber == "804011926")
        #expect(decoded.cardName == "girocard")
        #expect(decoded.cardType == 0x05)
        #expect(decoded.cardTypeID == 0x00)
        #expect(decoded.additionalText == "Gebühr für Ausweis")
        #expect(decoded.serviceByte == 0x01)
    }

    @Test("Unknown BMP keeps the rest raw and re-encodes identically")
    func unknownTagKeepsRest() {
        let data = bytes("27 00 31 37 46 44 49 0978")
        let list = ZVTFieldList(decoding: data)
        #expect(list.fields.map(\.tag) == [0x27])
        #expect(list.unparsed == bytes("31 37 46 44 49 0978"))
        #expect(list.unparsedReason == .unknownFieldTag(tag: 0x31, offset: 2))
        #expect(list.encode() == data)
        #expect(throws: ZVTError.unknownFieldTag(tag: 0x31, offset: 2)) { try ZVTFieldList.decodeStrictly(data) }
    }

    @Test(
        "Malformed known BMPs end lenient parsing with a reason",
        arguments: [
            ("04 0000", ZVTError.truncatedField(tag: 0x04, offset: 0, needed: 7, available: 3)),
            ("22 F1", ZVTError.truncatedField(tag: 0x22, offset: 0, needed: 3, available: 2)),
            ("22 F0F5 1234", ZVTError.truncatedField(tag: 0x22, offset: 0, needed: 8, available: 5)),
            ("22 F0FA 1234", ZVTError.invalidVariableLength(tag: 0x22, offset: 0, lengthBytes: [0xF0, 0xFA])),
            ("3C E0F0F1 41", ZVTError.invalidVariableLength(tag: 0x3C, offset: 0, lengthBytes: [0xE0, 0xF0, 0xF1])),
            ("06 05 1F07 01", ZVTError.truncatedTLV(offset: 1, needed: 6, available: 4)),
            ("06 80", ZVTError.unsupportedTLVLength(firstByte: 0x80, offset: 1)),
            ("06 83 000001 00", ZVTError.unsupportedTLVLength(firstByte: 0x83, offset: 1)),
            ("06 02 1F", ZVTError.truncatedTLV(offset: 1, needed: 3, available: 2)),
            ("06 01 1F", ZVTError.invalidTLVTag(offset: 2, bytes: [0x1F])),
        ])
    func malformed(hex: String, reason: ZVTError) throws {
        let data = bytes(hex)
        let list = ZVTFieldList(decoding: data)
        #expect(list.fields.isEmpty)
        #expect(list.unparsed == data)
        #expect(list.unparsedReason == reason)
        #expect(list.encode() == data)
        #expect(throws: reason) { try ZVTFieldList.decodeStrictly(data) }
    }

    @Test("Typed readers reject non-BCD values")
    func readerRejectsBadBCD() throws {
        let list = ZVTFieldList(decoding: bytes("04 00000000250A 49 09A8 87 FFFF"))
        #expect(list.isFullyParsed)
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0x0A, offset: 5)) { try list.amountCents }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0xA8, offset: 1)) { try list.currencyCode }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0xFF, offset: 0)) { try list.receiptNumber }
        #expect(try list.traceNumber == nil)
    }

    @Test("A list with unparsed bytes can be built only if the bytes do not parse")
    func unparsedBuilder() throws {
        let list = try ZVTFieldList(fields: [.paymentType(0x40)], unparsed: [0x31, 0x32])
        #expect(ZVTFieldList(decoding: list.encode()) == list)
        #expect(throws: ZVTError.self) { try ZVTFieldList(fields: [], unparsed: [0x19, 0x40]) }
    }
}

@Suite("ZVT TLV container")
struct ZVTTLVTests {
    private func bytes(_ hex: String) -> [UInt8] { ZVTTestSupport.bytes(hex) }

    @Test("Tags: one byte, multi-byte 1F xx, constructed bit")
    func tags() throws {
        let receiptType = try #require(ZVTTLVTag(0x1F07))
        #expect(receiptType.bytes == [0x1F, 0x07])
        #expect(!receiptType.isConstructed)
        #expect(try #require(ZVTTLVTag(0x25)).isConstructed)
        #expect(try #require(ZVTTLVTag(0xE4)).isConstructed)
        #expect(try #require(ZVTTLVTag(0x1F8101)).bytes == [0x1F, 0x81, 0x01])
        #expect(ZVTTLVTag(0x1F) == nil)
        #expect(ZVTTLVTag(0x1F81) == nil)
        #expect(ZVTTLVTag(0x0107) == nil)
        #expect(throws: ZVTError.invalidTLVTag(offset: 0, bytes: [])) { try ZVTTLVTag(bytes: []) }
        #expect(try ZVTTLVTag(bytes: [0x1F, 0x44]).number == 0x1F44)
    }

    @Test("Nested constructed objects decode and re-encode")
    func nested() throws {
        let data = bytes("06 10 E9 0E 1F62 02 4143 1F63 06 333834484832")
        let list = ZVTFieldList(decoding: data)
        let container = try #require(list.tlv)
        let outer = try #require(container.nodes.first)
        #expect(outer.tag.bytes == [0xE9])
        #expect(outer.children.count == 2)
        #expect(outer.child(try #require(ZVTTLVTag(0x1F62)))?.value == [0x41, 0x43])
        #expect(list.encode() == data)
    }

    @Test(
        "Long length forms 81 and 82 are read, and kept when longer than needed",
        arguments: [
            "06 81 03 1F07 00", "06 82 0003 1F07 00", "06 04 1F07 81 00", "06 05 1F07 82 0000",
            "06 05 25 83 07 01 41",
        ])
    func longForms(hex: String) throws {
        let data = bytes(hex)
        let list = ZVTFieldList(decoding: data)
        if hex.contains("83") {
            #expect(!list.isFullyParsed)
        } else {
            #expect(list.isFullyParsed)
        }
        #expect(list.encode() == data)
    }

    @Test("Built containers use the shortest length form")
    func builtLengths() throws {
        let short = try ZVTTLVNode(tag: .textLine, value: [UInt8](repeating: 0x41, count: 0x7F))
        #expect(Array(short.encode().prefix(2)) == [0x07, 0x7F])
        let oneByte = try ZVTTLVNode(tag: .textLine, value: [UInt8](repeating: 0x41, count: 0x80))
        #expect(Array(oneByte.encode().prefix(3)) == [0x07, 0x81, 0x80])
        let twoBytes = try ZVTTLVNode(tag: .textLine, value: [UInt8](repeating: 0x41, count: 0x1234))
        #expect(Array(twoBytes.encode().prefix(4)) == [0x07, 0x82, 0x12, 0x34])
        #expect(try ZVTTLVNode.decode(twoBytes.encode()) == twoBytes)

        let block = try ZVTTLVNode(tag: .printTexts, children: [short, oneByte])
        let field = ZVTField(tlv: try ZVTTLVContainer([block]))
        let list = ZVTFieldList([field])
        #expect(ZVTFieldList(decoding: list.encode()) == list)
    }

    @Test("Primitive and constructed content must match the tag")
    func kindMismatch() throws {
        #expect(throws: ZVTError.tlvKindMismatch(tag: [0x25])) { try ZVTTLVNode(tag: .printTexts, value: []) }
        #expect(throws: ZVTError.tlvKindMismatch(tag: [0x07])) { try ZVTTLVNode(tag: .textLine, children: []) }
        #expect(throws: ZVTError.tlvTooLong(length: 65536)) {
            try ZVTTLVNode(tag: .textLine, value: [UInt8](repeating: 0, count: 65536))
        }
    }

    @Test("Deep nesting is cut off with a typed error instead of exhausting the stack")
    func deepNesting() {
        // Each level is `20 82 hi lo`, a constructed tag with a two-byte length.
        var deep: [UInt8] = []
        for _ in 0..<(ZVTTLVNode.maximumNestingDepth + 5) { deep = [0x20, 0x82, 0, 0] + deep }
        var remaining = 0
        for index in stride(from: deep.count - 4, through: 0, by: -4) {
            deep[index + 2] = UInt8(remaining >> 8)
            deep[index + 3] = UInt8(remaining & 0xFF)
            remaining += 4
        }
        #expect(throws: ZVTError.tlvNestingTooDeep(limit: ZVTTLVNode.maximumNestingDepth, offset: 128)) {
            try ZVTTLVNode.decode(deep)
        }
    }

    @Test("Descendant search walks depth first in wire order")
    func descendantSearch() throws {
        let line1 = try ZVTTLVNode(tag: .textLine, value: [0x31])
        let line2 = try ZVTTLVNode(tag: .textLine, value: [0x32])
        let inner = try ZVTTLVNode(tag: .printTexts, children: [line1])
        let container = try ZVTTLVContainer([inner, line2])
        #expect(container.firstDescendant(.textLine) == line1)
        #expect(container.first(.textLine) == line2)
        #expect(container.firstDescendant(.receiptType) == nil)
    }
}
