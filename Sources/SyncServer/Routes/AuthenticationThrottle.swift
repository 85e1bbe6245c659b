import Foundation
import Hummingbird
import Logging

/// Limits guessing of every secret the server checks (enrollment tokens, the operator token on the
/// API and the login page, kit API tokens) per client address: after ``maximumFailures`` wrong
/// secrets from one address within ``window``, further *wrong* ones from it are refused at once
/// (HTTP 429) without being counted, and every wrong one is answered only after ``failureDelay``.
/// A right secret is always admitted, so a kit or operator behind the same address (NAT, VPN
/// gateway) is never locked out by someone else's failures; and it does not reset the budget,
/// so an attacker cannot refill it by interleaving someone else's successes.
///
/// Failures are logged with the address and what was tried (never the secret): each one at
/// `notice`, the one that spends the budget at `warning`; refused attempts after that only at `debug`.
actor AuthenticationThrottle {
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

    /// What was being authenticated (a log label).
    enum Secret: String, Sendable {
        case enrollmentToken = "enrollment token"
        case operatorToken = "operator token"
        case operatorLogin = "operator login"
        case kitToken = "kit API token"
    }

    /// What became of one attempt.
    enum Verdict: Equatable {
        /// The secret was right.
        case admitted
        /// The secret was wrong; counted against the source.
        case refused
        /// The secret was wrong and the source has spent its failure budget: refused, not counted.
        case blocked
    }

    /// Judges one attempt and counts it in one step, so a burst of parallel guesses cannot all
    /// pass the check before the first failure is recorded.
    func judge(source: String, tokenIsRight: Bool, now: Date) -> Verdict {
        guard !tokenIsRight else { return .admitted }
        let recent = recent(source: source, now: now)
        guard recent.count < maximumFailures else { return .blocked }
        if failures.count >= maximumSources {
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        }
        failures[source] = recent + [now]
        return .refused
    }

    /// Seconds until the source's oldest recent failure leaves the window.
    func retryAfter(source: String, now: Date) -> Int {
        guard let oldest = recent(source: source, now: now).first else { return 0 }
        return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
    }

    private func recent(source: String, now: Date) -> [Date] {
        (failures[source] ?? []).filter { now.timeIntervalSince($0) < window }
    }

    /// For routes: judges the attempt, logs a failure, waits ``failureDelay`` after a wrong secret
    /// and throws the HTTP error to answer with (401 with `message`, or 429 once the budget is spent).
    nonisolated func check(
        _ secret: Secret, tokenIsRight: Bool, context: SyncRequestContext, message: String,
        status: HTTPResponse.Status = .unauthorized
    ) async throws {
        let source = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let now = Date()
        switch await judge(source: source, tokenIsRight: tokenIsRight, now: now) {
        case .admitted:
            return
        case .refused:
            let spent = await recent(source: source, now: now).count >= maximumFailures
            context.logger.log(
                level: spent ? .warning : .notice,
                spent
                    ? "authentication failed; failure budget of this address spent: further failures are refused"
                    : "authentication failed",
                metadata: ["secret": "\(secret.rawValue)", "clientAddress": "\(source)"])
            try await Task.sleep(for: failureDelay)
            throw HTTPError(status, message: message)
        case .blocked:
            context.logger.debug(
                "authentication refused: too many failures",
                metadata: ["secret": "\(secret.rawValue)", "clientAddress": "\(source)"])
            let retry = await retryAfter(source: source, now: now)
            try await Task.sleep(for: failureDelay)
            throw HTTPError(
                .tooManyRequests, headers: [.retryAfter: "\(retry)"],
                message: "too many failed authentications from this address: try again in \(retry) s")
        }
    }
}
