import KitDrivers
import KitSimulators
import Testing

@Suite("Response APDU, status words and the 61xx/6Cxx transport decisions (ISO/IEC 7816-4 §5.6)")
struct ISO7816ResponseTests {
    let hex = ISO7816TestSupport.hex

    @Test("Response APDU splits data and SW1 SW2")
    func response() throws {
        let ok = try ISO7816ResponseAPDU(bytes: hex("90 00"))
        #expect(ok.data.isEmpty)
        #expect(ok.statusWord == .success)
        #expect(ok.statusWord.isSuccess)
        let notFound = try ISO7816ResponseAPDU(bytes: hex("01 02 6A 82"))
        #expect(notFound.data == [0x01, 0x02])
        #expect(notFound.statusWord == .fileNotFound)
        #expect(notFound.encoded == hex("01 02 6A 82"))
        #expect(throws: ISO7816APDUError.responseTooShort(count: 1)) { try ISO7816ResponseAPDU(bytes: [0x90]) }
        #expect(throws: ISO7816APDUError.responseTooShort(count: 0)) { try ISO7816ResponseAPDU(bytes: []) }
    }

    @Test(
        "Status word meanings and categories",
        arguments: [
            (UInt16(0x9000), ISO7816StatusWord.Category.normalProcessing, "successful"),
            (0x6110, .normalProcessing, "16 more response byte(s)"),
            (0x6100, .normalProcessing, "256 more response byte(s)"),
            (0x6282, .warning, "end of file"),
            (0x63C2, .warning, "2 tries remaining"),
            (0x63C1, .warning, "1 try remaining"),
            (0x6581, .executionError, "memory failure"),
            (0x6700, .checkingError, "Wrong length"),
            (0x6982, .checkingError, "Security status not satisfied"),
            (0x6983, .checkingError, "blocked"),
            (0x6984, .checkingError, "Reference data not usable"),
            (0x6985, .checkingError, "Conditions of use not satisfied"),
            (0x6A80, .checkingError, "command data field"),
            (0x6A82, .checkingError, "File or application not found"),
            (0x6A86, .checkingError, "Incorrect parameters P1-P2"),
            (0x6C20, .checkingError, "exactly 32 byte(s)"),
            (0x6D00, .checkingError, "Instruction code not supported"),
            (0x6E00, .checkingError, "Class not supported"),
            (0x6F00, .checkingError, "No precise diagnosis"),
            (0x6A99, .checkingError, "Wrong parameters P1-P2 (SW2 99)"),
            (0x9001, .unknown, "Unknown"),
        ])
    func statusWords(raw: UInt16, category: ISO7816StatusWord.Category, fragment: String) {
        let sw = ISO7816StatusWord(rawValue: raw)
        #expect(sw.category == category)
        #expect(sw.meaning.contains(fragment))
        #expect(sw.description.hasPrefix(String(raw, radix: 16, uppercase: true)))
        #expect(ISO7816StatusWord(sw1: sw.sw1, sw2: sw.sw2) == sw)
    }

    @Test("Counters carried in SW2")
    func counters() {
        #expect(ISO7816StatusWord(rawValue: 0x6110).bytesAvailable == 16)
        #expect(ISO7816StatusWord(rawValue: 0x6100).bytesAvailable == 256)
        #expect(ISO7816StatusWord(rawValue: 0x6C08).exactLengthExpected == 8)
        #expect(ISO7816StatusWord(rawValue: 0x63C0).retryCounter == 0)
        #expect(ISO7816StatusWord(rawValue: 0x6300).retryCounter == nil)
        #expect(ISO7816StatusWord.success.bytesAvailable == nil)
    }

    @Test("61xx asks for GET RESPONSE on the same logical channel; 6Cxx for a resend with Le=xx")
    func transportActions() throws {
        let read = try ISO7816CommandAPDU.readBinary(offset: 0)
        let more = ISO7816ResponseAPDU(data: [1, 2], statusWord: ISO7816StatusWord(rawValue: 0x6110))
        #expect(ISO7816TransportAction(command: read, response: more) == .getResponse(try .getResponse(ne: 16)))
        let wrongLe = ISO7816ResponseAPDU(statusWord: ISO7816StatusWord(rawValue: 0x6C08))
        #expect(
            ISO7816TransportAction(command: read, response: wrongLe)
                == .resend(try ISO7816CommandAPDU(cla: 0, ins: 0xB0, p1: 0, p2: 0, ne: 8)))
        #expect(ISO7816TransportAction(command: read, response: ISO7816ResponseAPDU(statusWord: .success)) == .complete)
        #expect(
            ISO7816TransportAction(command: read, response: ISO7816ResponseAPDU(statusWord: .fileNotFound)) == .complete
        )

        for (cla, expected) in [
            (UInt8(0x01), UInt8(0x01)), (0x0D, 0x01), (0x13, 0x03), (0x4C, 0x4C), (0x6C, 0x4C), (0x80, 0x00),
        ] {
            let command = try ISO7816CommandAPDU(cla: cla, ins: 0xCA, p1: 0, p2: 0, ne: 256)
            guard case .getResponse(let next) = ISO7816TransportAction(command: command, response: more) else {
                Issue.record("expected GET RESPONSE for CLA \(cla)")
                continue
            }
            #expect(next.cla == expected)
            #expect(next.ins == 0xC0)
        }
    }

    @Test("Response chain collects 61xx parts and repeats after 6Cxx")
    func chain() throws {
        var chain = ISO7816ResponseChain(command: try .readBinary(offset: 0))
        let first = try chain.next(after: ISO7816ResponseAPDU(data: [1, 2, 3], statusWord: .init(rawValue: 0x6102)))
        #expect(first == .send(try .getResponse(ne: 2)))
        let second = try chain.next(after: ISO7816ResponseAPDU(statusWord: .init(rawValue: 0x6C01)))
        #expect(second == .send(try .getResponse(ne: 1)))
        let last = try chain.next(after: ISO7816ResponseAPDU(data: [4], statusWord: .success))
        #expect(last == .finished(ISO7816ResponseAPDU(data: [1, 2, 3, 4], statusWord: .success)))
        #expect(chain.rounds == 3)
    }

    @Test("Response chain stops a card that never ends")
    func chainLimit() throws {
        var chain = ISO7816ResponseChain(command: try .readBinary(offset: 0), maximumRounds: 5)
        let endless = ISO7816ResponseAPDU(data: [0], statusWord: .init(rawValue: 0x6101))
        for _ in 0..<4 {
            _ = try chain.next(after: endless)
        }
        #expect(throws: ISO7816APDUError.tooManyResponseRounds(rounds: 5)) { try chain.next(after: endless) }
    }

    @Test("Fuzz: any response bytes give a response or a typed error, and a transport action")
    func fuzz() throws {
        var random = SeededRandom(seed: 0x61)
        let command = try ISO7816CommandAPDU.readBinary(offset: 0)
        for _ in 0..<3000 {
            let bytes = random.bytes(count: Int.random(in: 0...6, using: &random))
            do {
                let response = try ISO7816ResponseAPDU(bytes: bytes)
                #expect(response.encoded == bytes)
                #expect(!response.statusWord.meaning.isEmpty)
                _ = ISO7816TransportAction(command: command, response: response)
            } catch {
                #expect(bytes.count < 2)
            }
        }
    }
}
