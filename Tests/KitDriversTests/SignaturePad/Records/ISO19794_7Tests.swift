import Testing

@testable import KitDrivers

@Suite("ISO/IEC 19794-7:2014 time-series record")
struct ISO19794_7Tests {
    static let date = ISO19794_7DateTime(
        year: 2025, month: 3, day: 14, hour: 9, minute: 26, second: 53, millisecond: 589)

    static func sampleRecord() -> ISO19794_7Record {
        let channels: [ISO19794_7Channel: ISO19794_7ChannelDescription] = [
            .x: ISO19794_7ChannelDescription(
                scalingValue: ISO19794_7ScalingValue(approximating: 100), minimum: 0, maximum: 10800),
            .y: ISO19794_7ChannelDescription(minimum: -100, maximum: 6480, mean: -5),
            .time: ISO19794_7ChannelDescription(scalingValue: ISO19794_7ScalingValue(approximating: 1000)),
            .force: ISO19794_7ChannelDescription(minimum: 0, maximum: 1023, standardDeviation: 77),
            .tipSwitch: ISO19794_7ChannelDescription(linearComponentRemoved: true),
        ]
        let points = (0..<20).map { index in
            ISO19794_7SamplePoint([
                .x: index * 500, .y: 3000 - index * 170, .time: index * 5, .force: index * 40,
                .tipSwitch: index % 7 == 0 ? 0 : 1,
            ])
        }
        let first = ISO19794_7Representation(
            captureDateTime: date, deviceTechnology: .electromagnetic, deviceVendorID: 0x0056, deviceTypeID: 0x00A8,
            qualityBlocks: [ISO19794_7QualityBlock(score: 80, algorithmVendorID: 1, algorithmID: 2)],
            channels: channels,
            points: points, extendedData: Array("hello".utf8))
        let second = ISO19794_7Representation(
            captureDateTime: .unspecified,
            channels: [.x: ISO19794_7ChannelDescription(), .y: ISO19794_7ChannelDescription()],
            points: [ISO19794_7SamplePoint([.x: -32768, .y: 32767])])
        return ISO19794_7Record(representations: [first, second])
    }

    @Test func roundTrips() throws {
        let record = Self.sampleRecord()
        let bytes = try record.encoded()
        #expect(try ISO19794_7Record(decoding: bytes) == record)
    }

    @Test func generalAndRepresentationHeaderLayout() throws {
        let channels: [ISO19794_7Channel: ISO19794_7ChannelDescription] = [
            .x: ISO19794_7ChannelDescription(minimum: 0, maximum: 4000),
            .y: ISO19794_7ChannelDescription(minimum: 0, maximum: 4000),
            .force: ISO19794_7ChannelDescription(minimum: 0, maximum: 1),
            .time: ISO19794_7ChannelDescription(),
        ]
        let point = ISO19794_7SamplePoint([.x: 1200, .y: 2100, .time: 1200, .force: 1])
        let representation = ISO19794_7Representation(captureDateTime: Self.date, channels: channels, points: [point])
        let bytes = try ISO19794_7Record(representations: [representation]).encoded()
        // General header: "SDI\0", "020\0", length 15 + 50, 1 representation, certification flag 0.
        #expect(Array(bytes[0..<15]) == stuHex("53 44 49 00 30 32 30 00 00 00 00 41 00 01 00"))
        let body = Array(bytes[15...])
        #expect(body.count == 50)
        #expect(Array(body[0..<4]) == [0, 0, 0, 50])
        #expect(Array(body[4..<13]) == stuHex("07 E9 03 0E 09 1A 35 02 4D"))
        #expect(body[13] == 1)  // electromagnetic
        #expect(body[18] == 0)  // no quality blocks
        #expect(Array(body[19..<21]) == [0xC1, 0x40])  // X, Y, T, F
        #expect(Array(body[21..<26]) == stuHex("60 80 00 8F A0"))  // X: min 0, max 4000 offset by 32768
        #expect(body[31] == 0x00)  // T: empty preamble
        #expect(Array(body[32..<37]) == stuHex("60 00 00 00 01"))  // F: unsigned min 0 max 1
        #expect(Array(body[37..<40]) == [0, 0, 1])  // one sample point
        #expect(Array(body[40..<48]) == stuHex("84 B0 88 34 04 B0 00 01"))  // X+32768, Y+32768, T, F
        #expect(Array(body[48..<50]) == [0, 0])  // no extended data
    }

    @Test func scalingValues() {
        let hundred = ISO19794_7ScalingValue(approximating: 100)
        #expect(hundred?.value == 100)
        #expect(hundred == ISO19794_7ScalingValue(exponent: 6, fraction: 1152))
        #expect(hundred?.rawValue == UInt16(46208))
        #expect(ISO19794_7ScalingValue(approximating: 1000)?.value == 1000)
        #expect(ISO19794_7ScalingValue(approximating: 1)?.rawValue == 16 << 11)
        #expect(ISO19794_7ScalingValue(approximating: 0) == nil)
        #expect(ISO19794_7ScalingValue(approximating: 70000) == nil)
        #expect(ISO19794_7ScalingValue(approximating: -.infinity) == nil)
        let approximate = ISO19794_7ScalingValue(approximating: 39.37)
        #expect(abs((approximate?.value ?? 0) - 39.37) < 0.02)
        #expect(ISO19794_7ScalingValue(exponent: 99, fraction: -4).rawValue == 31 << 11)
    }

    @Test func encoderRejectsInvalidContent() {
        var representation = Self.sampleRecord().representations[0]
        representation.points[3].values[.x] = 40000
        #expect(throws: ISO19794_7Error.valueOutOfRange(channel: .x, field: "sample 3", value: 40000)) {
            try representation.encoded()
        }
        representation = Self.sampleRecord().representations[0]
        representation.points[2].values[.z] = 1
        #expect(throws: ISO19794_7Error.channelValueMismatch(pointIndex: 2, channel: .z)) {
            try representation.encoded()
        }
        representation = Self.sampleRecord().representations[0]
        representation.points[2].values[.force] = nil
        #expect(throws: ISO19794_7Error.channelValueMismatch(pointIndex: 2, channel: .force)) {
            try representation.encoded()
        }
        representation = Self.sampleRecord().representations[0]
        representation.channels[.y] = nil
        #expect(throws: ISO19794_7Error.missingMandatoryChannel(.y)) { try representation.encoded() }
        representation = Self.sampleRecord().representations[0]
        representation.extendedData = [UInt8](repeating: 0, count: 65536)
        #expect(throws: ISO19794_7Error.self) { try representation.encoded() }
        #expect(throws: ISO19794_7Error.noRepresentation) { try ISO19794_7Record(representations: []).encoded() }
    }

    @Test func decoderRejectsHostileHeaders() throws {
        let good = try Self.sampleRecord().encoded()
        var bad = good
        bad[0] = 0x46
        #expect(throws: ISO19794_7Error.badFormatIdentifier(stuHex("46 44 49 00"))) {
            try ISO19794_7Record(decoding: bad)
        }
        bad = good
        bad[5] = 0x31
        #expect(throws: ISO19794_7Error.unsupportedVersion(stuHex("30 31 30 00"))) {
            try ISO19794_7Record(decoding: bad)
        }
        #expect(throws: ISO19794_7Error.recordLengthMismatch(declared: good.count, actual: good.count - 1)) {
            try ISO19794_7Record(decoding: Array(good.dropLast()))
        }
        bad = good
        bad[14] = 1
        #expect(throws: ISO19794_7Error.certificationNotSupported(flag: 1)) { try ISO19794_7Record(decoding: bad) }
        bad = good
        bad[18] = 0xFF  // first representation claims to be huge
        #expect(throws: ISO19794_7Error.self) { try ISO19794_7Record(decoding: bad) }
        bad = good
        bad[15 + 24] = 0x80  // channel inclusion: only X
        #expect(throws: ISO19794_7Error.self) { try ISO19794_7Record(decoding: bad) }
        #expect(throws: ISO19794_7Error.self) { try ISO19794_7Record(decoding: Array(good.prefix(10))) }
    }

    @Test func constantChannelIsRejectedNotMisread() throws {
        var bytes = try Self.sampleRecord().encoded()
        let preambleOffset = 15 + 4 + 9 + 1 + 2 + 2 + 1 + 5 + 2  // first channel (X) preamble
        #expect(bytes[preambleOffset] == 0xE0)
        bytes[preambleOffset] |= 0x04
        #expect(throws: ISO19794_7Error.constantChannelNotSupported(.x)) { try ISO19794_7Record(decoding: bytes) }
    }

    @Test func buildsFromSTUSamples() throws {
        let capability = STUModel.stu540.nominalCapability
        var samples: [STUTimedPenSample] = []
        for index in 0..<10 {
            let sample = STUPenSample(
                x: UInt16(1000 + index * 100), y: UInt16(2000 + index * 10), pressure: UInt16(index * 100),
                rdy: index != 9,
                sw: index > 1 && index < 8, timeCount: UInt16(truncatingIfNeeded: 65530 + index * 5),
                sequence: UInt16(index))
            samples.append(STUTimedPenSample(sample: sample, monotonicMilliseconds: 65530 + UInt64(index * 5)))
        }
        let representation = try ISO19794_7Representation(
            stuSamples: samples, capability: capability, captureDateTime: Self.date)
        #expect(representation.points.count == 9)  // the out-of-proximity sample is dropped
        #expect(representation.includedChannels == [.x, .y, .time, .force, .tipSwitch])
        #expect(representation.points[0][.time] == 0 && representation.points[8][.time] == 40)
        #expect(representation.points[3][.y] == 6480 - 2030)
        #expect(representation.points[1][.tipSwitch] == 0 && representation.points[2][.tipSwitch] == 1)
        #expect(representation.channels[.x]?.scalingValue?.value == 100)
        let record = ISO19794_7Record(representations: [representation])
        #expect(try ISO19794_7Record(decoding: try record.encoded()) == record)
        let delta = try ISO19794_7Representation(
            stuSamples: samples, capability: capability, captureDateTime: Self.date, timeChannel: .deltaTime)
        #expect(delta.points.map { $0[.deltaTime] } == [0, 5, 5, 5, 5, 5, 5, 5, 5])
        let untimed = samples.map { STUTimedPenSample(sample: $0.sample, monotonicMilliseconds: nil) }
        let estimated = try ISO19794_7Representation(
            stuSamples: untimed, capability: capability, captureDateTime: Self.date)
        #expect(estimated.points.map { $0[.time] } == [0, 5, 10, 15, 20, 25, 30, 35, 40])
        let long = [samples[0], STUTimedPenSample(sample: samples[1].sample, monotonicMilliseconds: 65530 + 70000)]
        #expect(throws: ISO19794_7Error.self) {
            try ISO19794_7Representation(stuSamples: long, capability: capability, captureDateTime: Self.date)
        }
    }

    @Test func hostileInputFuzz() throws {
        var rng = STUTestRNG(seed: 0x1979_4007)
        let good = try Self.sampleRecord().encoded()
        var decodedCount = 0
        for round in 0..<3000 {
            var input: [UInt8]
            switch round % 3 {
            case 0:
                input = good
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let index = Int.random(in: 0..<input.count, using: &rng)
                    input[index] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                input = Array(good.prefix(Int.random(in: 0...good.count, using: &rng)))
            default:
                input =
                    ISO19794_7Record.formatIdentifier + ISO19794_7Record.versionNumber
                    + rng.bytes(Int.random(in: 0...80, using: &rng))
                if input.count >= 12 {
                    let length = input.count
                    input[8] = 0
                    input[9] = 0
                    input[10] = UInt8(length >> 8)
                    input[11] = UInt8(length & 0xFF)
                }
            }
            do {
                let record = try ISO19794_7Record(decoding: input)
                decodedCount += 1
                #expect(try ISO19794_7Record(decoding: try record.encoded()) == record)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decodedCount > 0)
    }
}
