import Foundation
import Testing

@testable import KitDrivers

@Suite("PNG greyscale encoder/decoder and signature rendering")
struct PNGTests {
    @Test func checksumVectors() {
        #expect(PNGChecksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGChecksum.crc32([UInt8]()) == 0)
        #expect(PNGChecksum.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGChecksum.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(PNGChecksum.adler32([UInt8]()) == 1)
        let big = [UInt8](repeating: 0xFF, count: 100_000)
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in big {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        #expect(PNGChecksum.adler32(big) == b << 16 | a)
    }

    @Test func storedZlibRoundTripsAcrossBlockBoundaries() throws {
        for size in [0, 1, 65535, 65536, 140_000] {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31) }
            let stream = PNGZlib.storedStream(data)
            #expect(Array(stream.prefix(2)) == [0x78, 0x01])
            #expect(try PNGZlib.inflate(stream, limit: size) == data)
        }
    }

    @Test func writesAMinimalFile() throws {
        let png = try PNGEncoder.encodeGrayscale(width: 2, height: 1, pixels: [0, 255])
        #expect(Array(png.prefix(8)) == PNGEncoder.signature)
        #expect(Array(png[8..<16]) == stuHex("00 00 00 0D 49 48 44 52"))
        #expect(Array(png[16..<29]) == stuHex("00 00 00 02 00 00 00 01 08 00 00 00 00"))
        #expect(Array(png.suffix(12)) == stuHex("00 00 00 00 49 45 4E 44 AE 42 60 82"))
        #expect(try PNGDecoder.decodeGrayscale(png).pixels == [0, 255])
        #expect(throws: PNGError.pixelCountMismatch(expected: 2, actual: 3)) {
            try PNGEncoder.encodeGrayscale(width: 2, height: 1, pixels: [0, 1, 2])
        }
        #expect(throws: PNGError.invalidDimensions(width: 0, height: 1)) {
            try PNGEncoder.encodeGrayscale(width: 0, height: 1, pixels: [])
        }
    }

    @Test func roundTripsARaster() throws {
        var rng = STUTestRNG(seed: 42)
        let pixels = rng.bytes(37 * 23)
        let raster = try SignatureImageRaster(width: 37, height: 23, pixels: pixels)
        #expect(try PNGDecoder.decodeGrayscale(try PNGEncoder.encode(raster)) == raster)
    }

    /// Builds a PNG whose scanlines use filters 1–4, to check the decoder undoes them.
    @Test func undoesAllScanlineFilters() throws {
        let width = 4
        let original: [[UInt8]] = [
            [10, 20, 30, 40], [15, 25, 35, 45], [200, 100, 50, 25], [1, 2, 3, 4], [9, 9, 9, 9],
        ]
        var raw: [UInt8] = []
        for (row, line) in original.enumerated() {
            let filter = UInt8(row % 5)
            raw.append(filter)
            for column in 0..<width {
                let left = column > 0 ? Int(line[column - 1]) : 0
                let up = row > 0 ? Int(original[row - 1][column]) : 0
                let upLeft = row > 0 && column > 0 ? Int(original[row - 1][column - 1]) : 0
                let p = left + up - upLeft
                let paeth =
                    abs(p - left) <= abs(p - up) && abs(p - left) <= abs(p - upLeft)
                    ? left : (abs(p - up) <= abs(p - upLeft) ? up : upLeft)
                let predictor = [0, left, up, (left + up) / 2, paeth][Int(filter)]
                raw.append(line[column] &- UInt8(truncatingIfNeeded: predictor))
            }
        }
        var png = PNGEncoder.signature
        func chunk(_ type: String, _ data: [UInt8]) {
            PNGEncoder.appendU32(UInt32(data.count), to: &png)
            png += Array(type.utf8) + data
            PNGEncoder.appendU32(PNGChecksum.crc32(Array(type.utf8) + data), to: &png)
        }
        chunk("IHDR", stuHex("00 00 00 04 00 00 00 05 08 00 00 00 00"))
        chunk("tEXt", Array("Comment\0test".utf8))
        chunk("IDAT", PNGZlib.storedStream(raw))
        chunk("IEND", [])
        #expect(try PNGDecoder.decodeGrayscale(png).pixels == original.flatMap { $0 })
    }

    @Test func rejectsWhatItCannotRead() throws {
        let good = try PNGEncoder.encodeGrayscale(width: 3, height: 3, pixels: [UInt8](repeating: 128, count: 9))
        #expect(throws: PNGError.notPNG) { try PNGDecoder.decodeGrayscale(Array(good.dropFirst())) }
        var bad = good
        bad[17] ^= 0x01  // width changed, CRC now wrong
        #expect(throws: PNGError.crcMismatch(chunk: "IHDR", offset: 8)) { try PNGDecoder.decodeGrayscale(bad) }
        var compressed = PNGEncoder.signature
        func chunk(_ type: String, _ data: [UInt8]) {
            PNGEncoder.appendU32(UInt32(data.count), to: &compressed)
            compressed += Array(type.utf8) + data
            PNGEncoder.appendU32(PNGChecksum.crc32(Array(type.utf8) + data), to: &compressed)
        }
        chunk("IHDR", stuHex("00 00 00 01 00 00 00 01 08 00 00 00 00"))
        chunk("IDAT", stuHex("78 9C 63 60 00 00 00 02 00 01"))  // zlib with a fixed-Huffman block
        chunk("IEND", [])
        // zlib's own fixed-Huffman stream (an independent encoder) decodes: one black pixel.
        #expect(try PNGDecoder.decodeGrayscale(compressed).pixels == [0])
        #expect(throws: PNGError.self) { try PNGDecoder.decodeGrayscale(Array(good.dropLast(12))) }
    }

    @Test func signatureStrokesLandOnTheirSegments() throws {
        let capability = STUModel.stu540.nominalCapability
        let path: [(UInt16, UInt16, Bool)] = [
            (1000, 1000, true), (3000, 4000, true), (6000, 2000, true), (6000, 2000, false), (8000, 5000, true),
            (9500, 5200, true), (9500, 5200, false), (2000, 6000, true), (2000, 6000, false),
        ]
        let samples = path.map { STUPenSample(x: $0.0, y: $0.1, pressure: $0.2 ? 800 : 0, rdy: true, sw: $0.2) }
        let width = 400
        let height = 240
        let penWidth = 3.0
        let raster = SignatureImageRenderer.render(
            samples, capability: capability, width: width, height: height, penWidth: penWidth)
        let decoded = try PNGDecoder.decodeGrayscale(try PNGEncoder.encode(raster))
        #expect(decoded == raster)

        let transform = SignatureImageTransform(
            tabletMaxX: 10800, tabletMaxY: 6480, width: width, height: height, padding: 8)
        var segments: [((x: Double, y: Double), (x: Double, y: Double))] = []
        var previous: STUPenSample?
        for sample in samples {
            if sample.sw {
                let end = transform.imagePoint(x: sample.x, y: sample.y)
                segments.append((previous.map { transform.imagePoint(x: $0.x, y: $0.y) } ?? end, end))
            }
            previous = sample.sw ? sample : nil
        }
        var ink = 0
        for y in 0..<height {
            for x in 0..<width {
                let distance =
                    segments.map {
                        SignatureImageRaster.distance(fromX: Double(x) + 0.5, y: Double(y) + 0.5, toSegment: $0.0, $0.1)
                    }.min() ?? .infinity
                let value = decoded[x, y] ?? 255
                if value == 0 {
                    ink += 1
                    #expect(distance <= penWidth / 2 + 0.01, "ink off the stroke at \(x),\(y)")
                } else {
                    #expect(value == 255)
                    #expect(distance > penWidth / 2 - 0.01, "gap on the stroke at \(x),\(y)")
                }
            }
        }
        #expect(ink > 300)
        // The lone touch at (2000, 6000) is a dot.
        let dot = transform.imagePoint(x: 2000, y: 6000)
        #expect(decoded[Int(dot.x), Int(dot.y)] == 0)
        // The pen-up move from (6000,2000) to (8000,5000) leaves no ink halfway.
        let gap = transform.imagePoint(x: 7000, y: 3500)
        #expect(decoded[Int(gap.x), Int(gap.y)] == 255)
    }

    @Test func pressureChangesStrokeWidth() {
        let capability = STUModel.stu430.nominalCapability
        func inkCount(pressure: UInt16) -> Int {
            let samples = [
                STUPenSample(x: 1000, y: 3000, pressure: pressure, rdy: true, sw: true),
                STUPenSample(x: 8000, y: 3000, pressure: pressure, rdy: true, sw: true),
            ]
            let raster = SignatureImageRenderer.render(
                samples, capability: capability, width: 300, height: 200, penWidth: 8, pressureSensitive: true)
            return raster.pixels.filter { $0 == 0 }.count
        }
        #expect(inkCount(pressure: 1023) > inkCount(pressure: 50))
    }

    @Test func hostileInputFuzz() throws {
        var rng = STUTestRNG(seed: 0x504E_4721)
        let good = try PNGEncoder.encodeGrayscale(width: 5, height: 4, pixels: rng.bytes(20))
        var decodedCount = 0
        for round in 0..<3000 {
            var input: [UInt8]
            switch round % 3 {
            case 0:
                input = good
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                input = Array(good.prefix(Int.random(in: 0...good.count, using: &rng)))
            default:
                input = PNGEncoder.signature + rng.bytes(Int.random(in: 0...60, using: &rng))
            }
            do {
                let raster = try PNGDecoder.decodeGrayscale(input)
                decodedCount += 1
                #expect(raster.pixels.count == raster.width * raster.height)
            } catch {
                #expect(!error.description.isEmpty)
            }
            do {
                _ = try PNGZlib.inflate(Array(input.dropFirst(8)), limit: 1000)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decodedCount > 0)
    }

    @Test("deflate: what we write, Python's zlib (an independent inflater) unpacks byte for byte")
    func deflateIsReadByZlib() throws {
        var rng = STUTestRNG(seed: 7)
        let inputs: [[UInt8]] = [
            [], [0], Array(repeating: 255, count: 70_000), rng.bytes(5_000),
            (0..<20_000).map { UInt8(truncatingIfNeeded: $0 % 401 == 0 ? 0 : 255) },
        ]
        for input in inputs {
            let stream = PNGDeflate.zlibStream(input, rowLength: 401)
            #expect(try PNGZlib.inflate(stream, limit: input.count) == input)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))",
            ]
            let stdin = Pipe()
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            stdin.fileHandleForWriting.write(Data(stream))
            try stdin.fileHandleForWriting.close()
            let unpacked = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(Array(unpacked) == input, "zlib unpacked \(unpacked.count) bytes, expected \(input.count)")
        }
    }

    @Test("a signature image compresses to a few per cent of its stored size (issue #18: thin links)")
    func signatureImagesAreSmall() throws {
        var pixels = [UInt8](repeating: 255, count: 400 * 200)
        for x in 40..<360 {
            let y = 100 + Int(40 * sin(Double(x) / 25))
            for dy in 0..<3 { pixels[(y + dy) * 400 + x] = 0 }
        }
        let raster = try SignatureImageRaster(width: 400, height: 200, pixels: pixels)
        let png = try PNGEncoder.encode(raster)
        let stored = 400 * 200 + 200
        #expect(png.count * 100 < stored * 5, "PNG of \(png.count) bytes for \(stored) bytes of scanlines")
        #expect(try PNGDecoder.decodeGrayscale(png) == raster)
    }

    @Test("hostile deflate data ends in a PNGError: bad codes, distances before the start, too much output")
    func hostileDeflate() {
        // A dynamic-Huffman block (BTYPE 10) is refused by name.
        #expect(throws: PNGError.compressedBlockNotSupported(blockType: 2, offset: 2)) {
            try PNGZlib.inflate(stuHex("78 01 05 00"), limit: 10)
        }
        // Fixed block whose first symbol is a match (distance before any output).
        var writer = PNGDeflate.BitWriter()
        writer.write(0x78, bits: 8)
        writer.write(0x01, bits: 8)
        writer.write(1, bits: 1)
        writer.write(1, bits: 2)
        writer.writeCode(1, bits: 7)  // length symbol 257: 3 bytes
        writer.writeCode(0, bits: 5)  // distance 1
        let early = writer.finish() + [0, 0, 0, 0]
        #expect(throws: PNGError.self) { try PNGZlib.inflate(early, limit: 10) }
        // More output than the image holds.
        let long = PNGDeflate.zlibStream(Array(repeating: 7, count: 1000), rowLength: 11)
        #expect(throws: PNGError.self) { try PNGZlib.inflate(long, limit: 999) }
        // Every cut of a valid stream fails cleanly.
        let valid = PNGDeflate.zlibStream((0..<300).map { UInt8(truncatingIfNeeded: $0 / 7) }, rowLength: 31)
        for cut in 0..<valid.count {
            #expect(throws: PNGError.self) { try PNGZlib.inflate(Array(valid.prefix(cut)), limit: 300) }
        }
    }
}
