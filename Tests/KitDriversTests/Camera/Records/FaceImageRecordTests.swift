import KitDrivers
import Testing

@Suite("ISO/IEC 19794-5 face image record")
struct FaceImageRecordTests {
    static let sample = FaceImageRecord(
        imageType: .tokenFrontal, dataType: .jpeg, width: 360, height: 480,
        featurePoints: [
            .init(code: FaceImageRecord.FeaturePoint.rightEyeCentre, x: 135, y: 216),
            .init(code: FaceImageRecord.FeaturePoint.leftEyeCentre, x: 225, y: 216),
        ],
        image: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 0xFF, 0xD9])

    @Test("Encodes the 2005 layout byte for byte and decodes it back")
    func roundTrip() throws {
        let bytes = try Self.sample.encoded()
        #expect(Array(bytes[0..<8]) == Array("FAC".utf8) + [0] + Array("010".utf8) + [0])
        #expect(bytes.count == 14 + 20 + 2 * 8 + 12 + 10)
        #expect(Array(bytes[8..<12]) == [0, 0, 0, UInt8(bytes.count)])
        #expect(Array(bytes[12..<14]) == [0, 1])
        #expect(Array(bytes[14..<18]) == [0, 0, 0, UInt8(bytes.count - 14)])
        #expect(Array(bytes[18..<20]) == [0, 2])
        // First feature point: type 1 (2D), code 0xC2 (12.2), x 135, y 216, reserved.
        #expect(Array(bytes[34..<42]) == [1, 0xC2, 0, 135, 0, 216, 0, 0])
        // Image information: token frontal, JPEG, 360 × 480, RGB, digital video camera.
        #expect(Array(bytes[50..<62]) == [2, 0, 0x01, 0x68, 0x01, 0xE0, 1, 6, 0, 0, 0, 0])
        #expect(try FaceImageRecord.decode(bytes) == Self.sample)
    }

    @Test("Every truncation is reported, never read past the end")
    func truncations() throws {
        let bytes = try Self.sample.encoded()
        for length in 0..<bytes.count {
            #expect(throws: ISO19794_5Error.self) { try FaceImageRecord.decode(Array(bytes.prefix(length))) }
        }
    }

    @Test("Hostile headers are refused with the field that is wrong")
    func hostileHeaders() throws {
        let good = try Self.sample.encoded()
        func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var copy = good
            change(&copy)
            return copy
        }
        #expect(throws: ISO19794_5Error.invalidFormatIdentifier(Array("FIR".utf8) + [0])) {
            try FaceImageRecord.decode(mutated { $0.replaceSubrange(0..<4, with: Array("FIR".utf8) + [0]) })
        }
        #expect(throws: ISO19794_5Error.unsupportedVersion(Array("030".utf8) + [0])) {
            try FaceImageRecord.decode(mutated { $0.replaceSubrange(4..<8, with: Array("030".utf8) + [0]) })
        }
        #expect(throws: ISO19794_5Error.recordLengthMismatch(declared: 0xFFFF_FFFF, actual: good.count)) {
            try FaceImageRecord.decode(mutated { $0.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF]) })
        }
        #expect(throws: ISO19794_5Error.invalidField(field: "number of facial images", value: 0)) {
            try FaceImageRecord.decode(mutated { $0[13] = 0 })
        }
        #expect(throws: ISO19794_5Error.invalidBlockLength(offset: 14, length: 0x7FFF_FFFF)) {
            try FaceImageRecord.decode(mutated { $0.replaceSubrange(14..<18, with: [0x7F, 0xFF, 0xFF, 0xFF]) })
        }
        // 65 535 feature points announced in a record that holds two.
        #expect(throws: ISO19794_5Error.self) {
            try FaceImageRecord.decode(
                mutated {
                    $0[18] = 0xFF; $0[19] = 0xFF
                })
        }
        #expect(throws: ISO19794_5Error.unknownCode(offset: 34, field: "feature point type", value: 9)) {
            try FaceImageRecord.decode(mutated { $0[34] = 9 })
        }
        #expect(throws: ISO19794_5Error.unknownCode(offset: 50, field: "face image type", value: 7)) {
            try FaceImageRecord.decode(mutated { $0[50] = 7 })
        }
        #expect(throws: ISO19794_5Error.unknownCode(offset: 51, field: "image data type", value: 5)) {
            try FaceImageRecord.decode(mutated { $0[51] = 5 })
        }
        #expect(throws: ISO19794_5Error.invalidField(field: "image size", value: 0)) {
            try FaceImageRecord.decode(
                mutated {
                    $0[52] = 0; $0[53] = 0
                })
        }
        // A feature point outside the image.
        #expect(throws: ISO19794_5Error.invalidField(field: "feature point outside image", value: 0xC2)) {
            try FaceImageRecord.decode(mutated { $0[36] = 0xFF })
        }
    }

    @Test("Random bytes and random mutations never crash the decoder")
    func fuzz() throws {
        var generator = SystemRandomNumberGenerator()
        let good = try Self.sample.encoded()
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? FaceImageRecord.decode(bytes)
            let noise = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            _ = try? FaceImageRecord.decode(noise)
        }
    }

    @Test("Sizes that do not fit their fields are refused on encoding")
    func encodeLimits() {
        var record = Self.sample
        record.width = 70_000
        #expect(throws: ISO19794_5Error.self) { try record.encoded() }
        record.width = 0
        #expect(throws: ISO19794_5Error.self) { try record.encoded() }
    }
}

@Suite("Token frontal geometry (19794-5 §8.3)")
struct TokenGeometryTests {
    @Test("Eyes 100 px apart give a 400 × 533 crop with the eye line at 0.6·W")
    func cropFromEyes() throws {
        let crop = try #require(
            TokenGeometry.crop(rightEye: .init(x: 590, y: 300), leftEye: .init(x: 690, y: 300)))
        #expect(crop.width == 400)
        #expect(abs(crop.height - 533.33) < 0.01)
        #expect(crop.x == 440)
        #expect(crop.y == 60)
        #expect(crop.tokenWidth == 400 && crop.tokenHeight == 534)
        let right = crop.tokenPoint(.init(x: 590, y: 300))
        #expect(right.x == 150 && right.y == 240)
        #expect(crop.fits(width: 1280, height: 720))
        #expect(!crop.fits(width: 1280, height: 500))
    }

    @Test("Eyes closer than 60 px give no crop; far apart ones are reduced to 480 wide")
    func limits() throws {
        #expect(TokenGeometry.crop(rightEye: .init(x: 0, y: 0), leftEye: .init(x: 59, y: 0)) == nil)
        let large = try #require(TokenGeometry.crop(rightEye: .init(x: 0, y: 0), leftEye: .init(x: 200, y: 0)))
        #expect(large.tokenWidth == 480 && large.tokenHeight == 640)
    }

    @Test("Rendering keeps a flat colour flat and yields the token size")
    func render() throws {
        let frame = try #require(
            CameraFrame(
                width: 400, height: 400,
                rgb: [UInt8](repeating: 0, count: 400 * 400 * 3).enumerated().map {
                    [200, 100, 50][$0.offset % 3]
                }))
        let crop = try #require(TokenGeometry.crop(rightEye: .init(x: 160, y: 200), leftEye: .init(x: 240, y: 200)))
        let pixels = TokenGeometry.render(crop, from: frame)
        #expect(pixels.count == crop.tokenWidth * crop.tokenHeight * 3)
        #expect(pixels[0] == 200 && pixels[1] == 100 && pixels[2] == 50)
        let jpeg = try PhotoJPEGEncoder.encode(rgb: pixels, width: crop.tokenWidth, height: crop.tokenHeight)
        #expect(jpeg.jpeg.starts(with: [0xFF, 0xD8]))
        #expect(jpeg.quality == 92)
    }
}
