import KitDrivers
import KitSimulators
import Testing

@Suite("BER-TLV / DER codec (ISO/IEC 7816-4 §6.3, X.690)")
struct BERTLVTests {
    let hex = ISO7816TestSupport.hex

    @Test("Tags: class, constructed flag, multi-byte numbers")
    func tags() throws {
        let chat = try #require(BERTLVTag(rawValue: 0x7F4C))
        #expect(chat.tagClass == .application)
        #expect(chat.isConstructed)
        #expect(chat.number == 0x4C)
        #expect(chat.bytes == [0x7F, 0x4C])
        #expect(BERTLVTag.application(17) == BERTLVTag(rawValue: 0x71))
        #expect(BERTLVTag.context(10).rawValue == 0xAA)
        #expect(BERTLVTag(tagClass: .private, isConstructed: false, number: 0x4000).bytes == [0xDF, 0x81, 0x80, 0x00])
        #expect(BERTLVTag(rawValue: 0x1F) == nil)  // truncated high-tag-number form
        #expect(BERTLVTag(rawValue: 0x1F1E) == nil)  // number 30 must use one byte
        #expect(BERTLVTag(rawValue: 0x1F8001) == nil)  // leading 80 in subsequent byte
        #expect(BERTLVTag(rawValue: 0x5F29)?.number == 41)
    }

    @Test("Nested constructed objects decode into a tree and encode back")
    func nested() throws {
        let bytes = hex("7C 0A 80 02 01 02 A1 04 81 02 03 04")
        let object = try BERTLV(bytes: bytes)
        #expect(object.tag.rawValue == 0x7C)
        #expect(object.children.count == 2)
        #expect(object.children[0] == .primitive(.context(0, constructed: false), [1, 2]))
        #expect(object.child(.context(1))?.children == [.primitive(.context(1, constructed: false), [3, 4])])
        #expect(object.encoded == bytes)
        #expect(object.description == "7C{80[01 02] A1{81[03 04]}}")
    }

    @Test("Lengths: short and long forms up to 4 bytes, minimal on encoding")
    func lengths() throws {
        #expect(BERTLV.encodeLength(0) == [0x00])
        #expect(BERTLV.encodeLength(127) == [0x7F])
        #expect(BERTLV.encodeLength(128) == [0x81, 0x80])
        #expect(BERTLV.encodeLength(255) == [0x81, 0xFF])
        #expect(BERTLV.encodeLength(256) == [0x82, 0x01, 0x00])
        #expect(BERTLV.encodeLength(65_536) == [0x83, 0x01, 0x00, 0x00])
        #expect(BERTLV.encodeLength(16_777_216) == [0x84, 0x01, 0x00, 0x00, 0x00])
        let long = BERTLV.octetString([UInt8](repeating: 7, count: 300))
        #expect(Array(long.encoded.prefix(4)) == [0x04, 0x82, 0x01, 0x2C])
        #expect(try BERTLV(bytes: long.encoded) == long)
        let lenient = try BERTLV(bytes: hex("04 81 02 AA BB"))
        #expect(lenient.value == [0xAA, 0xBB])
        #expect(throws: BERTLVError.nonMinimalLength(offset: 1)) {
            try BERTLV(bytes: hex("04 81 02 AA BB"), options: .strictDER)
        }
        #expect(throws: BERTLVError.nonMinimalLength(offset: 1)) {
            try BERTLV(bytes: hex("04 82 00 81") + [UInt8](repeating: 0, count: 129), options: .strictDER)
        }
    }

    @Test(
        "Hostile and truncated input gives typed errors",
        arguments: [
            ("", BERTLVError.truncatedTag(offset: 0)),
            ("5F", .truncatedTag(offset: 0)),
            ("5F FF FF FF 01 00", .tagTooLong(offset: 0)),
            ("1F 1E 00", .nonMinimalTag(offset: 0)),
            ("04", .truncatedLength(offset: 1)),
            ("04 82 01", .truncatedLength(offset: 1)),
            ("30 80 00 00", .indefiniteLength(offset: 1)),
            ("04 85 00 00 00 00 01", .lengthFieldTooLong(offset: 1, byteCount: 5)),
            ("04 05 01 02", .lengthExceedsInput(offset: 0, declared: 5, available: 2)),
            ("04 84 FF FF FF FF 00", .lengthExceedsInput(offset: 0, declared: 4_294_967_295, available: 1)),
            ("30 03 04 05 00", .lengthExceedsInput(offset: 2, declared: 5, available: 1)),
            ("30 01 5F", .truncatedTag(offset: 2)),
            ("30 02 5F 1F", .truncatedLength(offset: 4)),
            ("04 00 00", .trailingBytes(offset: 2, count: 1)),
        ])
    func errors(input: String, expected: BERTLVError) {
        #expect(throws: expected) { try BERTLV(bytes: hex(input)) }
        #expect(!expected.description.isEmpty)
    }

    @Test("Nesting depth is limited")
    func depthLimit() throws {
        var object = BERTLV.primitive(.null, [])
        for _ in 0..<40 {
            object = .constructed(.sequence, [object])
        }
        #expect(throws: BERTLVError.nestingTooDeep(offset: 64, limit: 32)) { try BERTLV(bytes: object.encoded) }
        let decoded = try BERTLV(bytes: object.encoded, options: .init(maximumDepth: 41))
        #expect(decoded == object)
    }

    @Test("decodeAll reads a sequence of top-level objects")
    func decodeAll() throws {
        let objects = try BERTLVDecoder().decodeAll(hex("80 01 01 81 00 A2 03 83 01 FF"))
        #expect(objects.count == 3)
        #expect(objects[2].children.first?.value == [0xFF])
        #expect(try BERTLVDecoder().decodeAll([]).isEmpty)
    }

    @Test(
        "INTEGER uses minimal two's complement",
        arguments: [
            (0, "02 01 00"), (127, "02 01 7F"), (128, "02 02 00 80"), (256, "02 02 01 00"), (-1, "02 01 FF"),
            (-128, "02 01 80"), (-129, "02 02 FF 7F"), (65, "02 01 41"), (Int.max, "02 08 7F FF FF FF FF FF FF FF"),
            (Int.min, "02 08 80 00 00 00 00 00 00 00"),
        ])
    func integers(value: Int, encoded: String) throws {
        let object = BERTLV.integer(value)
        #expect(object.encoded == hex(encoded))
        #expect(try object.integerValue() == value)
    }

    @Test("INTEGER decoding rejects empty and oversized values")
    func integerErrors() {
        #expect(throws: BERTLVError.emptyInteger) { try BERTLV.primitive(.integer, []).integerValue() }
        #expect(throws: BERTLVError.integerOutOfRange(byteCount: 9)) {
            try BERTLV.primitive(.integer, [UInt8](repeating: 1, count: 9)).integerValue()
        }
        #expect(throws: BERTLVError.unexpectedEncoding(tag: .sequence)) {
            try BERTLV.constructed(.sequence, []).integerValue()
        }
    }

    @Test(
        "OBJECT IDENTIFIER dotted form and content bytes",
        arguments: [
            ("0.4.0.127.0.7.2.2.4.2.2", "04 00 7F 00 07 02 02 04 02 02"),
            ("0.4.0.127.0.7.1.2", "04 00 7F 00 07 01 02"),
            ("1.2.840.113549.1.1.11", "2A 86 48 86 F7 0D 01 01 0B"),
            ("2.999.3", "88 37 03"),
            ("2.5.4.3", "55 04 03"),
        ])
    func objectIdentifiers(dotted: String, content: String) throws {
        let oid = try BERTLVObjectIdentifier(dotted: dotted)
        #expect(oid.contentBytes == hex(content))
        #expect(try BERTLVObjectIdentifier(contentBytes: hex(content)) == oid)
        #expect(oid.dotted == dotted)
        #expect(try BERTLV.objectIdentifier(oid).objectIdentifierValue() == oid)
    }

    @Test(
        "Malformed OBJECT IDENTIFIERs are rejected", arguments: ["", "1", "3.1", "1.40", "1..2", "01.2", "a.b", "1.2."])
    func badDotted(text: String) {
        #expect(throws: BERTLVError.self) { try BERTLVObjectIdentifier(dotted: text) }
    }

    @Test("Malformed OID content bytes are rejected")
    func badContent() {
        let contents: [[UInt8]] = [
            [], [0x86], [0x2A, 0x80, 0x01], [0x2A] + [UInt8](repeating: 0xFF, count: 10) + [0x7F],
        ]
        for content in contents {
            #expect(throws: BERTLVError.self) { try BERTLVObjectIdentifier(contentBytes: content) }
        }
    }

    @Test("Strings: UTF-8, PrintableString and IA5String validation")
    func strings() throws {
        #expect(try BERTLV.utf8String("KÖLN").stringValue() == "KÖLN")
        #expect(BERTLV.utf8String("KÖLN").encoded == hex("0C 05 4B C3 96 4C 4E"))
        #expect(try BERTLV.printableString("51147").encoded == hex("13 05 35 31 31 34 37"))
        #expect(throws: BERTLVError.invalidString(tag: .printableString)) { try BERTLV.printableString("a_b") }
        #expect(throws: BERTLVError.invalidString(tag: .utf8String)) {
            try BERTLV.primitive(.utf8String, [0xC3]).stringValue()
        }
        #expect(throws: BERTLVError.invalidString(tag: .ia5String)) {
            try BERTLV.primitive(.ia5String, [0xC3, 0x96]).stringValue()
        }
    }

    @Test("Round trip: decode(encode(x)) == x for random trees")
    func roundTrip() throws {
        var random = SeededRandom(seed: 0xDE12)
        for _ in 0..<1000 {
            let tree = randomTree(&random, depth: 0)
            #expect(try BERTLV(bytes: tree.encoded, options: .strictDER) == tree)
        }
    }

    @Test("Fuzz: random and mutated bytes decode or throw BERTLVError")
    func fuzz() {
        var random = SeededRandom(seed: 0xBE27)
        let seed = hex("7C 0A 80 02 01 02 A1 04 81 02 03 04")
        for round in 0..<5000 {
            let input =
                round % 2 == 0 ? random.bytes(count: Int.random(in: 0...32, using: &random)) : random.mutate(seed)
            do {
                let objects = try BERTLVDecoder(options: .init(maximumDepth: 8)).decodeAll(input)
                #expect(objects.flatMap(\.encoded).count <= input.count)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    private func randomTree(_ random: inout SeededRandom, depth: Int) -> BERTLV {
        let tagClass = BERTLVTag.TagClass(rawValue: UInt8.random(in: 0...3, using: &random)) ?? .universal
        let number =
            Bool.random(using: &random)
            ? UInt32.random(in: 0...30, using: &random)
            : UInt32.random(in: 31...BERTLVTag.maximumNumber, using: &random)
        let tag = BERTLVTag(tagClass: tagClass, isConstructed: false, number: number)
        if depth < 4 && Int.random(in: 0...2, using: &random) == 0 {
            let children = (0..<Int.random(in: 0...3, using: &random)).map { _ in randomTree(&random, depth: depth + 1)
            }
            return .constructed(tag, children)
        }
        let length =
            Bool.random(using: &random)
            ? Int.random(in: 0...10, using: &random) : Int.random(in: 0...300, using: &random)
        return .primitive(tag, random.bytes(count: length))
    }
}
