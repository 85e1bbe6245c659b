import KitCore
import KitDrivers
import KitSimulators
import Testing

@Suite("vpcd socket framing (vsmartcard: 2-byte big-endian length + payload)")
struct VPCDTests {
    func hex(_ text: String) -> [UInt8] { Hex.decode(text.split(separator: " ").joined()) ?? [] }

    @Test("Control commands and APDUs from vpcd")
    func messages() throws {
        var decoder = VPCDFrameDecoder()
        decoder.append(hex("00 01 00 00 01 01 00 01 02 00 01 04 00 01 07 00 07 00 A4 00 0C 02 3F 00"))
        #expect(try decoder.nextMessage() == .powerOff)
        #expect(try decoder.nextMessage() == .powerOn)
        #expect(try decoder.nextMessage() == .reset)
        #expect(try decoder.nextMessage() == .getATR)
        #expect(try decoder.nextMessage() == .unknownControl(7))
        let apdu = try decoder.nextMessage()
        #expect(apdu == .apdu(hex("00 A4 00 0C 02 3F 00")))
        #expect(apdu?.expectsReply == true)
        #expect(VPCDMessage.reset.expectsReply == false)
        #expect(try decoder.nextMessage() == nil)
        try decoder.finish()
    }

    @Test("Split reads: one byte at a time, with explicit read states")
    func splitReads() throws {
        var decoder = VPCDFrameDecoder()
        let frame = hex("00 05 00 B0 00 00 00")
        for (index, byte) in frame.enumerated() {
            decoder.append([byte])
            let message = try decoder.nextMessage()
            if index < frame.count - 1 {
                #expect(message == nil)
                #expect(decoder.state == (index == 0 ? .waitingForHeader : .waitingForFrame(length: 5)))
            } else {
                #expect(message == .apdu(hex("00 B0 00 00 00")))
                #expect(decoder.state == .waitingForHeader)
            }
        }
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("Leftover bytes when the connection closes are an error")
    func leftover() {
        var header = VPCDFrameDecoder()
        header.append([0x00])
        #expect(throws: VPCDError.leftoverBytesAtEndOfStream(count: 1)) { try header.finish() }
        var body = VPCDFrameDecoder()
        body.append(hex("00 05 00 B0"))
        #expect(body.nextFrame() == nil)
        #expect(throws: VPCDError.leftoverBytesAtEndOfStream(count: 4)) { try body.finish() }
    }

    @Test("A zero-length frame is reported and decoding continues")
    func emptyFrame() throws {
        var decoder = VPCDFrameDecoder()
        decoder.append(hex("00 00 00 01 04"))
        #expect(throws: VPCDError.emptyPayload) { try decoder.nextMessage() }
        #expect(try decoder.nextMessage() == .getATR)
    }

    @Test("Replies from the card: ATR and response APDU")
    func replies() throws {
        let atr = try ATR(bytes: hex("3B 95 13 81 01 80 73 FF 01 00 0B"))
        #expect(try VPCDFrameEncoder.reply(atr: atr) == hex("00 0B 3B 95 13 81 01 80 73 FF 01 00 0B"))
        #expect(
            try VPCDFrameEncoder.reply(response: ISO7816ResponseAPDU(data: [0x01], statusWord: .success))
                == hex("00 03 01 90 00"))
        #expect(throws: VPCDError.payloadTooLong(count: 65_536)) {
            try VPCDFrameEncoder.frame([UInt8](repeating: 0, count: 65_536))
        }
        #expect(throws: VPCDError.apduPayloadTooShort(count: 1)) { try VPCDFrameEncoder.frame(.apdu([0x00])) }
        #expect(throws: VPCDError.emptyPayload) { try VPCDMessage(payload: []) }
        #expect(try VPCDFrameEncoder.frame(.getATR) == hex("00 01 04"))
        let long = [UInt8](repeating: 0xAA, count: 300)
        #expect(Array(try VPCDFrameEncoder.frame(long).prefix(2)) == [0x01, 0x2C])
    }

    @Test("Round trip: random messages framed and fed in random chunks come back in order")
    func roundTrip() throws {
        var random = SeededRandom(seed: 0x35963)
        for _ in 0..<200 {
            var messages: [VPCDMessage] = []
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let message: VPCDMessage =
                    Bool.random(using: &random)
                    ? try VPCDMessage(payload: [UInt8.random(in: 0...255, using: &random)])
                    : .apdu(random.bytes(count: Int.random(in: 2...600, using: &random)))
                messages.append(message)
                stream += try VPCDFrameEncoder.frame(message)
            }
            var decoder = VPCDFrameDecoder()
            var received: [VPCDMessage] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + Int.random(in: 1...700, using: &random))
                decoder.append(Array(stream[offset..<end]))
                offset = end
                while let message = try decoder.nextMessage() {
                    received.append(message)
                }
            }
            #expect(received == messages)
            try decoder.finish()
        }
    }

    @Test("Fuzz: random byte streams never crash and account for every byte")
    func fuzz() {
        var random = SeededRandom(seed: 0x7FCD)
        for _ in 0..<3000 {
            var decoder = VPCDFrameDecoder()
            var consumed = 0
            var total = 0
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                let chunk = random.bytes(count: Int.random(in: 0...12, using: &random))
                total += chunk.count
                decoder.append(chunk)
                while let frame = decoder.nextFrame() {
                    consumed += 2 + frame.count
                    _ = try? VPCDMessage(payload: frame)
                }
            }
            let pending: Int
            if case .waitingForFrame = decoder.state {
                pending = decoder.bufferedByteCount + 2
            } else {
                pending = decoder.bufferedByteCount
            }
            #expect(consumed + pending == total)
            do {
                try decoder.finish()
                #expect(pending == 0)
            } catch {
                #expect(error == .leftoverBytesAtEndOfStream(count: pending))
            }
        }
    }
}
