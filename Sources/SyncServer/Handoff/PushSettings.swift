import Foundation
import KitCore

/// How the server pushes dossiers to consumers that have a push endpoint (`handoff.push*` keys):
/// retries with exponential backoff and full jitter between `pushBackoffBase` and
/// `pushBackoffCap`, for `pushGiveUpAfter` from the first failure, then dead letter.
public struct PushSettings: Sendable, Equatable {
    /// Seconds of the first backoff step (doubles per failed attempt).
    public var backoffBase: Double
    /// Most seconds between two attempts.
    public var backoffCap: Double
    /// Seconds from a dossier's first failed attempt until it is dead-lettered (default 72 h: a
    /// weekend outage from Friday evening to Monday morning).
    public var giveUpAfter: Double
    /// Seconds one attempt may take, from connecting until the answer is read.
    public var timeout: Double
    /// Seconds the worker waits when nothing is due.
    public var pollInterval: Double
    /// PEM file with the CA certificates that consumers' TLS certificates are checked against
    /// (nil: the system's trust store).
    public var caFile: String?

    public enum Key {
        public static let backoffBase = "handoff.pushBackoffBase"
        public static let backoffCap = "handoff.pushBackoffCap"
        public static let giveUpAfter = "handoff.pushGiveUpAfter"
        public static let timeout = "handoff.pushTimeout"
        public static let pollInterval = "handoff.pushPollInterval"
        public static let caFile = "handoff.pushCaFile"
    }

    public init(
        backoffBase: Double = 10, backoffCap: Double = 3600, giveUpAfter: Double = 72 * 3600, timeout: Double = 30,
        pollInterval: Double = 2, caFile: String? = nil
    ) {
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.giveUpAfter = giveUpAfter
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.caFile = caFile
    }

    public init(_ config: LayeredConfiguration) throws(ConfigurationError) {
        self.init()
        if let value = try config.seconds(Key.backoffBase, in: 0.001...86_400) { backoffBase = value }
        if let value = try config.seconds(Key.backoffCap, in: 0.001...86_400) { backoffCap = value }
        if let value = try config.seconds(Key.giveUpAfter, in: 1...(30 * 86_400)) { giveUpAfter = value }
        if let value = try config.seconds(Key.timeout, in: 0.1...600) { timeout = value }
        if let value = try config.seconds(Key.pollInterval, in: 0.001...600) { pollInterval = value }
        if let path = config.string(Key.caFile), !path.isEmpty {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .fileUnreadable(path: path, reason: "the CA file for consumers' push endpoints cannot be read")
            }
            caFile = path
        }
        guard backoffCap >= backoffBase else {
            throw .invalidValue(
                key: Key.backoffCap, value: String(backoffCap),
                expected: "at least \(Key.backoffBase) (\(backoffBase) s)")
        }
    }

    /// How long a claimed dossier is reserved for the worker that sends it: twice the attempt
    /// timeout and a second. A worker that died mid-attempt leaves it to others after that.
    public var claimLease: Double { 2 * timeout + 1 }

    /// Full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): a uniformly random
    /// delay between 0 and `min(cap, base · 2^failures)`. `failures` counts this one (1 = first).
    public func backoff(failures: Int, random: Double) -> Double {
        let exponent = Double(min(max(failures - 1, 0), 60))
        let ceiling = min(backoffCap, backoffBase * pow(2, exponent))
        return ceiling * min(max(random, 0), 1)
    }

    /// When a dossier that just failed is tried next; nil when it is to be dead-lettered.
    public func nextAttempt(failures: Int, firstFailureAt: Date, now: Date, random: Double) -> Date? {
        guard now.timeIntervalSince(firstFailureAt) < giveUpAfter else { return nil }
        return now.addingTimeInterval(backoff(failures: failures, random: random))
    }
}
