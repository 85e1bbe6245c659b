import KitSimulators
import Testing

@testable import KitDrivers

@Suite("WSQ encoder")
struct WSQEncoderTests {
    static let synthesizer = FingerprintSynthesizer()

    @Test(
        "Synthetic fingerprints round-trip above 30 dB at 0.75 bpp", arguments: FingerprintSynthesizer.Pattern.allCases)
    func roundTripQuality(pattern: FingerprintSynthesizer.Pattern) throws {
        let image = Self.synthesizer.generate(seed: 11, pattern: pattern)
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)
        let decoded = try WSQDecoder.decode(wsq)
        #expect(decoded.width == image.width && decoded.height == image.height)
        let psnr = WSQTestSupport.psnr(image.pixels, decoded.pixels)
        #expect(psnr >= 30, "PSNR \(psnr) dB")
        let bitRate = Double(wsq.count * 8) / Double(image.pixels.count)
        #expect(bitRate > 0.2 && bitRate < 0.9, "bit rate \(bitRate)")
    }

    @Test("A higher bit rate gives a larger file and a better image")
    func bitRateControlsSize() throws {
        let image = Self.synthesizer.generate(seed: 3, pattern: .loop)
        let low = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height, bitRate: 0.4)
        let high = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height, bitRate: 1.5)
        #expect(low.count < high.count)
        let lowPSNR = WSQTestSupport.psnr(image.pixels, try WSQDecoder.decode(low).pixels)
        let highPSNR = WSQTestSupport.psnr(image.pixels, try WSQDecoder.decode(high).pixels)
        #expect(lowPSNR < highPSNR)
    }

    @Test("Segments appear in NBIS order with two Huffman tables over three blocks")
    func segmentOrder() throws {
        let image = WSQTestSupport.smallFingerprint()
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)
        let order = WSQTestSupport.markers(in: wsq).map(\.marker)
        #expect(
            order == [0xFFA0, 0xFFA8, 0xFFA4, 0xFFA5, 0xFFA2, 0xFFA6, 0xFFA3, 0xFFA6, 0xFFA3, 0xFFA3, 0xFFA1])
    }

    @Test("Frame header carries height, width, shift, scale and encoder number")
    func frameHeader() throws {
        let image = WSQTestSupport.smallFingerprint(width: 70, height: 90)
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: 70, height: 90)
        let sof = try #require(WSQTestSupport.markers(in: wsq).first { $0.marker == 0xFFA2 }).offset
        let header = Array(wsq[(sof + 2)..<(sof + 19)])
        #expect(header[0...1] == [0, 17])
        #expect(header[2] == 0 && header[3] == 255)
        #expect(Int(header[4]) << 8 | Int(header[5]) == 90)
        #expect(Int(header[6]) << 8 | Int(header[7]) == 70)
        let mean = Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count)
        let shift = WSQScaledValue(exponent: header[8], integer: UInt32(header[9]) << 8 | UInt32(header[10])).value
        #expect(abs(shift - mean) < 0.01)
        #expect(header[14] == WSQEncoder.encoderNumber)
    }

    @Test("Transform table stores the 9/7 taps from the centre outwards")
    func transformTable() throws {
        let image = WSQTestSupport.smallFingerprint()
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)
        let dtt = try #require(WSQTestSupport.markers(in: wsq).first { $0.marker == 0xFFA4 }).offset
        #expect(Array(wsq[(dtt + 2)..<(dtt + 6)]) == [0, 58, 9, 7])
        // First tap: sign 0, exponent 9, 852698679 → 0.852698679.
        #expect(Array(wsq[(dtt + 6)..<(dtt + 12)]) == [0, 9, 0x32, 0xD3, 0x26, 0x37])
    }

    @Test("The NIST_COM comment names size, depth, resolution and bit rate")
    func nistComment() throws {
        let image = WSQTestSupport.smallFingerprint()
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: 64, height: 80, ppi: 500, bitRate: 0.75)
        let comment = try #require(try WSQDecoder.decode(wsq).nistComment)
        #expect(comment.value(for: "PIX_WIDTH") == "64")
        #expect(comment.value(for: "PIX_HEIGHT") == "80")
        #expect(comment.value(for: "PIX_DEPTH") == "8")
        #expect(comment.value(for: "PPI") == "500")
        #expect(comment.value(for: "COMPRESSION") == "WSQ")
        #expect(comment.value(for: "WSQ_BITRATE") == "0.750000")
        #expect(String(decoding: comment.text.prefix(11), as: UTF8.self) == "NIST_COM 9\n")
    }

    @Test("A flat image is reproduced exactly")
    func constantImage() throws {
        for value: UInt8 in [0, 128, 255] {
            let pixels = [UInt8](repeating: value, count: 64 * 64)
            let decoded = try WSQDecoder.decode(try WSQEncoder.encode(pixels: pixels, width: 64, height: 64))
            #expect(decoded.pixels == pixels)
        }
    }

    @Test("Tiny images still round-trip, if with fewer details kept")
    func tinyImage() throws {
        let image = FingerprintSynthesizer(width: 33, height: 35).generate(seed: 5, pattern: .arch)
        let decoded = try WSQDecoder.decode(try WSQEncoder.encode(pixels: image.pixels, width: 33, height: 35))
        #expect(WSQTestSupport.psnr(image.pixels, decoded.pixels) >= 20)
    }

    @Test("Odd image sizes round-trip", arguments: [(401, 499), (257, 130), (301, 255)])
    func oddSizes(size: (Int, Int)) throws {
        let image = FingerprintSynthesizer(width: size.0, height: size.1).generate(seed: 5, pattern: .arch)
        let decoded = try WSQDecoder.decode(try WSQEncoder.encode(pixels: image.pixels, width: size.0, height: size.1))
        #expect(WSQTestSupport.psnr(image.pixels, decoded.pixels) >= 28)
    }

    @Test("Invalid arguments are rejected with a reason")
    func invalidArguments() {
        #expect(throws: WSQError.unsupportedImageSize(width: 16, height: 64)) {
            try WSQEncoder.encode(pixels: [UInt8](repeating: 0, count: 16 * 64), width: 16, height: 64)
        }
        #expect(throws: WSQError.pixelCountMismatch(expected: 4096, actual: 10)) {
            try WSQEncoder.encode(pixels: [UInt8](repeating: 0, count: 10), width: 64, height: 64)
        }
        #expect(throws: WSQError.invalidBitRate(0)) {
            try WSQEncoder.encode(pixels: [UInt8](repeating: 0, count: 4096), width: 64, height: 64, bitRate: 0)
        }
        #expect(throws: WSQError.invalidResolution(0)) {
            try WSQEncoder.encode(pixels: [UInt8](repeating: 0, count: 4096), width: 64, height: 64, ppi: 0)
        }
        #expect(!WSQError.truncated(offset: 3, needed: 2).description.isEmpty)
    }

    @Test("Scaled values keep as many digits as the field holds")
    func scaledValues() throws {
        let mean = try #require(WSQScaledValue(encoding: 127.5, limit: 65535))
        #expect(mean == WSQScaledValue(exponent: 2, integer: 12750))
        let tap = try #require(WSQScaledValue(encoding: 0.03782845550726404, limit: 4_294_967_295))
        #expect(tap.exponent == 11 && tap.integer == 3_782_845_551)
        #expect(WSQScaledValue(encoding: 70000, limit: 65535) == nil)
        #expect(WSQScaledValue(encoding: -1, limit: 65535) == nil)
        #expect(WSQScaledValue(encoding: 0, limit: 65535)?.value == 0)
    }

    @Test("Encoding a 400×500 image takes well under the capture cycle")
    func encodingSpeed() throws {
        let image = Self.synthesizer.generate(seed: 9)
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            _ = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)
        }
        // About 0.15 s in a debug build on the CI machine; release is several times faster.
        #expect(elapsed < .seconds(3))
    }
}
