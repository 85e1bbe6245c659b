import Foundation
import Testing

@testable import KitAgent

/// The busy server's Retry-After (issue #18): what it asks for is honoured, nothing it sends makes
/// the kit wait for ever or crash.
@Suite("Retry-After from a busy server")
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_796_700_000)  // 2026-12-08T04:40:00Z

    @Test(arguments: [("5", 5), ("0", 0), (" 120 ", 120), ("600", 600)])
    func delaySecondsAreTakenAsTheyAre(field: String, seconds: Int) {
        #expect(RetryAfter.parse(field, now: Self.now) == .seconds(seconds))
    }

    @Test("a wait longer than ten minutes is cut to ten: one answer must not silence a kit for a day")
    func longWaitsAreCapped() {
        #expect(RetryAfter.parse("86400", now: Self.now) == RetryAfter.longest)
        #expect(RetryAfter.parse("99999999999999999999999999", now: Self.now) == RetryAfter.longest)
    }

    @Test func anHTTPDateIsAWaitUntilThen() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let field = formatter.string(from: Self.now.addingTimeInterval(42))
        #expect(RetryAfter.parse(field, now: Self.now) == .seconds(42))
        // A date already past: come back at once.
        #expect(RetryAfter.parse(formatter.string(from: Self.now.addingTimeInterval(-3600)), now: Self.now) == .zero)
    }

    @Test("the obsolete date forms a recipient must accept (RFC 850, asctime)")
    func obsoleteDateForms() {
        let base = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: base) == .zero)
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:47 GMT", now: base) == .seconds(10))
        #expect(RetryAfter.parse("Sun Nov  6 08:50:37 1994", now: base) == .seconds(60))
    }

    @Test(
        "garbage is no wait of its own: the kit falls back to its backoff",
        arguments: [
            nil, "", "   ", "-5", "1.5", "5 s", "abc", "0x10", "+5", "٥", "5\u{0}", "Sun, 06 Nov 1994 08:49:37 XYZ",
            "Sun, 32 Nov 1994 08:49:37 GMT", String(repeating: "9", count: 65),
            String(repeating: "Sun, ", count: 40),
        ])
    func garbageIsNil(field: String?) {
        #expect(RetryAfter.parse(field, now: Self.now) == nil)
    }

    @Test("the wait after a busy answer: at least what the server asked, with jitter on top")
    func busyDelayIsTheAskPlusJitter() {
        for _ in 0..<200 {
            let delay = SyncService.busyDelay(retryAfter: .seconds(4))
            #expect(delay >= .seconds(4))
            #expect(delay <= .seconds(5))
            let short = SyncService.busyDelay(retryAfter: .zero)
            #expect(short >= .zero && short <= .milliseconds(500))
        }
        let capped = SyncService.busyDelay(retryAfter: .seconds(100_000))
        #expect(capped >= RetryAfter.longest && capped <= RetryAfter.longest + .seconds(150))
    }

    @Test("kits told the same second do not all come back in the same one")
    func jitterSpreadsAFleet() {
        let delays = Set((0..<100).map { _ in SyncService.busyDelay(retryAfter: .seconds(2)) })
        #expect(delays.count > 50)
    }
}
