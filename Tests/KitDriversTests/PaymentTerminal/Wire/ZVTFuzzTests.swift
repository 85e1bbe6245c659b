import Testing

@testable import KitDrivers

/// Seeded fuzz loops over hostile input: no crash, and either a value or a typed `ZVTError`
/// (the decoders use typed throws, so any error caught here is a `ZVTError`).
@Suite("ZVT hostile input")
struct ZVTFuzzTests {
    /// Control fields the typed decoder knows, plus vendor ones.
    private static let controlFields: [(UInt8, UInt8)] = [
        (0x06, 0x00), (0x06, 0x01), (0x06, 0x02), (0x06, 0x10), (0x06, 0x18), (0x06, 0x20), (0x06, 0x30),
        (0x06, 0x31), (0x06, 0x50), (0x06, 0x70), (0x06, 0xB0), (0x05, 0x01), (0x04, 0x0F), (0x04, 0xFF),
        (0x06, 0x0F), (0x06, 0x1E), (0x06, 0xD1), (0x06, 0xD3), (0x80, 0x00), (0x84, 0x9C), (0x08, 0x30),
        (0x0F, 0xA1),
    ]

    /// Bytes that are likely to hit interesting decoder paths.
    private static let interesting: [UInt8] = [
        0x00, 0x03, 0x04, 0x06, 0x10, 0x19, 0x1F, 0x22, 0x25, 0x27, 0x3C, 0x49, 0x7F, 0x80, 0x81, 0x82, 0x83,
        0x87, 0x8B, 0xE9, 0xF0, 0xF1, 0xF9, 0xFA, 0xFF,
    ]

    private func hostileBytes(_ random: inout ZVTTestRandom, maxCount: Int) -> [UInt8] {
        let count = Int.random(in: 0...maxCount, using: &random)
        return (0..<count).map { _ in
            Bool.random(using: &random)
                ? Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &random)]
                : UInt8.random(in: 0...255, using: &random)
        }
    }

    /// Decoding either fails with a typed error or yields a message that re-encodes to the input.
    private func checkMessage(_ bytes: [UInt8]) {
        do {
            let apdu = try ZVTAPDU.decode(bytes)
            let message = try ZVTMessage(apdu: apdu)
            let encoded = try message.encode(forcingExtendedLength: apdu.forcesExtendedLength)
            #expect(encoded == bytes)
            #expect(try ZVTMessage.decode(encoded) == message)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    @Test("Random APDUs with valid headers for every known command", arguments: [UInt64(1), 2, 3])
    func randomAPDUs(seed: UInt64) throws {
        var random = ZVTTestRandom(seed: seed)
        for _ in 0..<3000 {
            let (commandClass, instruction) = Self.controlFields[
                Int.random(in: 0..<Self.controlFields.count, using: &random)]
            let data = hostileBytes(&random, maxCount: 80)
            var bytes: [UInt8] = [commandClass, instruction]
            if Int.random(in: 0..<10, using: &random) == 0 {
                bytes += [0xFF, UInt8(data.count & 0xFF), UInt8(data.count >> 8)]
            } else {
                bytes.append(UInt8(data.count))
            }
            checkMessage(bytes + data)
        }
    }

    @Test("Completely random byte strings")
    func randomBytes() {
        var random = ZVTTestRandom(seed: 99)
        for _ in 0..<4000 {
            checkMessage(hostileBytes(&random, maxCount: 40))
        }
    }

    @Test("Mutated, truncated and extended golden recordings")
    func mutatedRecordings() throws {
        let recordings = try ZVTTestSupport.goldenRecordings()
        try #require(!recordings.isEmpty)
        var random = ZVTTestRandom(seed: 7)
        for _ in 0..<4000 {
            var bytes = recordings[Int.random(in: 0..<recordings.count, using: &random)].bytes
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            case 1:
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            case 2:
                let index = Int.random(in: 3...bytes.count, using: &random)
                bytes.insert(Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &random)], at: index)
                if bytes[2] != 0xFF, bytes[2] < 0xFE { bytes[2] += 1 }
            default:
                let index = Int.random(in: 3..<max(4, bytes.count), using: &random)
                if index < bytes.count { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            }
            checkMessage(bytes)
        }
    }

    @Test("Lenient BMP decoding never fails and always re-encodes the input")
    func fieldLists() {
        var random = ZVTTestRandom(seed: 11)
        for _ in 0..<5000 {
            let bytes = hostileBytes(&random, maxCount: 60)
            let lenient = ZVTFieldList(decoding: bytes)
            #expect(lenient.encode() == bytes)
            #expect(ZVTFieldList(decoding: lenient.encode()) == lenient)
            #expect(lenient.unparsed.isEmpty == (lenient.unparsedReason == nil))
            do {
                let strict = try ZVTFieldList.decodeStrictly(bytes)
                #expect(strict == lenient)
            } catch {
                #expect(!lenient.isFullyParsed)
            }
        }
    }

    @Test("TLV decoding of random bytes")
    func tlvNodes() {
        var random = ZVTTestRandom(seed: 13)
        for _ in 0..<5000 {
            let bytes = hostileBytes(&random, maxCount: 40)
            do {
                let node = try ZVTTLVNode.decode(bytes)
                #expect(node.encode() == bytes)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("TCP framer with random bytes in random chunks")
    func tcpFramer() {
        var random = ZVTTestRandom(seed: 17)
        for _ in 0..<1000 {
            var decoder = ZVTFrameDecoder(maximumFrameLength: Int.random(in: 3...400, using: &random))
            var consumed = 0
            var fed = 0
            var failed = false
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let chunk = hostileBytes(&random, maxCount: 50)
                fed += chunk.count
                decoder.feed(chunk)
                do {
                    while let frame = try decoder.nextFrame() {
                        consumed += frame.count
                        #expect(frame.count <= decoder.maximumFrameLength)
                    }
                } catch {
                    failed = true
                    break
                }
            }
            if !failed {
                #expect(consumed + decoder.bufferedByteCount == fed)
            }
        }
    }

    @Test("Serial decoder with random bytes never crashes and only yields CRC-checked frames")
    func serialDecoder() {
        var random = ZVTTestRandom(seed: 19)
        for _ in 0..<1000 {
            var decoder = ZVTSerialFrameDecoder(maximumFrameLength: 64)
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                var chunk = hostileBytes(&random, maxCount: 40)
                if Bool.random(using: &random) { chunk += ZVTSerialFrame.encode(hostileBytes(&random, maxCount: 20)) }
                decoder.feed(chunk)
                while let event = decoder.nextEvent() {
                    if case .frame(let payload) = event {
                        #expect(payload.count <= 64)
                    }
                }
            }
        }
    }

    @Test("Random well-formed messages survive decode(encode(x)) == x")
    func builtMessages() throws {
        var random = ZVTTestRandom(seed: 23)
        for _ in 0..<1500 {
            var fields: [ZVTField] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                switch Int.random(in: 0..<7, using: &random) {
                case 0: fields.append(try .amount(cents: Int.random(in: 0...ZVTBCD.maximumAmountCents, using: &random)))
                case 1: fields.append(try .currency(code: Int.random(in: 0...9999, using: &random)))
                case 2: fields.append(.paymentType(UInt8.random(in: 0...255, using: &random)))
                case 3:
                    fields.append(
                        try ZVTField(tag: 0x22, bytes: random.bytes(count: Int.random(in: 0...99, using: &random))))
                case 4:
                    fields.append(
                        try ZVTField(tag: 0x3C, bytes: random.bytes(count: Int.random(in: 0...300, using: &random))))
                case 5:
                    let line = try ZVTTLVNode(
                        tag: .textLine, value: random.bytes(count: Int.random(in: 0...200, using: &random)))
                    fields.append(try .tlv([try ZVTTLVNode(tag: .printTexts, children: [line])]))
                default: fields.append(.resultCode(ZVTResultCode(UInt8.random(in: 0...255, using: &random))))
                }
            }
            let list = ZVTFieldList(fields)
            let messages: [ZVTMessage] = [
                .authorization(ZVTAuthorization(fields: list)),
                .statusInformation(ZVTStatusInformation(fields: list)),
                .printTextBlock(ZVTPrintTextBlock(fields: list)),
                .reversal(try ZVTPasswordCommand(password: Int.random(in: 0...999_999, using: &random), fields: list)),
                .abort(ZVTAbort(resultCode: .systemError, fields: list)),
            ]
            for message in messages {
                #expect(try ZVTMessage.decode(message.encode()) == message)
            }
            if let registration = try? ZVTRegistration(password: 123456, config: [], currencyCode: 978, fields: list) {
                #expect(
                    try ZVTMessage.decode(ZVTMessage.registration(registration).encode()) == .registration(registration)
                )
            }
            if let status = try? ZVTIntermediateStatus(status: .pleaseWait, timeout: 0x30, fields: list) {
                #expect(
                    try ZVTMessage.decode(ZVTMessage.intermediateStatus(status).encode()) == .intermediateStatus(status)
                )
            }
            if let completion = try? ZVTCompletion(fields: list) {
                #expect(try ZVTMessage.decode(ZVTMessage.completion(completion).encode()) == .completion(completion))
            }
        }
    }
}
