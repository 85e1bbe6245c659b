import KitSimulators
import Testing

@testable import KitDrivers

@Suite("ISO/IEC 19794-4:2005 finger image record")
struct FingerImageRecordTests {
    static let twoViews = FingerImageRecord(
        captureDeviceID: 0x1234,
        views: [
            .init(position: .rightIndex, quality: 87, width: 400, height: 500, imageData: [1, 2, 3]),
            .init(
                position: .leftThumb, viewCount: 2, viewNumber: 2, quality: 55, width: 320, height: 480, imageData: []),
        ])

    @Test("General and finger headers have the 2005 layout")
    func layout() throws {
        let bytes = try Self.twoViews.encoded()
        #expect(bytes.count == 32 + 14 + 3 + 14)
        #expect(Array(bytes[0..<8]) == Array("FIR\0010\0".utf8))
        #expect(Array(bytes[8..<14]) == [0, 0, 0, 0, 0, UInt8(bytes.count)])
        #expect(Array(bytes[14..<16]) == [0x12, 0x34])  // capture device
        #expect(Array(bytes[16..<18]) == [0, 31])  // acquisition level
        #expect(bytes[18] == 2)  // number of finger images
        #expect(bytes[19] == 1)  // ppi
        #expect(Array(bytes[20..<28]) == [0x01, 0xF4, 0x01, 0xF4, 0x01, 0xF4, 0x01, 0xF4])
        #expect(bytes[28] == 8)  // pixel depth
        #expect(bytes[29] == 2)  // WSQ
        #expect(Array(bytes[30..<32]) == [0, 0])
        // First finger image header.
        #expect(Array(bytes[32..<36]) == [0, 0, 0, 17])
        #expect(Array(bytes[36..<41]) == [2, 1, 1, 87, 0])
        #expect(Array(bytes[41..<45]) == [0x01, 0x90, 0x01, 0xF4])
        #expect(bytes[45] == 0)
        #expect(Array(bytes[46..<49]) == [1, 2, 3])
    }

    @Test("decode(encode(record)) == record")
    func roundTrip() throws {
        let decoded = try FingerImageRecord(decoding: try Self.twoViews.encoded())
        #expect(decoded == Self.twoViews)
        let empty = FingerImageRecord(compression: .png, views: [])
        #expect(try FingerImageRecord(decoding: try empty.encoded()) == empty)
    }

    @Test("A WSQ capture survives the record and still decodes")
    func wsqInsideRecord() throws {
        let image = WSQTestSupport.smallFingerprint()
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)
        let record = try FingerImageRecord.singleFingerWSQ(
            position: .rightIndex, quality: 80, width: image.width, height: image.height, wsq: wsq)
        let decoded = try FingerImageRecord(decoding: try record.encoded())
        let view = try #require(decoded.views.first)
        #expect(view.position == .rightIndex && view.impressionType == .liveScanPlain)
        #expect(decoded.imageAcquisitionLevel == 31 && decoded.compression == .wsq)
        #expect(try WSQDecoder.decode(view.imageData).width == image.width)
    }

    @Test("Invalid values are refused when encoding")
    func encodingErrors() {
        #expect(throws: ISO19794_4Error.invalidField(field: "quality", value: 101)) {
            try FingerImageRecord.singleFingerWSQ(position: .leftIndex, quality: 101, width: 1, height: 1, wsq: [])
        }
        #expect(throws: ISO19794_4Error.invalidField(field: "width", value: 70000)) {
            try FingerImageRecord.singleFingerWSQ(position: .leftIndex, quality: 1, width: 70000, height: 1, wsq: [])
        }
        let badView = FingerImageRecord(
            views: [
                .init(
                    position: .rightThumb, viewCount: 1, viewNumber: 2, quality: 1, width: 1, height: 1, imageData: [])
            ])
        #expect(throws: ISO19794_4Error.self) { try badView.encoded() }
    }

    @Test("Hostile headers yield the matching error")
    func hostileHeaders() throws {
        let valid = try Self.twoViews.encoded()
        var bytes = valid
        bytes[0] = 0x41
        #expect(throws: ISO19794_4Error.invalidFormatIdentifier([0x41, 0x49, 0x52, 0])) {
            try FingerImageRecord(decoding: bytes)
        }
        bytes = valid
        bytes[5] = 0x32
        #expect(throws: ISO19794_4Error.unsupportedVersion([0x30, 0x32, 0x30, 0])) {
            try FingerImageRecord(decoding: bytes)
        }
        #expect(throws: ISO19794_4Error.recordLengthMismatch(declared: valid.count, actual: valid.count + 1)) {
            try FingerImageRecord(decoding: valid + [0])
        }
        bytes = valid
        bytes[8] = 0xFF  // record length 2^47 and more
        #expect(throws: ISO19794_4Error.self) { try FingerImageRecord(decoding: bytes) }
        bytes = valid
        bytes[35] = 200  // first view claims 200 bytes
        #expect(throws: ISO19794_4Error.invalidViewLength(offset: 32, length: 200)) {
            try FingerImageRecord(decoding: bytes)
        }
        bytes = valid
        bytes[35] = 5  // shorter than its own header
        #expect(throws: ISO19794_4Error.invalidViewLength(offset: 32, length: 5)) {
            try FingerImageRecord(decoding: bytes)
        }
        bytes = valid
        bytes[36] = 11
        #expect(throws: ISO19794_4Error.unknownCode(offset: 36, field: "finger position", value: 11)) {
            try FingerImageRecord(decoding: bytes)
        }
        bytes = valid
        bytes[29] = 9
        #expect(throws: ISO19794_4Error.unknownCode(offset: 29, field: "compression algorithm", value: 9)) {
            try FingerImageRecord(decoding: bytes)
        }
        bytes = valid
        bytes[18] = 3
        #expect(throws: ISO19794_4Error.viewCountMismatch(declared: 3, found: 2)) {
            try FingerImageRecord(decoding: bytes)
        }
        bytes = valid
        bytes[38] = 0  // view number 0
        #expect(throws: ISO19794_4Error.self) { try FingerImageRecord(decoding: bytes) }
    }

    @Test("Every truncation fails with a typed error")
    func truncations() throws {
        let valid = try Self.twoViews.encoded()
        for length in 0..<valid.count {
            var prefix = Array(valid.prefix(length))
            // Also patch the declared length so the parser walks into the cut.
            if prefix.count >= 14 { prefix[13] = UInt8(length) }
            #expect(throws: ISO19794_4Error.self) { try FingerImageRecord(decoding: prefix) }
        }
    }

    @Test("Random and mutated input never crashes the decoder")
    func fuzz() throws {
        var random = SeededRandom(seed: 19_794)
        let valid = try Self.twoViews.encoded()
        for round in 0..<4000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(random.next() % 120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if bytes.count >= 8 { bytes.replaceSubrange(0..<8, with: Array("FIR\0010\0".utf8)) }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            do {
                let record = try FingerImageRecord(decoding: bytes)
                #expect(try FingerImageRecord(decoding: try record.encoded()) == record)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
