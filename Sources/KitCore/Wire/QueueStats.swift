import Foundation

/// Counts for `kit-agent queue stats` and the fleet report.
public struct QueueStats: Sendable, Codable, Equatable {
    /// Number of transactions per state.
    public var byState: [String: Int]
    /// Highest seq recorded (0 when empty).
    public var lastSeq: UInt64
    /// When the oldest not yet acknowledged transaction was recorded.
    public var oldestUnacknowledgedAt: Date?
    /// Bytes of sealed envelopes still stored.
    public var retainedBytes: Int

    public init(byState: [String: Int], lastSeq: UInt64, oldestUnacknowledgedAt: Date?, retainedBytes: Int) {
        self.byState = byState
        self.lastSeq = lastSeq
        self.oldestUnacknowledgedAt = oldestUnacknowledgedAt
        self.retainedBytes = retainedBytes
    }

    /// Transactions that still have to reach the server (pending + sent).
    public var queueDepth: Int { (byState["pending"] ?? 0) + (byState["sent"] ?? 0) }
}
