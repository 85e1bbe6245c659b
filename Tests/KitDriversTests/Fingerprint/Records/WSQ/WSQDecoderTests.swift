import KitSimulators
import Testing

@testable import KitDrivers

@Suite("WSQ decoder, including hostile input")
struct WSQDecoderTests {
    static let sample: [UInt8] = {
        let image = WSQTestSupport.smallFingerprint()
        return (try? WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)) ?? []
    }()

    @Test("Every truncation of a valid file fails with a typed error")
    func truncations() throws {
        let sample = Self.sample
        try #require(sample.count > 100)
        for length in 0..<(sample.count - 1) {
            #expect(throws: WSQError.self) { try WSQDecoder.decode(Array(sample.prefix(length))) }
        }
        #expect(throws: Never.self) { try WSQDecoder.decode(sample) }
    }

    @Test("Bytes after the end-of-image marker are reported")
    func trailingData() {
        #expect(throws: WSQError.trailingData(offset: Self.sample.count, count: 2)) {
            try WSQDecoder.decode(Self.sample + [0, 0])
        }
    }

    @Test("A file not starting with SOI is rejected")
    func missingStart() {
        #expect(throws: WSQError.expectedMarker(offset: 0, found: 0xFFD8)) {
            try WSQDecoder.decode([0xFF, 0xD8, 0xFF, 0xE0])
        }
    }

    @Test("Oversized and undersized segment lengths are caught")
    func segmentLengths() throws {
        var sample = Self.sample
        let dqt = try #require(WSQTestSupport.markers(in: sample).first { $0.marker == 0xFFA5 }).offset
        sample[dqt + 2] = 0xFF
        sample[dqt + 3] = 0xFF
        #expect(throws: WSQError.invalidSegmentLength(offset: dqt, length: 0xFFFF)) { try WSQDecoder.decode(sample) }
        sample[dqt + 2] = 0
        sample[dqt + 3] = 1
        #expect(throws: WSQError.invalidSegmentLength(offset: dqt, length: 1)) { try WSQDecoder.decode(sample) }
    }

    @Test("A frame header announcing a huge image is refused before allocating")
    func hugeFrame() throws {
        var sample = Self.sample
        let sof = try #require(WSQTestSupport.markers(in: sample).first { $0.marker == 0xFFA2 }).offset
        for i in 0..<4 { sample[sof + 6 + i] = 0xFF }
        #expect(throws: WSQError.unsupportedImageSize(width: 65535, height: 65535)) { try WSQDecoder.decode(sample) }
    }

    @Test("A block using an undefined Huffman table is reported")
    func missingTable() throws {
        var sample = Self.sample
        let sob = try #require(WSQTestSupport.markers(in: sample).first { $0.marker == 0xFFA3 }).offset
        sample[sob + 4] = 5
        #expect(throws: WSQError.missingHuffmanTable(offset: sob + 4, table: 5)) { try WSQDecoder.decode(sample) }
    }

    @Test("Random byte strings never crash the decoder")
    func randomBytes() {
        var random = SeededRandom(seed: 0xC0FFEE)
        for _ in 0..<2000 {
            let count = Int(random.next() % 600)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.unit() < 0.5, bytes.count >= 2 {
                bytes[0] = 0xFF
                bytes[1] = 0xA0
            }
            do {
                let image = try WSQDecoder.decode(bytes)
                #expect(image.pixels.count == image.width * image.height)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("Mutated valid files never crash the decoder")
    func mutations() {
        var random = SeededRandom(seed: 7)
        let sample = Self.sample
        for _ in 0..<2000 {
            var bytes = sample
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: random.next())
            }
            do {
                let image = try WSQDecoder.decode(bytes)
                #expect(image.pixels.count == image.width * image.height)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
