import Foundation

/// Backpressure for ingest (issue #18): at most `limit` batches are decided at once; a batch that
/// finds every slot taken waits in line (first come, first served) for at most `wait`, then is
/// turned away with "busy, come back in N s" (503 with `Retry-After`) instead of queueing without
/// bound. A kit has at most one batch in the building: a second one while its first is inside or
/// waiting is refused at once (429). So when a city's kits reconnect in the same second, a kit with
/// ten transactions waits behind at most one batch of each kit ahead of it, never behind a whole
/// day's queue of another: the big queue goes back to the end of the line after every batch.
public actor IngestAdmission {
    /// Why a batch was not admitted, and when its kit should come back.
    public enum Refusal: Error, Equatable {
        /// Every slot stayed taken for the whole wait (503).
        case saturated(retryAfterSeconds: Int)
        /// The kit already has a batch inside or in line (429).
        case kitBusy(retryAfterSeconds: Int)
    }

    public let limit: Int
    public let wait: Duration
    private var inside: Set<String> = []
    private var line: [(kitId: String, ticket: UInt64, admit: CheckedContinuation<Bool, Never>)] = []
    private var nextTicket: UInt64 = 0
    /// Counters for the metrics: admitted at once, admitted after waiting, turned away.
    public private(set) var admittedAtOnce = 0
    public private(set) var admittedAfterWaiting = 0
    public private(set) var turnedAway = 0

    public init(limit: Int, wait: Duration) {
        self.limit = max(1, limit)
        self.wait = max(.zero, wait)
    }

    /// The default: two batches per core decided at once (signature checks and HPKE opening run
    /// on all cores, the store's writer serializes the rest), a waiting batch gets 2 s.
    public static func standard() -> IngestAdmission {
        IngestAdmission(limit: 2 * ProcessInfo.processInfo.activeProcessorCount, wait: .seconds(2))
    }

    /// Runs `body` inside a slot for `kitId`, or throws ``Refusal``.
    public func withSlot<T: Sendable>(kitId: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await enter(kitId: kitId)
        do {
            let value = try await body()
            leave(kitId: kitId)
            return value
        } catch {
            leave(kitId: kitId)
            throw error
        }
    }

    /// How many batches are inside and waiting now.
    public var occupancy: (inside: Int, waiting: Int) { (inside.count, line.count) }

    public func enter(kitId: String) async throws(Refusal) {
        guard !inside.contains(kitId), !line.contains(where: { $0.kitId == kitId }) else {
            turnedAway += 1
            throw .kitBusy(retryAfterSeconds: 1)
        }
        if inside.count < limit && line.isEmpty {
            inside.insert(kitId)
            admittedAtOnce += 1
            return
        }
        guard wait > .zero else {
            turnedAway += 1
            throw .saturated(retryAfterSeconds: retryAfterSeconds())
        }
        nextTicket += 1
        let ticket = nextTicket
        let timer = Task { [wait] in
            try await Task.sleep(for: wait)
            await self.giveUp(ticket: ticket)
        }
        // The body runs at once on this actor's executor (the continuation is stored before any
        // other call can look at the line).
        let admitted = await withCheckedContinuation { continuation in
            self.assumeIsolated { $0.line.append((kitId, ticket, continuation)) }
        }
        timer.cancel()
        guard admitted else {
            turnedAway += 1
            throw .saturated(retryAfterSeconds: retryAfterSeconds())
        }
        admittedAfterWaiting += 1
    }

    public func leave(kitId: String) {
        inside.remove(kitId)
        while inside.count < limit, !line.isEmpty {
            let next = line.removeFirst()
            inside.insert(next.kitId)
            next.admit.resume(returning: true)
        }
    }

    private func giveUp(ticket: UInt64) {
        guard let index = line.firstIndex(where: { $0.ticket == ticket }) else { return }
        line.remove(at: index).admit.resume(returning: false)
    }

    private func retryAfterSeconds() -> Int {
        Self.retryAfterSeconds(waiting: line.count, limit: limit)
    }

    /// The wait to name: one second per full round of the slots ahead in line, 1…30 s; the kit
    /// adds its own jitter.
    static func retryAfterSeconds(waiting: Int, limit: Int) -> Int {
        min(30, max(1, 1 + waiting / max(limit, 1)))
    }
}
