import Testing

@testable import KitDrivers

@Suite("ZVT TCP frame decoder")
struct ZVTFrameDecoderTests {
    /// A realistic stream: ACK, intermediate status, a 1.6 KB text block, status info, completion.
    private func stream() throws -> [[UInt8]] {
        let lines = (0..<48).map { "Zeile \($0) " + String(repeating: "*", count: 24) }
        let receipt = try ZVTMessage.printTextBlock(try ZVTPrintTextBlock(lines: lines, receiptType: 1)).encode()
        return [
            [0x80, 0x00, 0x00],
            [0x04, 0xFF, 0x01, 0x0A],
            receipt,
            try ZVTTestSupport.recording("1680728165.675509000_pt_ecr.blob"),
            [0x06, 0x0F, 0x00],
            [0x06, 0x0F, 0xFF, 0x02, 0x00, 0x27, 0x00],
        ]
    }

    private func drain(_ decoder: inout ZVTFrameDecoder) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while let frame = try decoder.nextFrame() { frames.append(frame) }
        return frames
    }

    @Test("Whole stream in one read")
    func oneRead() throws {
        let frames = try stream()
        var decoder = ZVTFrameDecoder()
        decoder.feed(frames.flatMap { $0 })
        #expect(try drain(&decoder) == frames)
        try decoder.finish()
        #expect(decoder.state == .waitingForHeader)
    }

    @Test("Byte by byte")
    func byteByByte() throws {
        let frames = try stream()
        var decoder = ZVTFrameDecoder()
        var received: [[UInt8]] = []
        for byte in frames.flatMap({ $0 }) {
            decoder.feed([byte])
            received += try drain(&decoder)
        }
        #expect(received == frames)
        try decoder.finish()
    }

    @Test("A 1.6 KB receipt split into 1024 bytes and the rest")
    func receiptSplit() throws {
        let receipt = try stream()[2]
        #expect(receipt.count > 1600)
        var decoder = ZVTFrameDecoder()
        decoder.feed(Array(receipt.prefix(1024)))
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.state == .waitingForFrame(length: receipt.count))
        #expect(throws: ZVTError.leftoverBytes(count: 1024)) { try decoder.finish() }
        decoder.feed(Array(receipt.dropFirst(1024)))
        #expect(try decoder.nextFrame() == receipt)
        #expect(try decoder.nextFrame() == nil)
        try decoder.finish()
    }

    @Test("Random chunkings give the same frames", arguments: [1, 2, 3, 42, 1000])
    func randomChunks(seed: UInt64) throws {
        let frames = try stream()
        let all = frames.flatMap { $0 }
        var random = ZVTTestRandom(seed: seed)
        for _ in 0..<50 {
            var decoder = ZVTFrameDecoder()
            var received: [[UInt8]] = []
            var index = 0
            while index < all.count {
                let size = Int.random(in: 1...700, using: &random)
                let end = min(all.count, index + size)
                decoder.feed(Array(all[index..<end]))
                index = end
                received += try drain(&decoder)
            }
            #expect(received == frames)
            try decoder.finish()
        }
    }

    @Test("Extended header split inside the length bytes")
    func splitHeader() throws {
        var decoder = ZVTFrameDecoder()
        decoder.feed([0x06, 0xD3, 0xFF, 0x02])
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.state == .waitingForHeader)
        decoder.feed([0x00, 0xAA])
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.state == .waitingForFrame(length: 7))
        decoder.feed([0xBB])
        let apdu = try #require(try decoder.nextAPDU())
        #expect(apdu.data == [0xAA, 0xBB])
        #expect(apdu.forcesExtendedLength)
        try decoder.finish()
    }

    @Test("Frames above the limit are rejected with a typed error")
    func tooLong() {
        var decoder = ZVTFrameDecoder(maximumFrameLength: 100)
        decoder.feed([0x06, 0xD3, 0xFF, 0x00, 0x01])
        #expect(throws: ZVTError.frameTooLong(length: 261, limit: 100)) { try decoder.nextFrame() }
    }

    @Test("nextAPDU decodes frames")
    func apdus() throws {
        var decoder = ZVTFrameDecoder()
        decoder.feed([0x80, 0x00, 0x00, 0x84, 0x9C])
        #expect(try decoder.nextAPDU() == ZVTAPDU(commandClass: 0x80, instruction: 0x00))
        #expect(try decoder.nextAPDU() == nil)
        #expect(decoder.bufferedByteCount == 2)
        decoder.feed([0x00])
        #expect(try decoder.nextAPDU() == ZVTAPDU(commandClass: 0x84, instruction: 0x9C))
    }
}
