import Foundation
import Testing

@testable import SyncServer

/// Backpressure and fairness of ingest (issue #18): a bounded number of batches inside, a bounded
/// wait in line, first come first served, one batch per kit.
@Suite("Ingest admission: backpressure and fairness")
struct IngestAdmissionTests {
    /// Waits until the admission has `count` batches in line (the waiters are tasks of their own).
    static func untilWaiting(_ admission: IngestAdmission, _ count: Int) async throws {
        for _ in 0..<2000 {
            if await admission.occupancy.waiting == count { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("never \(count) waiting")
    }

    @Test("with every slot taken and no wait, the kit is told 503 with a Retry-After")
    func saturatedWithoutWaitTurnsAway() async throws {
        let admission = IngestAdmission(limit: 1, wait: .zero)
        try await admission.enter(kitId: "kit-a")
        await #expect(throws: IngestAdmission.Refusal.saturated(retryAfterSeconds: 1)) {
            try await admission.enter(kitId: "kit-b")
        }
        await admission.leave(kitId: "kit-a")
        try await admission.enter(kitId: "kit-b")
        #expect(await admission.turnedAway == 1)
        #expect(await admission.admittedAtOnce == 2)
    }

    @Test("a kit's second batch while its first is inside is refused at once (429), not queued")
    func oneBatchPerKit() async throws {
        let admission = IngestAdmission(limit: 4, wait: .seconds(5))
        try await admission.enter(kitId: "kit-a")
        await #expect(throws: IngestAdmission.Refusal.kitBusy(retryAfterSeconds: 1)) {
            try await admission.enter(kitId: "kit-a")
        }
        #expect(await admission.occupancy.inside == 1)
    }

    @Test("a waiting batch gets the slot its predecessor leaves")
    func aWaitingBatchIsAdmitted() async throws {
        let admission = IngestAdmission(limit: 1, wait: .seconds(30))
        try await admission.enter(kitId: "kit-a")
        let waiter = Task { try await admission.enter(kitId: "kit-b") }
        try await Self.untilWaiting(admission, 1)
        await admission.leave(kitId: "kit-a")
        try await waiter.value
        #expect(await admission.occupancy == (1, 0))
        #expect(await admission.admittedAfterWaiting == 1)
    }

    @Test("a batch that waits longer than the admission's wait is turned away and leaves the line")
    func theWaitIsBounded() async throws {
        let admission = IngestAdmission(limit: 1, wait: .milliseconds(50))
        try await admission.enter(kitId: "kit-a")
        let started = ContinuousClock.now
        await #expect(throws: IngestAdmission.Refusal.self) { try await admission.enter(kitId: "kit-b") }
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(await admission.occupancy == (1, 0))
        // The slot is still usable by the kit that was turned away once the first leaves.
        await admission.leave(kitId: "kit-a")
        try await admission.enter(kitId: "kit-b")
    }

    @Test("the Retry-After grows with the line: one second per full round of slots ahead, 1…30 s")
    func retryAfterGrowsWithTheLine() {
        #expect(IngestAdmission.retryAfterSeconds(waiting: 0, limit: 4) == 1)
        #expect(IngestAdmission.retryAfterSeconds(waiting: 3, limit: 4) == 1)
        #expect(IngestAdmission.retryAfterSeconds(waiting: 8, limit: 4) == 3)
        #expect(IngestAdmission.retryAfterSeconds(waiting: 10_000, limit: 4) == 30)
    }

    @Test("fairness: a kit with a day's queue goes back to the end of the line after each batch")
    func aBigQueueDoesNotStarveASmallOne() async throws {
        let admission = IngestAdmission(limit: 1, wait: .seconds(30))
        try await admission.enter(kitId: "kit-big")
        let small = Task { try await admission.enter(kitId: "kit-small") }
        try await Self.untilWaiting(admission, 1)
        // The big kit finishes a batch and at once sends its next one.
        await admission.leave(kitId: "kit-big")
        let bigAgain = Task { try await admission.enter(kitId: "kit-big") }
        try await small.value
        try await Self.untilWaiting(admission, 1)
        #expect(await admission.occupancy == (1, 1))  // small inside, big in line behind it
        await admission.leave(kitId: "kit-small")
        try await bigAgain.value
        #expect(await admission.occupancy == (1, 0))
    }

    @Test("the slot is given back when the batch fails")
    func aFailingBatchLeaves() async throws {
        struct Boom: Error {}
        let admission = IngestAdmission(limit: 1, wait: .zero)
        await #expect(throws: Boom.self) {
            try await admission.withSlot(kitId: "kit-a") { () async throws -> Int in throw Boom() }
        }
        #expect(await admission.occupancy == (0, 0))
        #expect(try await admission.withSlot(kitId: "kit-a") { 7 } == 7)
    }
}
