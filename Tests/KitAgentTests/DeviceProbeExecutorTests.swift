import Foundation
import Synchronization
import Testing

@testable import KitAgent

/// A check that blocks its thread, as a libpcsclite call does while pcscd does not answer.
private struct BlockingCheck: DoctorCheck {
    var name = "blocking"
    let seconds: Double
    func run() async -> DoctorFinding {
        usleep(UInt32(seconds * 1_000_000))  // blocks the thread, as a C library call does
        return .ok(name, "answered after \(seconds) s")
    }
}

@Suite("Doctor checks run off the cooperative pool")
struct DeviceProbeExecutorTests {
    @Test("checks that block in C code do not stop the agent's other tasks")
    func blockingChecksLeaveThePoolFree() async {
        // More blocked checks at once than the pool has threads: without their own thread they
        // would hold every pool thread and the ticker below would stand still.
        let parallel = ProcessInfo.processInfo.activeProcessorCount + 1
        // The longest pause between two ticks of a task on the pool, in milliseconds.
        let longestPause = Atomic<Int>(0)
        let ticker = Task {
            var last = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                let now = ContinuousClock.now
                _ = longestPause.max(Int((now - last) / .milliseconds(1)), ordering: .relaxed)
                last = now
            }
        }
        let started = ContinuousClock.now
        let findings = await withTaskGroup(of: DoctorFinding.self) { group in
            for index in 0..<parallel {
                group.addTask {
                    await Doctor.run(BlockingCheck(name: "blocking-\(index)", seconds: 1), deadline: .seconds(30))
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        ticker.cancel()
        #expect(findings.count == parallel)
        #expect(findings.allSatisfy { $0.status == .ok })
        // The checks ran on threads of their own, while the pool kept running the ticker: it never
        // paused for anything near the 1 s a check blocks.
        #expect(elapsed >= .milliseconds(950))
        #expect(longestPause.load(ordering: .relaxed) < 700)
    }

    @Test("a check that overruns is reported at its deadline and not started again while it hangs")
    func aHangingCheckIsReportedInTimeAndNotPiledUp() async {
        let check = BlockingCheck(name: "hung-pcscd", seconds: 1.5)
        let started = ContinuousClock.now
        let first = await Doctor.run(check, deadline: .milliseconds(200))
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(first.status == .failure)
        #expect(first.detail.contains("did not finish"))
        // The next round while the first still blocks its thread: no second thread for it.
        let second = await Doctor.run(check, deadline: .seconds(5))
        #expect(second.status == .failure)
        #expect(second.detail.contains("has not returned yet"))
        // Once it has returned, it runs again.
        try? await Task.sleep(for: .seconds(2))
        let third = await Doctor.run(check, deadline: .seconds(5))
        #expect(third.status == .ok)
    }

    @Test("a caller that is cancelled (shutdown) does not wait for a blocked check")
    func cancellationEndsTheWait() async {
        let waiting = Task { await Doctor.run(BlockingCheck(name: "hung-usb", seconds: 2), deadline: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        waiting.cancel()
        let finding = await waiting.value
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(finding.status == .failure)
        try? await Task.sleep(for: .seconds(2))  // let the blocked thread return before the next test
    }
}
