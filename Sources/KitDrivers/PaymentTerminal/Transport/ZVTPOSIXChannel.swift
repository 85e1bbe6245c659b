import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One non-blocking POSIX file descriptor carrying ZVT bytes: a TCP socket, a serial line or a
/// pty (ZVT spec rev. 13.x, transport chapters). Every wait is a `poll()` with a deadline, run
/// in slices of at most 50 ms on a Dispatch thread (never on Swift's cooperative pool), so
/// `close()` and task cancellation take effect within one slice.
///
/// The descriptor is closed only after the last read or write using it has returned, so a
/// close racing a blocked read can never hit a reused descriptor number.
public final class ZVTPOSIXChannel: Sendable {
    /// What a read produced.
    public enum ReadResult: Sendable, Equatable {
        /// At least one byte.
        case bytes([UInt8])
        /// Nothing arrived before the deadline.
        case timeout
        /// The other side closed (EOF, hang-up).
        case endOfStream
        /// The channel was closed locally.
        case closed
        /// The waiting task was cancelled.
        case cancelled
        /// The system call failed with this errno.
        case failure(errno: Int32)
    }

    /// What a write produced.
    public enum WriteResult: Sendable, Equatable {
        /// Every byte was written.
        case written
        /// Not every byte could be written before the deadline.
        case timeout
        /// The other side is gone.
        case endOfStream
        /// The channel was closed locally.
        case closed
        /// The waiting task was cancelled.
        case cancelled
        /// The system call failed with this errno.
        case failure(errno: Int32)
    }

    private struct Usage {
        var inFlight = 0
        var closing = false
        var released = false
    }

    /// The descriptor number (for `ioctl`/`tcsetattr` by the owner).
    public let descriptor: Int32
    /// Sockets are written with `send(MSG_NOSIGNAL)` so a vanished peer cannot raise SIGPIPE.
    public let isSocket: Bool
    private let usage = Mutex(Usage())
    // Private serial queues run on Dispatch's overcommit pool: a blocked poll gets a thread of
    // its own and never holds one of the few threads Swift concurrency runs its tasks on.
    private let readQueue = DispatchQueue(label: "ZVTPOSIXChannel.read")
    private let writeQueue = DispatchQueue(label: "ZVTPOSIXChannel.write")
    static let pollSliceMilliseconds: Int32 = 50

    /// Takes ownership of `descriptor` and switches it to non-blocking mode.
    public init(adopting descriptor: Int32, isSocket: Bool) {
        self.descriptor = descriptor
        self.isSocket = isSocket
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    deinit {
        let release = usage.withLock { state -> Bool in
            guard !state.released else { return false }
            state.released = true
            return true
        }
        if release { _ = Glibc.close(descriptor) }
    }

    /// Whether `close()` was called.
    public var isClosed: Bool { usage.withLock { $0.closing } }

    /// Closes the channel; reads and writes in progress return `.closed` within one poll slice.
    public func close() {
        let release = usage.withLock { state -> Bool in
            state.closing = true
            guard state.inFlight == 0, !state.released else { return false }
            state.released = true
            return true
        }
        if release { _ = Glibc.close(descriptor) }
    }

    // MARK: - Async

    /// Reads up to `maximumCount` bytes, waiting at most `timeout`.
    public func read(maximumCount: Int = 4096, timeout: Duration) async -> ReadResult {
        let cancelled = ZVTCancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ReadResult, Never>) in
                readQueue.async {
                    continuation.resume(
                        returning: self.readBlocking(maximumCount: maximumCount, timeout: timeout, cancelled: cancelled)
                    )
                }
            }
        } onCancel: {
            cancelled.set()
        }
    }

    /// Writes all bytes, waiting at most `timeout` for the line to take them.
    public func write(_ bytes: [UInt8], timeout: Duration) async -> WriteResult {
        let cancelled = ZVTCancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<WriteResult, Never>) in
                writeQueue.async {
                    continuation.resume(returning: self.writeBlocking(bytes, timeout: timeout, cancelled: cancelled))
                }
            }
        } onCancel: {
            cancelled.set()
        }
    }

    /// Runs blocking work (connect, accept) on a thread of its own and returns its result.
    public static func runBlocking<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            DispatchQueue(label: "ZVTPOSIXChannel.blocking").async {
                continuation.resume(returning: work())
            }
        }
    }

    // MARK: - Blocking

    /// Blocking read with deadline; call from a thread that may block.
    func readBlocking(maximumCount: Int, timeout: Duration, cancelled: ZVTCancellationFlag? = nil) -> ReadResult {
        guard begin() else { return .closed }
        defer { end() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: max(1, maximumCount))
        while true {
            if isClosing { return .closed }
            if cancelled?.isSet == true { return .cancelled }
            switch waitFor(events: Int16(POLLIN), until: deadline) {
            case .timeout: return .timeout
            case .failure(let code): return .failure(errno: code)
            case .again: continue
            case .ready:
                let count = buffer.withUnsafeMutableBytes { raw in
                    Glibc.read(descriptor, raw.baseAddress, raw.count)
                }
                if count > 0 { return .bytes(Array(buffer[0..<count])) }
                if count == 0 { return .endOfStream }
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { continue }
                // A pty or serial line whose other end went away reports EIO.
                if code == EIO || code == ECONNRESET || code == ENOTCONN { return .endOfStream }
                return .failure(errno: code)
            }
        }
    }

    /// Blocking write of all bytes with deadline; call from a thread that may block.
    func writeBlocking(_ bytes: [UInt8], timeout: Duration, cancelled: ZVTCancellationFlag? = nil) -> WriteResult {
        guard begin() else { return .closed }
        defer { end() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var offset = 0
        while offset < bytes.count {
            if isClosing { return .closed }
            if cancelled?.isSet == true { return .cancelled }
            switch waitFor(events: Int16(POLLOUT), until: deadline) {
            case .timeout: return .timeout
            case .failure(let code): return .failure(errno: code)
            case .again: continue
            case .ready:
                let count = bytes.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    let start = base.advanced(by: offset)
                    let remaining = raw.count - offset
                    return isSocket
                        ? Glibc.send(descriptor, start, remaining, Int32(MSG_NOSIGNAL))
                        : Glibc.write(descriptor, start, remaining)
                }
                if count > 0 {
                    offset += count
                    continue
                }
                let code = errno
                if count < 0, code == EAGAIN || code == EWOULDBLOCK || code == EINTR { continue }
                if code == EPIPE || code == ECONNRESET || code == EIO || code == ENOTCONN { return .endOfStream }
                return .failure(errno: code)
            }
        }
        return .written
    }

    private enum PollResult {
        case ready, timeout, again
        case failure(Int32)
    }

    private func waitFor(events: Int16, until deadline: ContinuousClock.Instant) -> PollResult {
        let now = ContinuousClock.now
        guard now < deadline else { return .timeout }
        let remaining = ZVTECRSession.milliseconds(deadline - now)
        let slice = Int32(min(remaining, Int(Self.pollSliceMilliseconds)))
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let result = poll(&entry, 1, max(slice, 0))
        if result < 0 {
            let code = errno
            return code == EINTR ? .again : .failure(code)
        }
        if result == 0 {
            return ContinuousClock.now < deadline ? .again : .timeout
        }
        // POLLHUP / POLLERR: let read/write report what happened.
        return .ready
    }

    private var isClosing: Bool { usage.withLock { $0.closing } }

    private func begin() -> Bool {
        usage.withLock { state in
            guard !state.closing else { return false }
            state.inFlight += 1
            return true
        }
    }

    private func end() {
        let release = usage.withLock { state -> Bool in
            state.inFlight -= 1
            guard state.closing, state.inFlight == 0, !state.released else { return false }
            state.released = true
            return true
        }
        if release { _ = Glibc.close(descriptor) }
    }
}

/// A flag that a task-cancellation handler sets and a blocked poll loop reads.
final class ZVTCancellationFlag: Sendable {
    private let flag = Mutex(false)

    /// Raises the flag.
    func set() { flag.withLock { $0 = true } }

    /// Whether the flag was raised.
    var isSet: Bool { flag.withLock { $0 } }
}
