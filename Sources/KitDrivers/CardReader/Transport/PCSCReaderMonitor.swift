import CPCSCLite
import Foundation

/// Watches pcscd for reader hotplug (the `\\?PnP?\Notification` pseudo reader) and card
/// insertion and removal (`SCardGetStatusChange`, PC/SC Workgroup spec part 5 §3.1.2) on a
/// dedicated thread, and hands the changes out as an `AsyncStream`.
///
/// The thread waits at most ``pollInterval`` per call, so it notices ``stop()`` even if
/// `SCardCancel` is lost, and re-reads the reader list after each quiet interval (pcsc-lite 1.9
/// flags the PnP pseudo reader only for changes that happen during a call); `stop()` also
/// cancels the wait for a prompt exit. When pcscd goes away
/// the monitor reports every reader as removed, then ``PCSCReaderEvent/serviceUnavailable(_:)``,
/// and reconnects every ``reconnectInterval`` until pcscd is back.
public final class PCSCReaderMonitor: @unchecked Sendable {
    /// Longest single `SCardGetStatusChange` wait.
    public let pollInterval: Duration
    /// Pause between attempts to reach a stopped pcscd.
    public let reconnectInterval: Duration

    private let lock = NSLock()
    private var stopped = false
    private var started = false
    private var activeContext: PCSCContextHandle?

    static let pnpReaderName = "\\\\?PnP?\\Notification"

    /// Creates a monitor; nothing happens until ``events()`` is called.
    public init(pollInterval: Duration = .seconds(1), reconnectInterval: Duration = .milliseconds(500)) {
        self.pollInterval = pollInterval
        self.reconnectInterval = reconnectInterval
    }

    deinit {
        stop()
    }

    /// Starts the monitor thread and returns its events. The first events describe the readers
    /// and cards present now. A monitor runs once: a second call returns a finished stream.
    public func events() -> AsyncStream<PCSCReaderEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PCSCReaderEvent.self)
        let mayStart = lock.withLock { () -> Bool in
            guard !started, !stopped else { return false }
            started = true
            return true
        }
        guard mayStart else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in self?.stop() }
        let thread = Thread { [self] in
            self.runLoop(continuation)
            continuation.finish()
        }
        thread.name = "pcsc-reader-monitor"
        thread.start()
        return stream
    }

    /// Ends the monitor: the current wait is cancelled and the stream finishes.
    public func stop() {
        let context = lock.withLock { () -> PCSCContextHandle? in
            stopped = true
            return activeContext
        }
        context?.cancel()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func setContext(_ context: PCSCContextHandle?) {
        lock.withLock { activeContext = context }
    }

    private func runLoop(_ continuation: AsyncStream<PCSCReaderEvent>.Continuation) {
        var tracker = PCSCReaderStateTracker()
        var context: PCSCContextHandle?
        var serviceUp: Bool?
        var pnpState: DWORD = DWORD(SCARD_STATE_UNAWARE)
        var readerStates: [String: DWORD] = [:]
        let timeoutMilliseconds = DWORD(
            max(
                1,
                pollInterval.components.seconds * 1000
                    + pollInterval.components.attoseconds / 1_000_000_000_000_000))

        func emit(_ events: [PCSCReaderEvent]) {
            for event in events { continuation.yield(event) }
        }
        func lose(_ error: PCSCError) {
            setContext(nil)
            context = nil
            readerStates = [:]
            pnpState = DWORD(SCARD_STATE_UNAWARE)
            emit(tracker.serviceLost())
            if serviceUp != false {
                continuation.yield(.serviceUnavailable(error))
                serviceUp = false
            }
        }
        func relist(_ handle: PCSCContextHandle) -> Bool {
            do throws(PCSCError) {
                let names = try handle.readers()
                emit(tracker.update(readerList: names))
                readerStates = readerStates.filter { names.contains($0.key) }
                return true
            } catch {
                lose(error)
                return false
            }
        }

        while !isStopped {
            guard let handle = context else {
                do throws(PCSCError) {
                    let fresh = try PCSCContextHandle()
                    context = fresh
                    setContext(fresh)
                    if serviceUp != true {
                        continuation.yield(.serviceAvailable)
                        serviceUp = true
                    }
                    _ = relist(fresh)
                } catch {
                    lose(error)
                    sleepUnlessStopped(reconnectInterval)
                }
                continue
            }
            let names = tracker.readerNames
            let cNames = names.map { strdup($0) } + [strdup(Self.pnpReaderName)]
            defer { cNames.forEach { free($0) } }
            var states = cNames.enumerated().map { index, cName in
                var state = SCARD_READERSTATE()
                state.szReader = UnsafePointer(cName)
                state.dwCurrentState = index < names.count ? readerStates[names[index]] ?? 0 : pnpState
                return state
            }
            let result = SCardGetStatusChange(handle.raw, timeoutMilliseconds, &states, DWORD(states.count))
            if isStopped { break }
            switch result {
            case PCSCError.successCode:
                var needsRelist = false
                for (index, state) in states.enumerated() {
                    let eventState = state.dwEventState
                    if index == names.count {
                        if eventState & DWORD(SCARD_STATE_CHANGED) != 0 {
                            needsRelist = true
                        }
                        pnpState = eventState & ~DWORD(SCARD_STATE_CHANGED)
                        continue
                    }
                    guard eventState & DWORD(SCARD_STATE_CHANGED) != 0 else { continue }
                    let name = names[index]
                    readerStates[name] = eventState & ~DWORD(SCARD_STATE_CHANGED)
                    if eventState & DWORD(SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE) != 0 {
                        needsRelist = true
                    }
                    let atr = Self.atrBytes(of: state)
                    emit(tracker.update(reader: name, eventState: UInt64(eventState), atr: atr))
                }
                if needsRelist { _ = relist(handle) }
            case PCSCError.timeoutCode:
                // pcsc-lite flags the PnP pseudo reader only for changes during a call; a reader
                // plugged in between two calls shows up here.
                _ = relist(handle)
            case PCSCError.cancelledCode:
                continue
            case PCSCError.unknownReaderCode, PCSCError.readerUnavailableCode:
                _ = relist(handle)
            default:
                let error = PCSCError(code: result, operation: "watch the card readers")
                if error.isServiceGone || !handle.isValid {
                    lose(error)
                } else {
                    // Unexpected but not fatal: pause briefly so a persistent error cannot spin.
                    sleepUnlessStopped(reconnectInterval)
                    _ = relist(handle)
                }
            }
        }
        setContext(nil)
    }

    private func sleepUnlessStopped(_ duration: Duration) {
        let deadline = Date().addingTimeInterval(
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        while !isStopped && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    private static func atrBytes(of state: SCARD_READERSTATE) -> [UInt8] {
        let count = min(Int(state.cbAtr), Int(MAX_ATR_SIZE))
        return withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(count)) }
    }
}
