import Foundation
import Logging
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
        /// When the link monitor last heard the sync server answer a probe.
        var serverAnsweredAt: ContinuousClock.Instant?
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

    /// The server answered the link monitor's probe at `now` (over its own connection).
    func noteServerAnswered(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.serverAnsweredAt = now }
    }

    /// The watchdog could not look for `gap` (the agent's tasks did not run: blocked threads, a
    /// suspended laptop): that time counts neither for nor against the link.
    func excuse(_ gap: Duration) {
        state.withLock { state in
            state.lastChunk += gap
            state.finishedAt = state.finishedAt.map { $0 + gap }
        }
    }

    /// Whether the request has stalled at `now`.
    ///
    /// While sending: no chunk for `stall`. The kernel's send buffer can hold megabytes, and while it
    /// drains no chunk is taken; so when the server has answered the link monitor's probe since the
    /// last chunk, the path works and the request is waited for up to the time that buffer needs at
    /// the slowest planned link (a server that gets no bytes closes the request itself after its
    /// `http.bodyTimeout`, which ends the request at once). After the last chunk: no answer within
    /// `stall` plus the time the whole body needs at 64 kbit/s.
    func hasStalled(at now: ContinuousClock.Instant = .now, stall: Duration) -> Bool {
        state.withLock { state in
            guard let finishedAt = state.finishedAt else {
                let quiet = now - state.lastChunk
                guard quiet > stall else { return false }
                guard let answered = state.serverAnsweredAt, answered > state.lastChunk, now - answered <= stall
                else { return true }
                return quiet > stall + Self.drainTime(min(state.total, Self.sendBufferLimit))
            }
            return now - finishedAt > stall + Self.drainTime(state.total)
        }
    }

    /// The time `bytes` need at the slowest planned link.
    static func drainTime(_ bytes: Int) -> Duration {
        .milliseconds(Int64(Double(bytes) / slowestPlannedRate * 1000))
    }

    /// The most a TCP send buffer grows to: the third value of `net.ipv4.tcp_wmem` (4 MiB unless
    /// changed).
    static let sendBufferLimit: Int = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)) ?? ""
        let values = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return values.count == 3 && values[2] > 0 ? values[2] : 4 << 20
    }()

    /// For IT when a request is cut: how much of the body was handed over, and when.
    func describe(at now: ContinuousClock.Instant = .now) -> Logger.Metadata {
        state.withLock { state in
            [
                "bodyBytes": "\(expectedBytes)", "handedOver": "\(state.total)",
                "sinceLastChunk": "\(now - state.lastChunk)",
                "sinceBodyEnd": "\(state.finishedAt.map { "\(now - $0)" } ?? "-")",
            ]
        }
    }
}
