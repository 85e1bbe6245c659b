import Foundation

/// Limits guessing of the operator token: after ``maximumFailures`` wrong tokens from one source
/// address within ``window`` that address is refused until the oldest failure leaves the window
/// and each failure is answered only after ``failureDelay``, which slows guessing down to a
/// handful of tries per quarter hour and address.
actor LoginThrottle {
    let maximumFailures: Int
    let window: TimeInterval
    let failureDelay: Duration
    /// Once this many sources are tracked, those without recent failures are dropped.
    let maximumSources = 10_000
    private var failures: [String: [Date]] = [:]

    init(maximumFailures: Int = 5, window: TimeInterval = 15 * 60, failureDelay: Duration = .milliseconds(750)) {
        self.maximumFailures = maximumFailures
        self.window = window
        self.failureDelay = failureDelay
    }

    /// What became of one login attempt.
    enum Verdict: Equatable {
        /// The token was right and the source not blocked.
        case admitted
        /// The token was wrong; counted against the source.
        case refused
        /// Too many recent failures from this source: refused whatever the token, and not counted.
        case blocked
    }

    /// Judges one attempt and counts it in one step, so a burst of parallel guesses cannot all
    /// pass the check before the first failure is recorded.
    func judge(source: String, tokenIsRight: Bool, now: Date) -> Verdict {
        let recent = recent(source: source, now: now)
        guard recent.count < maximumFailures else { return .blocked }
        guard tokenIsRight else {
            if failures.count >= maximumSources {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
            failures[source] = recent + [now]
            return .refused
        }
        failures[source] = nil
        return .admitted
    }

    private func recent(source: String, now: Date) -> [Date] {
        (failures[source] ?? []).filter { now.timeIntervalSince($0) < window }
    }
}
