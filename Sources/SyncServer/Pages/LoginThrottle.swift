import Foundation

/// Limits guessing of the operator token: after ``maximumFailures`` wrong tokens from one source
/// address within ``window`` that address is refused until the oldest failure leaves the window
/// (BSI ORP.4.A8 spirit: slow down password guessing). Each failure is also answered only after
/// ``failureDelay``.
actor LoginThrottle {
    let maximumFailures: Int
    let window: TimeInterval
    let failureDelay: Duration
    /// Sources tracked at most; the table cannot grow without bound under a spray of addresses.
    let maximumSources = 10_000
    private var failures: [String: [Date]] = [:]

    init(maximumFailures: Int = 5, window: TimeInterval = 15 * 60, failureDelay: Duration = .milliseconds(750)) {
        self.maximumFailures = maximumFailures
        self.window = window
        self.failureDelay = failureDelay
    }

    func isBlocked(source: String, now: Date) -> Bool {
        recent(source: source, now: now).count >= maximumFailures
    }

    func recordFailure(source: String, now: Date) {
        if failures.count >= maximumSources {
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        }
        failures[source] = recent(source: source, now: now) + [now]
    }

    func recordSuccess(source: String) {
        failures[source] = nil
    }

    private func recent(source: String, now: Date) -> [Date] {
        (failures[source] ?? []).filter { now.timeIntervalSince($0) < window }
    }
}
