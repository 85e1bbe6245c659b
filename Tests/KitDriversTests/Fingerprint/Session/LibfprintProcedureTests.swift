import KitSimulators
import Testing

@testable import KitDrivers

/// The BSI capture procedure end to end: simulator → libfprint virtual image device → scanner →
/// quality → WSQ → ISO 19794-4 → finger set. Part of the serialized libfprint suite.
extension LibfprintScannerTests {
    static func plan(_ slots: [FingerprintCapturePlan.Slot] = [.bsiOrder(.left), .bsiOrder(.right)], captures: Int = 3)
        -> FingerprintCapturePlan
    {
        FingerprintCapturePlan(slots: slots, capturesPerFinger: captures, captureTimeout: .seconds(5))
    }

    @Test("BSI procedure through libfprint: skip recorded, three captures per finger, best kept, order kept")
    func procedure() async throws {
        // The smudged image has no ridge detail libfprint can find: it answers with a retry, which
        // costs an attempt but is no image.
        let script = try FingerprintSimulatorScript(sequence: "smudged,partial,clean,dark,dark,clean,light")
        let rig = try await LibfprintRig.start(script)
        let clerk = FingerprintTestClerk(skips: [.leftIndex: .missing], onScannerEvent: rig.feed)
        let set: FingerprintSet
        do {
            set = try await FingerprintCaptureProcedure(plan: Self.plan()).run(scanner: rig.scanner, clerk: clerk)
        } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()

        #expect(await clerk.asked == [.leftIndex, .leftThumb, .rightIndex])
        #expect(set.entries.map(\.position) == [.leftIndex, .leftThumb, .rightIndex])
        #expect(set.entries.first?.outcome == .skipped(.missing))
        #expect(set.skippedFingers.map(\.reason) == [.missing])
        #expect(set.scanner?.driver == "virtual_image")
        let kept = set.keptFingers
        #expect(kept.map(\.position) == [.leftThumb, .rightIndex])
        #expect(kept.map(\.keptCapture) == [2, 2])
        for finger in kept {
            #expect(finger.captureScores.count == 3)
            #expect(finger.meetsQualityThreshold)
            #expect(finger.quality.score == finger.captureScores[1])
            #expect(finger.captureScores[1] > max(finger.captureScores[0], finger.captureScores[2]))
            // The record holds a WSQ image of the capture that decodes to the right size.
            let record = try FingerImageRecord(decoding: finger.record)
            let view = try #require(record.views.first)
            #expect(record.compression == .wsq)
            #expect(view.position == finger.position)
            #expect(Int(view.quality) == finger.quality.score)
            let decoded = try WSQDecoder.decode(view.imageData)
            #expect(decoded.width == FingerprintSimulatorImage.defaultWidth)
            #expect(decoded.height == FingerprintSimulatorImage.defaultHeight)
        }

        // The clerk heard the reasons: the scanner's retry, then each rejection with its issues.
        let notices = await clerk.notices
        #expect(notices.contains(.scannerRetry(.leftThumb, .general)))
        #expect(notices.contains { if case .rejected(.leftThumb, 1, _, [.partialFinger]) = $0 { true } else { false } })
        #expect(notices.contains { if case .rejected(.rightIndex, 3, _, [.tooLight]) = $0 { true } else { false } })
        #expect(notices.first == .skipped(.leftIndex, .missing))
        #expect(notices.last == .fingerDone(.rightIndex, score: kept[1].quality.score, meetsThreshold: true))

        // The payload is deterministic and reads back to the same set.
        let payload = try set.payload()
        #expect(try set.payload() == payload)
        #expect(try FingerprintSet(payload: payload) == set)
        let combined = try FingerImageRecord(decoding: try set.combinedRecord())
        #expect(combined.views.map(\.position) == [.leftThumb, .rightIndex])
    }

    @Test("no accepted image of the index finger: the thumb is tried and kept, the index recorded as not kept")
    func fallbackToThumb() async throws {
        let script = try FingerprintSimulatorScript(sequence: "partial,dark,light,light,clean,partial")
        let rig = try await LibfprintRig.start(script)
        let clerk = FingerprintTestClerk(onScannerEvent: rig.feed)
        let set: FingerprintSet
        do {
            set = try await FingerprintCaptureProcedure(plan: Self.plan([.bsiOrder(.right)])).run(
                scanner: rig.scanner, clerk: clerk)
        } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()
        #expect(set.entries.map(\.position) == [.rightIndex, .rightThumb])
        guard case .notKept(let indexQuality) = set.entries.first?.outcome else {
            Issue.record("index finger should be recorded as not kept: \(String(describing: set.entries.first))")
            return
        }
        #expect(!indexQuality.accepted)
        #expect(set.keptFingers.map(\.position) == [.rightThumb])
        #expect(set.keptFingers.first?.keptCapture == 2)
        #expect(await clerk.notices.contains(.fallingBack(from: .rightIndex, to: .rightThumb)))
    }

    @Test("scanner removed in the middle of the procedure: typed error carrying the fingers already done")
    func removedDuringProcedure() async throws {
        let script = try FingerprintSimulatorScript(sequence: "clean,remove")
        let rig = try await LibfprintRig.start(script)
        let clerk = FingerprintTestClerk(onScannerEvent: rig.feed)
        let plan = Self.plan(
            [.init(candidates: [.leftIndex]), .init(candidates: [.rightIndex])], captures: 1)
        let result: Result<FingerprintSet, FingerprintCaptureError>
        do {
            result = .success(try await FingerprintCaptureProcedure(plan: plan).run(scanner: rig.scanner, clerk: clerk))
        } catch {
            result = .failure(error)
        }
        await rig.stop()
        guard case .failure(.scanner(.deviceRemoved, let partial)) = result else {
            Issue.record("the procedure should stop with .deviceRemoved, got \(result)")
            return
        }
        #expect(partial.keptFingers.map(\.position) == [.leftIndex])
    }
}
