import Testing

@testable import KitDrivers

@Suite("ZVT serial framing")
struct ZVTSerialFrameTests {
    private func events(_ decoder: inout ZVTSerialFrameDecoder) -> [ZVTSerialEvent] {
        var result: [ZVTSerialEvent] = []
        while let event = decoder.nextEvent() { result.append(event) }
        return result
    }

    @Test("CRC-16/KERMIT check value: \"123456789\" gives 0x2189")
    func crcCheckValue() {
        #expect(ZVTCRC16.kermit(Array("123456789".utf8)) == 0x2189)
        #expect(ZVTCRC16.kermit([]) == 0)
    }

    @Test("Frame layout: DLE STX, stuffed APDU, DLE ETX, CRC low byte first")
    func layout() {
        let apdu: [UInt8] = [0x06, 0x50, 0x03, 0x10, 0x34, 0x56]
        let frame = ZVTSerialFrame.encode(apdu)
        let crc = ZVTCRC16.kermit(apdu + [0x03])
        #expect(
            frame == [
                0x10, 0x02, 0x06, 0x50, 0x03, 0x10, 0x10, 0x34, 0x56, 0x10, 0x03, UInt8(crc & 0xFF), UInt8(crc >> 8),
            ])
        #expect(ZVTSerialFrame.checksum(of: apdu) == crc)
    }

    @Test("Stuffing round trip for APDUs full of DLE bytes", arguments: [0, 1, 2, 7])
    func stuffingRoundTrip(seed: UInt64) throws {
        var random = ZVTTestRandom(seed: seed)
        for _ in 0..<200 {
            let count = Int.random(in: 0...300, using: &random)
            let apdu = (0..<count).map { _ in
                Bool.random(using: &random) ? 0x10 : UInt8.random(in: 0...255, using: &random)
            }
            var decoder = ZVTSerialFrameDecoder()
            decoder.feed(ZVTSerialFrame.encode(apdu))
            #expect(events(&decoder) == [.frame(apdu)])
            try decoder.finish()
        }
    }

    @Test("Garbage before DLE STX is skipped and counted; ACK and NAK are recognised")
    func garbageAckNak() throws {
        let apdu: [UInt8] = [0x80, 0x00, 0x00]
        var decoder = ZVTSerialFrameDecoder()
        decoder.feed([0x00, 0xFF, 0x10, 0x41, 0x06] + ZVTSerialFrame.encode(apdu) + [0x15])
        #expect(events(&decoder) == [.ack, .frame(apdu), .nak])
        #expect(decoder.discardedByteCount == 4)
        try decoder.finish()
    }

    @Test("A wrong CRC is reported so that the link layer answers NAK")
    func crcMismatch() throws {
        let apdu: [UInt8] = [0x06, 0x0F, 0x00]
        var frame = ZVTSerialFrame.encode(apdu)
        let good = ZVTSerialFrame.checksum(of: apdu)
        frame[frame.count - 1] ^= 0x01
        var decoder = ZVTSerialFrameDecoder()
        decoder.feed(frame + ZVTSerialFrame.encode(apdu))
        #expect(
            events(&decoder) == [
                .rejected(.serialChecksumMismatch(expected: good, received: good ^ 0x0100)), .frame(apdu),
            ])
        try decoder.finish()
    }

    @Test("A flipped payload bit is caught by the CRC")
    func payloadCorruption() {
        let apdu: [UInt8] = [0x04, 0x0F, 0x02, 0x27, 0x00]
        var frame = ZVTSerialFrame.encode(apdu)
        frame[4] ^= 0x04
        var decoder = ZVTSerialFrameDecoder()
        decoder.feed(frame)
        let result = events(&decoder)
        #expect(result.count == 1)
        guard case .rejected(.serialChecksumMismatch) = result.first else {
            Issue.record("expected checksum mismatch, got \(result)")
            return
        }
    }

    @Test("DLE followed by an invalid byte rejects the frame once it has ended")
    func invalidEscape() throws {
        var decoder = ZVTSerialFrameDecoder()
        decoder.feed([0x10, 0x02, 0x06, 0x10, 0x41, 0x06, 0x15, 0x10, 0x10, 0x10, 0x03])
        #expect(events(&decoder).isEmpty)
        decoder.feed([0x06, 0x15])
        #expect(events(&decoder) == [.rejected(.serialInvalidEscape(byte: 0x41))])
        decoder.feed([0x06])
        #expect(events(&decoder) == [.ack])
        try decoder.finish()
    }

    @Test("DLE STX inside a frame restarts it")
    func restart() throws {
        let apdu: [UInt8] = [0x80, 0x00, 0x00]
        var decoder = ZVTSerialFrameDecoder()
        decoder.feed([0x10, 0x02, 0x06, 0x01] + ZVTSerialFrame.encode(apdu))
        #expect(events(&decoder) == [.frame(apdu)])
        #expect(decoder.discardedByteCount == 4)
    }

    @Test("Frames longer than the limit are rejected")
    func tooLong() throws {
        let apdu = [UInt8](repeating: 0x41, count: 20)
        var decoder = ZVTSerialFrameDecoder(maximumFrameLength: 10)
        decoder.feed(ZVTSerialFrame.encode(apdu) + ZVTSerialFrame.encode([0x80, 0x00, 0x00]))
        #expect(events(&decoder) == [.rejected(.frameTooLong(length: 11, limit: 10)), .frame([0x80, 0x00, 0x00])])
        try decoder.finish()
    }

    @Test("Byte-by-byte feeding gives the same events; an unfinished frame fails finish()")
    func byteByByte() throws {
        let apdus: [[UInt8]] = [[0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0x10, 0x09, 0x78], [0x80, 0x00, 0x00]]
        let stream: [UInt8] = apdus.flatMap { ZVTSerialFrame.encode($0) + [UInt8(0x06)] }
        var decoder = ZVTSerialFrameDecoder()
        var received: [ZVTSerialEvent] = []
        for byte in stream {
            decoder.feed([byte])
            received += events(&decoder)
        }
        #expect(received == [.frame(apdus[0]), .ack, .frame(apdus[1]), .ack])
        decoder.feed([0x10, 0x02, 0x80])
        #expect(events(&decoder).isEmpty)
        #expect(decoder.state == .inFrame)
        #expect(throws: ZVTError.leftoverBytes(count: 1)) { try decoder.finish() }
    }
}
