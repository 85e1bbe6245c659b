import Foundation
import Synchronization

/// How far a request body has got, for cutting off requests that stall instead of requests that
/// are merely long (issue #14). The body hands its chunks to the HTTP client only when the
/// connection can take them, so the pace of ``noteChunk(bytes:at:)`` calls is the link's pace
/// once the socket's buffers are full.
///
/// After the last chunk the request's bytes may still wait in the kernel's send buffer; the
/// answer cannot come before they left, and the kit cannot see them leave. The kernel grows that
/// buffer as the connection runs (Linux: up to 4 MiB, `tcp_wmem`), so neither the burst taken at
/// the start nor the pace of the chunks tells how much is still waiting: a thin link once had most
/// of a 3 MB batch in the buffer when the body was "finished", the wait for the answer was cut and
/// the whole batch sent again. So after the last chunk the request gets the time the whole body
/// needs at the slowest link the kit plans for, on top of the stall allowance. A link that really
/// died is ended sooner by the server, which closes a connection whose body makes no progress
/// (`http.bodyTimeout`, 30 s).
final class UploadProgress: Sendable {
    private struct State {
        var lastChunk: ContinuousClock.Instant
        var finishedAt: ContinuousClock.Instant?
        var total = 0
    }

    private let state: Mutex<State>
    private let expectedBytes: Int
    /// The slowest link the kit plans for: 64 kbit/s.
    static let slowestPlannedRate = 8_000.0

    init(expectedBytes: Int, now: ContinuousClock.Instant = .now) {
        self.expectedBytes = expectedBytes
        // A request without a body has nothing to send: it waits for its answer from the start.
        state = Mutex(State(lastChunk: now, finishedAt: expectedBytes == 0 ? now : nil))
    }

    /// A chunk of `bytes` was handed to the connection.
    func noteChunk(bytes: Int, at now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.lastChunk = now
            state.total += bytes
            if state.total >= expectedBytes { state.finishedAt = now }
        }
    }

    /// Whether the request has stalled at `now`: while sending, no chunk for `stall`; after the
    /// last chunk, no answer within `stall` plus the time the whole body needs at 64 kbit/s.
    func hasStalled(at now: ContinuousClock.Instant = .now, stall: Duration) -> Bool {
        state.withLock { state in
            guard let finishedAt = state.finishedAt else { return now - state.lastChunk > stall }
            let drain = Duration.milliseconds(Int64(Double(state.total) / Self.slowestPlannedRate * 1000))
            return now - finishedAt > stall + drain
        }
    }
}
