import Foundation
import Synchronization

/// How far a request body has got, for cutting off requests that stall instead of requests that
/// are merely long (issue #14). The body hands its chunks to the HTTP client only when the
/// connection can take them, so the pace of ``noteChunk(bytes:at:)`` calls is the link's pace
/// once the socket's buffers are full.
///
/// After the last chunk the request's bytes may still wait in the kernel's send buffer; the
/// answer cannot come before they left. The buffer's size shows as the burst taken at the start
/// (before the first wait), the link's rate as the pace after it; their quotient is how long the
/// wait for the answer may legitimately take on top of the stall allowance.
final class UploadProgress: Sendable {
    private struct State {
        var lastChunk: ContinuousClock.Instant
        var burstBytes = 0
        var burstOver = false
        var paceBytes = 0
        var paceSince: ContinuousClock.Instant?
        var finishedAt: ContinuousClock.Instant?
        var total = 0
    }

    private let state: Mutex<State>
    private let expectedBytes: Int
    /// The slowest link the kit plans for, when the pace could not be measured (a body that fit
    /// the buffers at once): 64 kbit/s.
    static let slowestPlannedRate = 8_000.0
    /// A gap longer than this between two chunks means the connection was full.
    static let burstGap: Duration = .milliseconds(20)

    init(expectedBytes: Int, now: ContinuousClock.Instant = .now) {
        self.expectedBytes = expectedBytes
        // A request without a body has nothing to send: it waits for its answer from the start.
        state = Mutex(State(lastChunk: now, finishedAt: expectedBytes == 0 ? now : nil))
    }

    /// A chunk of `bytes` was handed to the connection.
    func noteChunk(bytes: Int, at now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            // The burst starts with the first chunk (connecting and TLS come before it).
            if state.total > 0 && !state.burstOver && now - state.lastChunk > Self.burstGap {
                state.burstOver = true
                state.paceSince = state.lastChunk
            }
            if state.burstOver { state.paceBytes += bytes } else { state.burstBytes += bytes }
            state.lastChunk = now
            state.total += bytes
            if state.total >= expectedBytes { state.finishedAt = now }
        }
    }

    /// Whether the request has stalled at `now`: while sending, no chunk for `stall`; after the
    /// last chunk, no answer within `stall` plus the time the buffered bytes need to leave.
    func hasStalled(at now: ContinuousClock.Instant = .now, stall: Duration) -> Bool {
        state.withLock { state in
            guard let finishedAt = state.finishedAt else { return now - state.lastChunk > stall }
            let rate: Double
            if let since = state.paceSince, state.paceBytes > 0, finishedAt > since {
                let seconds =
                    Double((finishedAt - since).components.seconds)
                    + Double((finishedAt - since).components.attoseconds) / 1e18
                rate = max(Double(state.paceBytes) / max(seconds, 0.001), Self.slowestPlannedRate)
            } else {
                rate = Self.slowestPlannedRate
            }
            let drain = Duration.milliseconds(Int64(Double(state.burstBytes) / rate * 1000))
            return now - finishedAt > stall + drain
        }
    }
}
