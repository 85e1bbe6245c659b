import Foundation
import Synchronization

/// Runs doctor checks and device probes on threads of their own instead of Swift's cooperative
/// pool. The pool has one thread per core — two on the kit laptop — and a check that blocks inside a
/// C library (pcscd not answering, libusb enumerating, SQLite waiting for a lock) would hold one of
/// them; two such checks at once stop every task of the agent, the chunks of a running upload
/// included, which the sync watchdog then takes for a dead link.
///
/// Each job gets a new thread: a job blocked in C code cannot hold up another check. The doctor
/// starts no second copy of a check that has not returned (``Doctor/run(_:deadline:)``), so a hung
/// service costs one thread per check, not one per round.
final class DeviceProbeExecutor: TaskExecutor {
    /// The doctor's checks (`kit-agent doctor` and the periodic device-health monitor).
    static let checks = DeviceProbeExecutor()
    /// The readiness monitor's reader and USB lists.
    static let readiness = DeviceProbeExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        Thread { job.runSynchronously(on: executor) }.start()
    }
}

extension DeviceProbeExecutor {
    /// Runs `work` on a thread of its own and waits for it at most `deadline`, or until the caller
    /// is cancelled: nil then, and the work goes on until it returns (C code cannot be interrupted).
    func run<Value: Sendable>(
        within deadline: Duration, _ work: @escaping @Sendable () async -> Value
    ) async -> Value? {
        let outcome = FirstOutcome<Value>()
        let task = Task(executorPreference: self) { outcome.deliver(await work()) }
        // The timer on the shared pool: blocked work cannot hold it up.
        let timer = Task(executorPreference: globalConcurrentExecutor) {
            try? await Task.sleep(for: deadline)
            outcome.deliver(nil)
        }
        let value = await withTaskCancellationHandler {
            await outcome.value()
        } onCancel: {
            outcome.deliver(nil)
        }
        timer.cancel()
        if case .none = value { task.cancel() }
        return value
    }
}

/// The first of a result and its deadline (nil), handed to one waiter.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private struct State {
        var delivered: Value??
        var waiter: CheckedContinuation<Value?, Never>?
    }
    private let state = Mutex(State())

    func deliver(_ value: Value?) {
        let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
            guard case .none = state.delivered else { return nil }
            state.delivered = .some(value)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Value?? in
                if case .some(let value) = state.delivered { return .some(value) }
                state.waiter = continuation
                return .none
            }
            if case .some(let value) = ready { continuation.resume(returning: value) }
        }
    }
}
