import Dispatch
import Foundation

/// Runs blocking libpcsclite calls off Swift's cooperative thread pool, one at a time, and gives
/// up waiting after a deadline (PC/SC part 5 calls such as `SCardTransmit` have no timeout of their
/// own). A call that overruns keeps its worker thread until pcscd answers; its result is dropped.
final class PCSCBlockingCall: @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the serial queue; returns its result or a timeout error for `operation`.
    func run<Value: Sendable>(
        _ operation: String, timeout: Duration, _ body: @escaping @Sendable () -> Result<Value, PCSCError>
    ) async -> Result<Value, PCSCError> {
        let once = PCSCResumeOnce<Value>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, PCSCError>, Never>) in
            once.install(continuation)
            queue.async {
                once.resume(body())
            }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                once.resume(.failure(PCSCError.timedOut(operation)))
            }
        }
    }
}

/// Resumes a continuation exactly once, whichever of work and timer finishes first.
private final class PCSCResumeOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<Value, PCSCError>, Never>?

    func install(_ continuation: CheckedContinuation<Result<Value, PCSCError>, Never>) {
        lock.withLock { self.continuation = continuation }
    }

    func resume(_ result: Result<Value, PCSCError>) {
        let pending = lock.withLock { () -> CheckedContinuation<Result<Value, PCSCError>, Never>? in
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(returning: result)
    }
}
