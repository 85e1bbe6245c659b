import Foundation

/// One asynchronous libfprint operation seen from Swift: the GLib callback, a timeout, a caller's
/// cancellation and the loop shutting down may all try to finish it; the first one wins and the
/// waiting task is resumed exactly once.
///
/// `@unchecked Sendable`: all mutable state is guarded by `lock`.
final class LibfprintPendingCall<Value: Sendable>: @unchecked Sendable {
    typealias Outcome = Result<Value, FingerprintScannerError>

    private let lock = NSLock()
    private var outcome: Outcome?
    private var continuations: [CheckedContinuation<Outcome, Never>] = []

    /// Set once a timeout fired, so that the cancellation error it causes is reported as a timeout.
    private var timedOutFlag = false

    var timedOut: Bool {
        get { lock.withLock { timedOutFlag } }
        set { lock.withLock { timedOutFlag = newValue } }
    }

    var isFinished: Bool { lock.withLock { outcome != nil } }

    /// Finishes the call; returns false if it had already been finished.
    @discardableResult
    func finish(_ result: Outcome) -> Bool {
        let (first, waiting): (Bool, [CheckedContinuation<Outcome, Never>]) = lock.withLock {
            guard outcome == nil else { return (false, []) }
            outcome = result
            let waiting = continuations
            continuations = []
            return (true, waiting)
        }
        for continuation in waiting { continuation.resume(returning: result) }
        return first
    }

    /// Waits for the outcome (several tasks may wait).
    func wait() async -> Outcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let ready: Outcome? = lock.withLock {
                if let outcome { return outcome }
                continuations.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
