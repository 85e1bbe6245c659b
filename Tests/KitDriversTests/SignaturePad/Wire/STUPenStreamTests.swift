import Testing

@testable import KitDrivers

@Suite("STU pen reports and stream")
struct STUPenStreamTests {
    @Test func decodesPenDataReport() throws {
        // rdy=1, sw=1, pressure 0x2FF, x 0x1234, y 0x0ABC
        let sample = try STUPenSample(decodingReport: stuHex("01 92 FF 12 34 0A BC"))
        #expect(sample == STUPenSample(x: 0x1234, y: 0x0ABC, pressure: 0x2FF, rdy: true, sw: true))
        #expect(sample.encodedReport() == stuHex("01 92 FF 12 34 0A BC"))
    }

    @Test func decodesTimeCountSequenceReport() throws {
        let sample = try STUPenSample(decodingReport: stuHex("34 80 05 2A 30 19 50 FF FE 00 07"))
        #expect(sample.rdy && !sample.sw)
        #expect(sample.pressure == 5)
        #expect(sample.x == 10800 && sample.y == 6480)
        #expect(sample.timeCount == 0xFFFE)
        #expect(sample.sequence == 7)
        #expect(sample.encodedReport() == stuHex("34 80 05 2A 30 19 50 FF FE 00 07"))
    }

    @Test func penReportErrors() {
        #expect(throws: STUReportError.wrongLength(reportID: 0x01, expected: 7, actual: 6)) {
            try STUPenSample(decodingReport: stuHex("01 00 00 00 00 00"))
        }
        #expect(throws: STUReportError.wrongLength(reportID: 0x34, expected: 11, actual: 7)) {
            try STUPenSample(decodingReport: stuHex("34 00 00 00 00 00 00"))
        }
        #expect(throws: STUReportError.unexpectedReportID(expected: 0x01, actual: 0x10)) {
            try STUPenSample(decodingReport: stuHex("10 00 00 00 00 00 00"))
        }
        #expect(throws: STUReportError.emptyReport) { try STUPenSample(decodingReport: []) }
    }

    private func report(x: UInt16, y: UInt16, sw: Bool = true, time: UInt16, sequence: UInt16) -> [UInt8] {
        STUPenSample(x: x, y: y, pressure: sw ? 500 : 0, rdy: true, sw: sw, timeCount: time, sequence: sequence)
            .encodedReport()
    }

    @Test func framesReportsAcrossEverySplitPoint() throws {
        let stream =
            report(x: 1, y: 2, time: 10, sequence: 1) + stuHex("01 80 00 00 05 00 06")
            + report(x: 3, y: 4, time: 15, sequence: 2)
        for split in 0...stream.count {
            var decoder = STUPenStreamDecoder()
            decoder.append(Array(stream[0..<split]))
            var events = try decoder.drain()
            decoder.append(Array(stream[split...]))
            events += try decoder.drain()
            try decoder.finish()
            #expect(events.count == 3, "split \(split)")
            guard events.count == 3, case .sample(let first) = events[0], case .sample(let middle) = events[1],
                case .sample(let last) = events[2]
            else { continue }
            #expect(first.sample.x == 1 && first.monotonicMilliseconds == 10)
            #expect(middle.sample.x == 5 && middle.sample.timeCount == nil && middle.monotonicMilliseconds == nil)
            #expect(last.sample.x == 3 && last.monotonicMilliseconds == 15)
        }
    }

    @Test func byteByByteFeedingGivesTheSameEvents() throws {
        var stream: [UInt8] = []
        for index in 0..<50 {
            stream += report(x: UInt16(index), y: 0, time: UInt16(index * 5), sequence: UInt16(index))
        }
        var decoder = STUPenStreamDecoder()
        var count = 0
        for byte in stream {
            decoder.append([byte])
            count += try decoder.drain().count
        }
        try decoder.finish()
        #expect(count == 50)
    }

    @Test func timeCountWrapsIntoMonotonicTime() throws {
        var decoder = STUPenStreamDecoder()
        decoder.append(
            report(x: 0, y: 0, time: 65530, sequence: 100) + report(x: 0, y: 0, time: 65535, sequence: 101)
                + report(x: 0, y: 0, time: 4, sequence: 102) + report(x: 0, y: 0, time: 9, sequence: 103))
        let times = try decoder.drain().compactMap { event -> UInt64? in
            if case .sample(let timed) = event { return timed.monotonicMilliseconds }
            return nil
        }
        #expect(times == [65530, 65535, 65540, 65545])
        var unwrapper = STUTimeCountUnwrapper()
        var last: UInt64 = 0
        var steady = true
        for step in 0..<30_000 {
            let value = unwrapper.unwrap(UInt16(truncatingIfNeeded: step * 7))
            if step > 0 && value != last + 7 { steady = false }
            last = value
        }
        #expect(steady)
        #expect(last == 29_999 * 7)
    }

    @Test func reportsSequenceGapsBeforeTheSample() throws {
        var decoder = STUPenStreamDecoder()
        decoder.append(
            report(x: 1, y: 0, time: 0, sequence: 65534) + report(x: 2, y: 0, time: 5, sequence: 65535)
                + report(x: 3, y: 0, time: 25, sequence: 3))
        let events = try decoder.drain()
        #expect(events.count == 4)
        #expect(events[2] == .reportsLost(count: 3, expectedSequence: 0, receivedSequence: 3))
        if case .sample(let timed) = events[3] { #expect(timed.sample.x == 3) } else { Issue.record("no sample") }
        var tracker = STUSequenceTracker()
        #expect(tracker.observe(10) == nil)
        #expect(tracker.observe(11) == nil)
        #expect(tracker.observe(11)?.lost == 65535)
    }

    @Test func otherInputReportsAreFramedAndPassedOn() throws {
        var decoder = STUPenStreamDecoder()
        let event = [0x99] + [UInt8](repeating: 4, count: 9)
        decoder.append(event + stuHex("01 00 00 00 01 00 01"))
        let events = try decoder.drain()
        #expect(events.first == .otherReport(reportID: 0x99, bytes: event))
        #expect(events.count == 2)
    }

    @Test func unknownReportIDIsAnErrorThenResynchronises() throws {
        var decoder = STUPenStreamDecoder()
        decoder.append([0x7E] + stuHex("01 00 00 00 01 00 01"))
        #expect(throws: STUReportError.unknownInputReport(reportID: 0x7E, offset: 0)) { try decoder.next() }
        let events = try decoder.drain()
        #expect(events.count == 1)
    }

    @Test func leftoverBytesAtEndOfStreamAreAnError() throws {
        var decoder = STUPenStreamDecoder()
        decoder.append(stuHex("34 80 00 00"))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 4)
        #expect(throws: STUReportError.truncatedStream(reportID: 0x34, expected: 11, available: 4)) {
            try decoder.finish()
        }
    }

    @Test func mapsTabletUnitsToScreenPixels() throws {
        let mapper = try STUCoordinateMapper(capability: STUModel.stu540.nominalCapability)
        let point = mapper.screenPoint(x: 5400, y: 3240)
        #expect(point == STUScreenPoint(x: 400, y: 240))
        let corner = mapper.pixel(for: STUPenSample(x: 10800, y: 6480, pressure: 0, rdy: true, sw: false))
        #expect(corner.x == 799 && corner.y == 479)
        var broken = STUModel.stu430.nominalCapability
        broken.tabletMaxX = 0
        #expect(throws: STUReportError.self) { try STUCoordinateMapper(capability: broken) }
        broken = STUModel.stu430.nominalCapability
        broken.screenHeight = 0
        #expect(throws: STUReportError.self) { try STUCoordinateMapper(capability: broken) }
    }

    @Test func hostileStreamFuzz() {
        var rng = STUTestRNG(seed: 0x5045_4E53)
        let ids: [UInt8] = [0x01, 0x34, 0x99, 0x10, 0x50, 0x00, 0xFF]
        for _ in 0..<2000 {
            var decoder = STUPenStreamDecoder()
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                var chunk = rng.bytes(Int.random(in: 0...24, using: &rng))
                if !chunk.isEmpty, let id = ids.randomElement(using: &rng) { chunk[0] = id }
                stream += chunk
            }
            var consumed = 0
            var index = 0
            while index < stream.count {
                let end = min(stream.count, index + Int.random(in: 1...16, using: &rng))
                decoder.append(Array(stream[index..<end]))
                index = end
                while true {
                    do {
                        guard let event = try decoder.next() else { break }
                        if case .sample(let timed) = event {
                            let again = timed.sample.encodedReport()
                            #expect((try? STUPenSample(decodingReport: again)) == timed.sample)
                        }
                        consumed += 1
                    } catch {
                        #expect(!error.description.isEmpty)
                    }
                }
            }
            do { try decoder.finish() } catch { #expect(decoder.bufferedByteCount > 0) }
            #expect(consumed <= stream.count)
        }
        for _ in 0..<2000 {
            let input = rng.report(id: Bool.random(using: &rng) ? 0x01 : 0x34, maxLength: 14)
            do {
                let sample = try STUPenSample(decodingReport: input)
                #expect(try STUPenSample(decodingReport: sample.encodedReport()) == sample)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
