/// The progress line of `kit-agent sync` on a terminal: how much of the queue that waited when the
/// sync started has been answered, e.g. `sync [##########··········]  512/1000 answered`.
public struct SyncProgress: Sendable, Equatable {
    /// Transactions waiting when the sync started.
    public let total: Int
    /// Of those, answered so far (acknowledged or parked).
    public private(set) var done = 0

    public init(total: Int) {
        self.total = max(0, total)
    }

    /// Updates from the queue depth now; answers only ever grow, even if new steps are queued meanwhile.
    public mutating func update(waitingNow: Int) {
        done = max(done, min(total, total - waitingNow))
    }

    /// The line, `width` characters for the bar.
    public func line(width: Int = 30) -> String {
        let width = max(5, width)
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "·", count: width - filled)
        let digits = String(total).count
        let count = String(repeating: " ", count: max(0, digits - String(done).count)) + String(done)
        return "sync [\(bar)] \(count)/\(total) answered"
    }
}
