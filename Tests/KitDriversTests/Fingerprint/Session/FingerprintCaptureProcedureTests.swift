import KitSimulators
import Testing

@testable import KitDrivers

/// A scanner that hands out prepared results in order, for testing the procedure's decisions
/// without libfprint. When it runs out it answers like an idle scanner: timeout.
actor FingerprintReplayScanner: FingerprintScanner {
    enum Answer: Sendable {
        case image(FingerprintImage)
        case failure(FingerprintScannerError)
    }

    nonisolated let info = FingerprintScannerInfo(
        backend: "replay", driver: "replay", deviceID: "0", name: "Replay", scanType: .press, canCapture: true)
    private var answers: [Answer]
    private(set) var captures = 0
    let state = DeviceState.idle
    let power = DevicePower.online
    let statistics = FingerprintScannerStatistics()

    init(_ answers: [Answer]) {
        self.answers = answers
    }

    var remaining: Int { answers.count }

    func open() async throws(FingerprintScannerError) {}
    func claim(timeout: Duration) async throws(FingerprintScannerError) {}
    func enable() async throws(FingerprintScannerError) {}
    func disable() async {}
    func release() async {}
    func close() async {}
    func checkHealth(_ level: FingerprintHealthLevel) async -> FingerprintHealthReport {
        FingerprintHealthReport(level: level, healthy: true, findings: [])
    }

    func capture(
        timeout: Duration, events: (@Sendable (FingerprintScannerEvent) -> Void)?
    ) async throws(FingerprintScannerError) -> FingerprintScan {
        captures += 1
        events?(.waitingForFinger)
        guard !answers.isEmpty else { throw .timeout(operation: "waiting for a finger", seconds: 0) }
        switch answers.removeFirst() {
        case .image(let image): return FingerprintScan(image: image, deviceResolution: 500, resampled: false)
        case .failure(let error): throw error
        }
    }
}

enum FingerprintProcedureFixtures {
    static let synthesizer = FingerprintSynthesizer(width: 256, height: 320)

    static func image(_ defect: FingerprintSynthesizer.Defect, seed: UInt64 = 1) -> FingerprintReplayScanner.Answer {
        .image(synthesizer.generate(seed: seed, defect: defect))
    }

    static func plan(
        _ slots: [FingerprintCapturePlan.Slot], captures: Int = 3, attempts: Int = 6, stopAtFirstAccepted: Bool = false,
        tryNext: Bool = true, skips: [FingerImageRecord.Position: FingerprintSkipReason] = [:]
    ) -> FingerprintCapturePlan {
        FingerprintCapturePlan(
            slots: slots, capturesPerFinger: captures, maximumAttemptsPerFinger: attempts, captureTimeout: .seconds(1),
            stopAtFirstAccepted: stopAtFirstAccepted, tryNextFingerOnLowQuality: tryNext, knownSkips: skips)
    }
}

@Suite("Fingerprint capture procedure (BSI)")
struct FingerprintCaptureProcedureTests {
    typealias F = FingerprintProcedureFixtures

    @Test("the default plan is left then right hand, index → thumb → middle → ring, three captures")
    func defaultPlan() {
        let plan = FingerprintCapturePlan.bsiDefault
        #expect(plan.capturesPerFinger == 3)
        #expect(
            plan.slots.map(\.candidates) == [
                [.leftIndex, .leftThumb, .leftMiddle, .leftRing], [.rightIndex, .rightThumb, .rightMiddle, .rightRing],
            ])
        #expect(!plan.slots.flatMap(\.candidates).contains(.leftLittle))
        #expect(!plan.slots.flatMap(\.candidates).contains(.rightLittle))
    }

    @Test("the best of three is kept: accepted before rejected, then higher score, then earlier")
    func bestSelection() {
        func quality(_ score: Int, accepted: Bool) -> FingerprintQuality {
            FingerprintQuality(score: score, criteria: [], verdict: accepted ? .accepted : .rejected([.tooLight]))
        }
        let image = FingerprintImage(width: 1, height: 1, pixels: [0])
        var captures = FingerprintFingerCaptures(position: .leftIndex)
        captures.images = [(image, quality(90, accepted: false)), (image, quality(80, accepted: true))]
        #expect(captures.bestIndex == 1)
        captures.images = [(image, quality(80, accepted: true)), (image, quality(80, accepted: true))]
        #expect(captures.bestIndex == 0)
        captures.images = [(image, quality(40, accepted: false)), (image, quality(60, accepted: false))]
        #expect(captures.bestIndex == 1)
        captures.images = []
        #expect(captures.bestIndex == nil)
    }

    @Test("scanner retries, timeouts and unusable images cost attempts, not captures")
    func attemptsAndCaptures() async throws {
        let scanner = FingerprintReplayScanner([
            .failure(.retry(.centerFinger)), F.image(.tooLight), .failure(.timeout(operation: "x", seconds: 1)),
            .failure(.invalidImage(width: 0, height: 0, bytes: 0)),
            .image(FingerprintImage(width: 8, height: 8, pixels: [UInt8](repeating: 0, count: 64))),
            F.image(.none, seed: 2), F.image(.partial),
        ])
        let clerk = FingerprintTestClerk()
        // Seven attempts: four without an image, three images.
        let set = try await FingerprintCaptureProcedure(
            plan: F.plan([.init(candidates: [.rightIndex])], attempts: 7)
        ).run(scanner: scanner, clerk: clerk)
        let finger = try #require(set.keptFingers.first)
        #expect(finger.captureScores.count == 3)
        #expect(finger.keptCapture == 2)
        let notices = await clerk.notices
        #expect(notices.contains(.scannerRetry(.rightIndex, .centerFinger)))
        #expect(notices.contains(.noFingerPlaced(.rightIndex)))
        #expect(notices.filter { $0 == .unusableImage(.rightIndex) }.count == 2)
        #expect(await scanner.remaining == 0)
    }

    @Test("stopAtFirstAccepted ends a finger at its first good image")
    func stopAtFirstAccepted() async throws {
        let scanner = FingerprintReplayScanner([F.image(.partial), F.image(.none), F.image(.none, seed: 3)])
        let set = try await FingerprintCaptureProcedure(
            plan: F.plan([.init(candidates: [.leftIndex])], stopAtFirstAccepted: true)
        ).run(scanner: scanner, clerk: FingerprintTestClerk())
        #expect(set.keptFingers.first?.captureScores.count == 2)
        #expect(await scanner.remaining == 1)
    }

    @Test("a finger without any usable image is recorded as skipped (no usable image), the next one is tried")
    func noUsableImage() async throws {
        let retries = [FingerprintReplayScanner.Answer](repeating: .failure(.retry(.general)), count: 6)
        let scanner = FingerprintReplayScanner(
            retries + [F.image(.none), F.image(.none, seed: 2), F.image(.none, seed: 3)])
        let set = try await FingerprintCaptureProcedure(plan: F.plan([.bsiOrder(.left)])).run(
            scanner: scanner, clerk: FingerprintTestClerk())
        #expect(set.entries.map(\.position) == [.leftIndex, .leftThumb])
        #expect(set.entries.first?.outcome == .skipped(.noUsableImage))
        #expect(set.keptFingers.map(\.position) == [.leftThumb])
    }

    @Test("without fallback a low-quality finger is kept at once and marked below threshold")
    func noFallback() async throws {
        let scanner = FingerprintReplayScanner([F.image(.tooLight), F.image(.partial), F.image(.tooDark)])
        let set = try await FingerprintCaptureProcedure(plan: F.plan([.bsiOrder(.right)], tryNext: false)).run(
            scanner: scanner, clerk: FingerprintTestClerk())
        let finger = try #require(set.keptFingers.first)
        #expect(finger.position == .rightIndex)
        #expect(!finger.meetsQualityThreshold)
        #expect(
            finger.keptCapture
                == finger.captureScores.indices.max { finger.captureScores[$0] < finger.captureScores[$1] }.map {
                    $0 + 1
                })
    }

    @Test("all candidates of a hand poor: the best image over all of them is kept, the others not kept")
    func allPoor() async throws {
        let scanner = FingerprintReplayScanner([
            F.image(.tooLight), F.image(.tooLight, seed: 2), F.image(.tooLight, seed: 3),
            F.image(.partial), F.image(.partial, seed: 2), F.image(.partial, seed: 3),
        ])
        let clerk = FingerprintTestClerk()
        let set = try await FingerprintCaptureProcedure(
            plan: F.plan([.init(candidates: [.leftIndex, .leftThumb])])
        ).run(scanner: scanner, clerk: clerk)
        #expect(set.entries.count == 2)
        #expect(set.keptFingers.count == 1)
        let kept = try #require(set.keptFingers.first)
        #expect(!kept.meetsQualityThreshold)
        for entry in set.entries where entry.position != kept.position {
            guard case .notKept(let quality) = entry.outcome else {
                Issue.record("expected notKept for \(entry.position)")
                continue
            }
            #expect(quality.score <= kept.quality.score)
        }
        #expect(
            await clerk.notices.last == .fingerDone(kept.position, score: kept.quality.score, meetsThreshold: false))
    }

    @Test("known skips are recorded without asking; a hand with every finger skipped yields only skips")
    func skips() async throws {
        let scanner = FingerprintReplayScanner([F.image(.none)])
        let clerk = FingerprintTestClerk(skips: [.rightThumb: .injured, .rightMiddle: .notCapturable])
        let plan = F.plan([.bsiOrder(.right)], captures: 1, skips: [.rightIndex: .missing, .rightRing: .missing])
        let set = try await FingerprintCaptureProcedure(plan: plan).run(scanner: scanner, clerk: clerk)
        #expect(await clerk.asked == [.rightThumb, .rightMiddle])
        #expect(
            set.entries.map(\.outcome) == [
                .skipped(.missing), .skipped(.injured), .skipped(.notCapturable), .skipped(.missing),
            ])
        #expect(set.keptFingers.isEmpty)
        #expect(await scanner.captures == 0)
        #expect(set.skippedFingers.map(\.position) == [.rightIndex, .rightThumb, .rightMiddle, .rightRing])
    }

    @Test("cancellation and scanner faults stop the procedure with the fingers already done")
    func stops() async throws {
        let plan = F.plan([.init(candidates: [.leftIndex]), .init(candidates: [.rightIndex])], captures: 1)
        let cancelled = FingerprintReplayScanner([F.image(.none), .failure(.cancelled)])
        await #expect {
            try await FingerprintCaptureProcedure(plan: plan).run(scanner: cancelled, clerk: FingerprintTestClerk())
        } throws: { error in
            guard let error = error as? FingerprintCaptureError, case .cancelled(let partial) = error else {
                return false
            }
            return partial.keptFingers.map(\.position) == [.leftIndex]
        }
        let broken = FingerprintReplayScanner([.failure(.communication(message: "pipe"))])
        await #expect {
            try await FingerprintCaptureProcedure(plan: plan).run(scanner: broken, clerk: FingerprintTestClerk())
        } throws: { error in
            guard let error = error as? FingerprintCaptureError else { return false }
            return error == .scanner(.communication(message: "pipe"), partial: error.partial)
                && error.partial.entries.isEmpty
        }
    }

    @Test("notices carry German and English sentences for the citizen")
    func noticeTexts() {
        let notice = FingerprintCaptureNotice.placeFinger(.leftIndex, capture: 2, of: 3)
        #expect(notice.german == "Bitte den linken Zeigefinger flach auflegen (Aufnahme 2 von 3).")
        #expect(notice.english == "Please place your left index finger flat on the scanner (capture 2 of 3).")
        let rejected = FingerprintCaptureNotice.rejected(.leftIndex, capture: 1, score: 20, issues: [.tooLight])
        #expect(rejected.german == FingerprintQualityIssue.tooLight.german)
        #expect(
            FingerprintCaptureNotice.fallingBack(from: .rightIndex, to: .rightThumb).german.contains("rechten Daumen"))
        for position in FingerImageRecord.Position.allCases {
            #expect(!position.germanName.isEmpty && !position.englishName.isEmpty && !position.germanAccusative.isEmpty)
        }
    }
}
