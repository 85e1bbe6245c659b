// Seed inputs for the fuzz targets (scripts/fuzz writes them before fuzzing): the recorded Feig
// terminal traffic for the ZVT targets, and for the others valid inputs made by our own encoders
// and the test vectors of the unit tests, so that the fuzzer starts past each format's magic bytes.

#if canImport(Glibc)
    import Glibc
#endif

enum SeedCorpus {
    /// Seeds per target; `recordings` are the ZVT APDUs of Tests/KitDriversTests/PaymentTerminal/Recordings.
    static func seeds(for target: FuzzTarget, recordings: [[UInt8]]) -> [[UInt8]] {
        switch target {
        case .zvtAPDU, .zvtCapture:
            return recordings
        case .zvtTCPStream:
            return [[0x02] + recordings.joined(), [0x0F] + recordings.prefix(4).joined()]
        case .zvtSerialStream:
            let frames = recordings.map(ZVTSerialFrame.encode)
            return [[0x00] + frames.prefix(3).joined(), [0x07] + frames.joined()]
        case .berTLV:
            return [
                hex("04 81 02 AA BB"),
                hex("31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 02 02 02 01 02 02 01 0D"),
            ]
        case .iso7816:
            return [
                hex("90 00"), hex("6A 82"), hex("00 A4 02 0C 02 01 1C"), hex("00 B0 00 00 00"), hex("0C B0 81 00 0A"),
            ]
        case .atr:
            return [hex("3B 95 13 81 01 80 73 FF 01 00 0B"), hex("3B 8A 80 01 80 31 B8 73 84 01 E0 82 90 00 06")]
        case .stuPenStream:
            var samples: [[UInt8]] = []
            for index in 0..<6 {
                let touching = index % 3 != 0
                let x = UInt16(100 * index)
                let y = UInt16(50 * index)
                let time = UInt16(5 * index)
                let sample = STUPenSample(
                    x: x, y: y, pressure: touching ? 400 : 0, rdy: true, sw: touching, timeCount: time,
                    sequence: UInt16(index))
                samples.append(sample.encodedReport())
            }
            return [[0x00] + samples.joined(), [0x03] + hex("01 92 FF 12 34 0A BC") + samples.joined()]
        case .iso19794_7:
            let points = (0..<8).map { index in
                ISO19794_7SamplePoint([.x: index * 500, .y: 3000 - index * 170, .time: index * 5, .force: index * 40])
            }
            let representation = ISO19794_7Representation(
                captureDateTime: .unspecified,
                channels: [
                    .x: ISO19794_7ChannelDescription(), .y: ISO19794_7ChannelDescription(),
                    .time: ISO19794_7ChannelDescription(), .force: ISO19794_7ChannelDescription(),
                ],
                points: points, extendedData: Array("seed".utf8))
            return [(try? ISO19794_7Record(representations: [representation]).encoded()) ?? []]
        case .iso19794_4:
            let view = FingerImageRecord.View(
                position: .rightIndex, quality: 80, width: 32, height: 32, imageData: wsqSeed())
            return [(try? FingerImageRecord(views: [view]).encoded()) ?? []]
        case .wsq:
            return [wsqSeed()]
        case .png:
            return [
                (try? PNGEncoder.encodeGrayscale(width: 4, height: 2, pixels: [0, 64, 128, 255, 1, 2, 3, 4])) ?? []
            ]
        case .vpcd:
            // Power on, get ATR, SELECT (an APDU), reset, power off: what pcscd sends a card.
            return [[0x03] + hex("00 01 01 00 01 04 00 0C 00 A4 04 0C 07 A0 00 00 02 47 10 01 00 01 02 00 01 00")]
        }
    }

    static func wsqSeed() -> [UInt8] {
        let pixels = (0..<(32 * 32)).map { UInt8(truncatingIfNeeded: ($0 % 32) * 7 + ($0 / 32) * 3) }
        return (try? WSQEncoder.encode(pixels: pixels, width: 32, height: 32)) ?? []
    }

    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").compactMap { UInt8($0, radix: 16) }
    }
}
