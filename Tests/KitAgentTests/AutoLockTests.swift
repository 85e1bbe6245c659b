import Foundation
import KitAgent
import Testing

/// The auto-lock the clerk's page warns about (issue #20): how long is left, "Weiterarbeiten",
/// and background work that must not keep an unattended kit unlocked.
@Suite("Auto-lock: seconds left, 'Weiterarbeiten', background work is not activity")
struct AutoLockTests {
    @Test func secondsLeftCountDownAndWeiterarbeitenStartsThemAgain() async throws {
        let kit = try KitFixture()
        let lock = KitLock(keys: kit.keys, cost: .testing, idleTimeout: 900)
        try await lock.initialize(secret: "Rheinufer-2026")
        let start = Date()
        _ = try await lock.currentStorageKey(now: start)
        #expect(await lock.secondsUntilAutoLock(now: start.addingTimeInterval(850)) == 50)
        // Asking is not activity: still 50 s later on.
        #expect(await lock.secondsUntilAutoLock(now: start.addingTimeInterval(850)) == 50)
        try await lock.keepUnlocked(now: start.addingTimeInterval(860))
        #expect(await lock.secondsUntilAutoLock(now: start.addingTimeInterval(860)) == 900)
        #expect(await lock.secondsUntilAutoLock(now: start.addingTimeInterval(1_800)) == nil, "locked by then")
        await #expect(throws: UnlockError.locked) { try await lock.keepUnlocked(now: start.addingTimeInterval(1_801)) }
    }

    @Test func backgroundUseOfTheKeyDoesNotHoldOffTheAutoLock() async throws {
        let kit = try KitFixture()
        let lock = KitLock(keys: kit.keys, cost: .testing, idleTimeout: 60)
        try await lock.initialize(secret: "Rheinufer-2026")
        let start = Date()
        _ = try await lock.currentStorageKey(now: start)
        _ = try await lock.currentStorageKey(now: start.addingTimeInterval(50), activity: false)
        #expect(await lock.secondsUntilAutoLock(now: start.addingTimeInterval(50)) == 10)
        await #expect(throws: UnlockError.locked) {
            try await lock.currentStorageKey(now: start.addingTimeInterval(61), activity: false)
        }
    }
}
