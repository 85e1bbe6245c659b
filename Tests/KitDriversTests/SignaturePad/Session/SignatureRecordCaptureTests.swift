import Testing

@testable import KitDrivers

@Suite("Signature capture bound to the document hash")
struct SignatureRecordCaptureTests {
    let digest: [UInt8] = (0..<32).map { UInt8($0 * 7) }
    let date = ISO19794_7DateTime(year: 2025, month: 6, day: 2, hour: 10, minute: 0, second: 0)

    func samples() -> [STUTimedPenSample] {
        (0..<40).map { index in
            let sample = STUPenSample(
                x: UInt16(2000 + index * 150), y: UInt16(3000 + (index % 10) * 100), pressure: 600, rdy: true,
                sw: index > 2 && index < 38, timeCount: UInt16(index * 5), sequence: UInt16(index))
            return STUTimedPenSample(sample: sample, monotonicMilliseconds: UInt64(index * 5))
        }
    }

    @Test func buildsSealsAndReadsBack() throws {
        let capture = try SignatureRecordCapture(
            samples: samples(), capability: STUModel.stu540.nominalCapability, documentSHA256: digest,
            captureDateTime: date)
        let extended = try #require(capture.record.representations.first).extendedData
        #expect(SignatureRecordCapture.embeddedDigest(in: extended) == digest)
        let raster = try PNGDecoder.decodeGrayscale(capture.png)
        #expect(raster.width == 600 && raster.height == 240)
        #expect(raster.pixels.contains(0))
        let payload = try capture.sealingPayload()
        #expect(Array(payload.prefix(5)) == Array("KSIG".utf8) + [1])
        #expect(Array(payload[5..<37]) == digest)
        #expect(try SignatureRecordCapture(sealingPayload: payload) == capture)
    }

    @Test func rejectsWrongOrMismatchedDigests() throws {
        #expect(throws: SignatureRecordError.digestWrongLength(31)) {
            try SignatureRecordCapture(
                samples: samples(), capability: STUModel.stu540.nominalCapability,
                documentSHA256: Array(digest.prefix(31)),
                captureDateTime: date)
        }
        let capture = try SignatureRecordCapture(
            samples: samples(), capability: STUModel.stu540.nominalCapability, documentSHA256: digest,
            captureDateTime: date)
        var other = digest
        other[0] ^= 0xFF
        #expect(throws: SignatureRecordError.digestMismatch) {
            try SignatureRecordCapture(documentSHA256: other, record: capture.record, png: capture.png)
        }
        let noInk = samples().map { timed -> STUTimedPenSample in
            var copy = timed
            copy.sample.sw = false
            return copy
        }
        #expect(throws: SignatureRecordError.noInk) {
            try SignatureRecordCapture(
                samples: noInk, capability: STUModel.stu540.nominalCapability, documentSHA256: digest,
                captureDateTime: date)
        }
    }

    @Test func hostilePayloadFuzz() throws {
        let capture = try SignatureRecordCapture(
            samples: samples(), capability: STUModel.stu430.nominalCapability, documentSHA256: digest,
            captureDateTime: date, imageWidth: 60, imageHeight: 30)
        let good = try capture.sealingPayload()
        var rng = STUTestRNG(seed: 0x4B53_4947)
        #expect(throws: SignatureRecordError.trailingBytes(count: 1)) {
            try SignatureRecordCapture(sealingPayload: good + [0])
        }
        #expect(throws: SignatureRecordError.badMagic(Array("KSIH".utf8))) {
            var bad = good
            bad[3] = 0x48
            return try SignatureRecordCapture(sealingPayload: bad)
        }
        for round in 0..<1500 {
            var input = good
            if round % 2 == 0 {
                for _ in 0..<Int.random(in: 1...5, using: &rng) {
                    input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                input = Array(good.prefix(Int.random(in: 0...good.count, using: &rng)))
            }
            do {
                let decoded = try SignatureRecordCapture(sealingPayload: input)
                #expect(decoded.documentSHA256.count == 32)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
