import Foundation
import KitSimulators
import Testing

@testable import KitDrivers

@Suite("Finger set payload")
struct FingerprintSetTests {
    static func sample() throws -> FingerprintSet {
        let image = FingerprintSynthesizer(width: 128, height: 160).generate(seed: 9)
        let quality = FingerprintQuality(assessing: image)
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: image.width, height: image.height)
        let record = try FingerImageRecord.singleFingerWSQ(
            position: .leftIndex, quality: UInt8(quality.score), width: image.width, height: image.height, wsq: wsq
        ).encoded()
        let finger = FingerprintCapturedFinger(
            position: .leftIndex, record: record, width: image.width, height: image.height,
            quality: FingerprintQualityFigures(quality), captureScores: [40, quality.score, 12], keptCapture: 2,
            meetsQualityThreshold: true)
        let info = FingerprintScannerInfo(
            backend: "libfprint", driver: "virtual_image", deviceID: "0", name: "Virtual", scanType: .press,
            canCapture: true)
        return FingerprintSet(
            scanner: info, capturesPerFinger: 3,
            entries: [
                FingerprintSetEntry(position: .rightIndex, outcome: .skipped(.injured)),
                FingerprintSetEntry(
                    position: .rightThumb,
                    outcome: .notKept(
                        FingerprintQualityFigures(
                            score: 20, foregroundArea: 0.3, contrast: 50.5, brightness: 190.25, ridgeClarity: 0.5,
                            issues: [.partialFinger, .tooLight]))),
                FingerprintSetEntry(position: .leftIndex, outcome: .captured(finger)),
            ])
    }

    @Test("payload is deterministic JSON with sorted keys, and reads back to the same set")
    func roundTrip() throws {
        let set = try Self.sample()
        let payload = try set.payload()
        #expect(try Self.sample().payload() == payload)
        #expect(try FingerprintSet(payload: payload) == set)
        let text = String(decoding: payload, as: UTF8.self)
        #expect(text.hasPrefix("{\"capturesPerFinger\":3,\"entries\":["))
        #expect(!text.contains("\n"))
        #expect(text.contains("\"skipReason\":\"injured\""))
        #expect(text.contains("\"outcome\":\"notKept\""))
        #expect(text.contains("\"issues\":[\"partialFinger\",\"tooLight\"]"))
    }

    @Test("the combined record holds the kept fingers as views")
    func combinedRecord() throws {
        let set = try Self.sample()
        let record = try FingerImageRecord(decoding: try set.combinedRecord())
        #expect(record.views.map(\.position) == [.leftIndex])
        #expect(
            record.views.first?.imageData
                == (try FingerImageRecord(decoding: set.keptFingers[0].record)).views[0].imageData)
    }

    @Test("hostile payloads: truncated, corrupted, random bytes give an error, never a crash")
    func hostilePayloads() throws {
        let payload = try Self.sample().payload()
        var random = SeededRandom(seed: 77)
        var accepted = 0
        for round in 0..<3000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = Array(payload.prefix(Int(random.next() % UInt64(payload.count))))
            case 1:
                bytes = payload
                for _ in 0..<4 {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            default:
                bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            if (try? FingerprintSet(payload: bytes)) != nil { accepted += 1 }
        }
        // Mutations inside numbers or names can still be valid JSON; most inputs must be refused.
        #expect(accepted < 1000)
        let badBase64 = String(decoding: payload, as: UTF8.self).replacingOccurrences(
            of: "\"record\":\"", with: "\"record\":\"!!")
        #expect(throws: (any Error).self) { try FingerprintSet(payload: Array(badBase64.utf8)) }
        let badOutcome = String(decoding: payload, as: UTF8.self).replacingOccurrences(
            of: "\"skipped\"", with: "\"lost\"")
        #expect(throws: (any Error).self) { try FingerprintSet(payload: Array(badOutcome.utf8)) }
    }
}

@Suite("Fingerprint image resampling to 500 ppi")
struct FingerprintImageResamplerTests {
    @Test("500 ppi and anything within 1 % stays as it is")
    func noResampling() {
        let image = FingerprintSynthesizer(width: 64, height: 80).generate(seed: 1)
        #expect(!FingerprintImageResampler.needsResampling(ppi: 500))
        #expect(!FingerprintImageResampler.needsResampling(ppi: 504))
        #expect(FingerprintImageResampler.needsResampling(ppi: 508))
        #expect(!FingerprintImageResampler.needsResampling(ppi: .nan))
        #expect(!FingerprintImageResampler.needsResampling(ppi: 0))
        #expect(FingerprintImageResampler.resample(image, fromPPI: 503) == image)
    }

    @Test("1000 ppi halves the size by area averaging; 250 ppi doubles it by interpolation")
    func scaling() {
        let checker = FingerprintImage(
            width: 4, height: 2, pixels: [0, 255, 0, 255, 255, 0, 255, 0], ppi: 1000)
        let down = FingerprintImageResampler.resample(checker, fromPPI: 1000)
        #expect(down.width == 2 && down.height == 1 && down.ppi == 500)
        #expect(down.pixels.allSatisfy { $0 == 128 })  // 2×2 blocks of two black, two white
        let ramp = FingerprintImage(width: 2, height: 1, pixels: [0, 200], ppi: 250)
        let up = FingerprintImageResampler.resample(ramp, fromPPI: 250)
        #expect(up.width == 4 && up.height == 2)
        #expect(up.pixels[0] == 0 && up.pixels[3] == 200)
        #expect(up.pixels[1] > 0 && up.pixels[1] < up.pixels[2] && up.pixels[2] < 200)
    }

    @Test("a 508 ppi scanner image keeps its ridge structure after resampling")
    func realisticResolution() {
        let image = FingerprintSynthesizer(width: 406, height: 508).generate(seed: 5)
        let resampled = FingerprintImageResampler.resample(image, fromPPI: 508)
        #expect(resampled.width == 400 && resampled.height == 500)
        #expect(FingerprintQuality(assessing: resampled).verdict == .accepted)
    }

    @Test("malformed input is returned unchanged instead of crashing")
    func malformed() {
        let bad = FingerprintImage(width: 10, height: 10, pixels: [1, 2, 3])
        #expect(FingerprintImageResampler.resample(bad, fromPPI: 1000).pixels == [1, 2, 3])
        let empty = FingerprintImage(width: 0, height: 0, pixels: [])
        #expect(FingerprintImageResampler.resample(empty, fromPPI: 1000).pixels.isEmpty)
    }
}
