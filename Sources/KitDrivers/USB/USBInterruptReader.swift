import CLibUSB
import Synchronization

/// Reads an interrupt IN endpoint continuously: several transfers stay submitted and are resubmitted as
/// soon as they complete, so the host polls the device at every interval it offers and no input report is
/// lost between two reads (libusb 1.0 asynchronous I/O; USB HID 1.11 §8.4: one report per interrupt
/// transfer). Reports are buffered until `next(timeout:)` takes them.
///
/// A pulled cable ends the reader with `LIBUSB_ERROR_NO_DEVICE`; `stop()` cancels the transfers and returns
/// once libusb has handed every one of them back.
public final class USBInterruptReader: @unchecked Sendable {
    fileprivate struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Result<[UInt8]?, USBError>, Never>
    }

    fileprivate struct State {
        var reports: [[UInt8]] = []
        var readIndex = 0
        var failure: USBError?
        var stopping = false
        var active = 0
        var waiter: Waiter?
        var nextWaiterID: UInt64 = 0
        /// A timeout or cancellation that arrived before its waiter was registered.
        var earlyResult: (id: UInt64, result: Result<[UInt8]?, USBError>)?
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        var keepAlive: USBInterruptReader?
        var dropped = 0
        var consecutiveErrors = 0
        var delivered = 0
    }

    /// Consecutive failed transfers (stall, babble, I/O error) after which the reader gives up.
    static let errorLimit = 8

    private let owner: USBDeviceHandle
    private let transfers: [UnsafeMutablePointer<libusb_transfer>]
    private let buffers: [UnsafeMutablePointer<UInt8>]
    private let length: Int
    private let bufferLimit: Int
    private let operation: String
    private let state = Mutex(State())

    init(
        endpoint: UInt8, length: Int, transfersInFlight: Int, bufferLimit: Int, handle: OpaquePointer,
        owner: USBDeviceHandle
    ) throws(USBError) {
        self.owner = owner
        self.length = max(1, length)
        self.bufferLimit = max(1, bufferLimit)
        self.operation = "read interrupt endpoint \(USBDeviceInfo.hex4(UInt16(endpoint | 0x80))) of \(owner.info)"
        var transfers: [UnsafeMutablePointer<libusb_transfer>] = []
        var buffers: [UnsafeMutablePointer<UInt8>] = []
        for _ in 0..<max(1, transfersInFlight) {
            guard let transfer = libusb_alloc_transfer(0) else {
                for transfer in transfers { libusb_free_transfer(transfer) }
                for buffer in buffers { buffer.deallocate() }
                throw USBError(code: Int32(LIBUSB_ERROR_NO_MEM.rawValue), operation: operation)
            }
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: self.length)
            buffer.initialize(repeating: 0, count: self.length)
            transfer.pointee.dev_handle = handle
            transfer.pointee.endpoint = endpoint | 0x80
            transfer.pointee.type = UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue)
            transfer.pointee.timeout = 0
            transfer.pointee.buffer = buffer
            transfer.pointee.length = Int32(self.length)
            transfer.pointee.callback = usbInterruptReaderCallback
            transfers.append(transfer)
            buffers.append(buffer)
        }
        self.transfers = transfers
        self.buffers = buffers
        for transfer in transfers { transfer.pointee.user_data = Unmanaged.passUnretained(self).toOpaque() }
    }

    deinit {
        for transfer in transfers { libusb_free_transfer(transfer) }
        for buffer in buffers { buffer.deallocate() }
    }

    /// Submits all transfers. Throws when not even the first one can be submitted.
    func start() throws(USBError) {
        let failure = state.withLock { state -> USBError? in
            state.keepAlive = self
            for transfer in transfers {
                guard owner.transferWillStart() else {
                    return USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation)
                }
                let result = libusb_submit_transfer(transfer)
                guard result == 0 else {
                    owner.transferDidEnd()
                    return USBError(code: result, operation: operation)
                }
                state.active += 1
            }
            return nil
        }
        guard let failure else { return }
        let nothingRunning = state.withLock { state -> Bool in
            state.failure = failure
            state.stopping = true
            for transfer in transfers { _ = libusb_cancel_transfer(transfer) }
            if state.active == 0 { state.keepAlive = nil }
            return state.active == 0
        }
        if nothingRunning { throw failure }
    }

    /// Reports received but not yet taken.
    public var bufferedCount: Int { state.withLock { $0.reports.count - $0.readIndex } }

    /// Reports discarded because the buffer was full (the reader is not being drained fast enough).
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Drops every buffered report (e.g. pen movement before a capture started); returns how many.
    @discardableResult
    public func discardBuffered() -> Int {
        state.withLock { state in
            let count = state.reports.count - state.readIndex
            state.reports.removeAll(keepingCapacity: true)
            state.readIndex = 0
            return count
        }
    }

    /// Reports received in total.
    public var deliveredCount: Int { state.withLock { $0.delivered } }

    /// The next report; nil when none arrived within `timeout`. Throws once the reader has failed (e.g.
    /// `LIBUSB_ERROR_NO_DEVICE` after the cable was pulled) and every buffered report has been taken.
    public func next(timeout: Duration) async throws(USBError) -> [UInt8]? {
        enum Immediate {
            case report([UInt8])
            case failure(USBError)
            case wait(UInt64)
        }
        let immediate = state.withLock { state -> Immediate in
            if let report = state.takeReport() { return .report(report) }
            if let failure = state.failure { return .failure(failure) }
            if state.stopping {
                return .failure(USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation))
            }
            state.nextWaiterID += 1
            return .wait(state.nextWaiterID)
        }
        let id: UInt64
        switch immediate {
        case .report(let report): return report
        case .failure(let failure): throw failure
        case .wait(let waiterID): id = waiterID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resumeWaiter(id: id, with: .success(nil))
        }
        defer { timer.cancel() }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Result<[UInt8]?, USBError>? in
                    if let report = state.takeReport() { return .success(report) }
                    if let early = state.earlyResult, early.id == id {
                        state.earlyResult = nil
                        return early.result
                    }
                    if let failure = state.failure { return .failure(failure) }
                    if state.stopping || Task.isCancelled {
                        return .failure(USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation))
                    }
                    state.waiter = Waiter(id: id, continuation: continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            resumeWaiter(
                id: id,
                with: .failure(USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation)))
        }
        return try result.get()
    }

    /// Cancels the transfers and waits until libusb has returned all of them. Buffered reports are kept
    /// for `next(timeout:)`; afterwards it throws `LIBUSB_ERROR_INTERRUPTED`.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                state.stopping = true
                guard state.active > 0 else { return true }
                state.stopWaiters.append(continuation)
                for transfer in transfers { _ = libusb_cancel_transfer(transfer) }
                return false
            }
            if done { continuation.resume() }
        }
        resumeWaiter(
            id: nil, with: .failure(USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation)))
    }

    /// Cancels the transfers without waiting (for deinitialisers, which cannot await); the reader lets go of
    /// its device handle once libusb has handed every transfer back.
    public func cancel() {
        state.withLock { state in
            state.stopping = true
            for transfer in transfers where state.active > 0 { _ = libusb_cancel_transfer(transfer) }
        }
    }

    private func resumeWaiter(id: UInt64?, with result: Result<[UInt8]?, USBError>) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, id == nil || waiter.id == id else {
                if let id, state.waiter == nil, id == state.nextWaiterID { state.earlyResult = (id, result) }
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume(returning: result)
    }

    fileprivate func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        let status = transfer.pointee.status
        var report: [UInt8]?
        if status == LIBUSB_TRANSFER_COMPLETED {
            let count = min(length, max(0, Int(transfer.pointee.actual_length)))
            report = Array(UnsafeBufferPointer(start: transfer.pointee.buffer, count: count))
        }
        var resumed: (Waiter, Result<[UInt8]?, USBError>)?
        var finishedStopWaiters: [CheckedContinuation<Void, Never>] = []
        var ended = false
        state.withLock { state in
            var resubmit = !state.stopping
            switch status {
            case LIBUSB_TRANSFER_COMPLETED:
                state.consecutiveErrors = 0
                if let report {
                    state.delivered += 1
                    if state.reports.count - state.readIndex >= bufferLimit {
                        state.dropped += 1
                    } else {
                        state.reports.append(report)
                    }
                }
            case LIBUSB_TRANSFER_TIMED_OUT:
                break
            case LIBUSB_TRANSFER_CANCELLED:
                resubmit = false
            case LIBUSB_TRANSFER_NO_DEVICE:
                state.failure = USBError(transferStatus: status, operation: operation)
                state.stopping = true
                resubmit = false
            default:
                state.consecutiveErrors += 1
                if state.consecutiveErrors >= Self.errorLimit {
                    state.failure = USBError(transferStatus: status, operation: operation)
                    state.stopping = true
                    resubmit = false
                }
            }
            if resubmit {
                let result = libusb_submit_transfer(transfer)
                if result != 0 {
                    state.failure = USBError(code: result, operation: operation)
                    state.stopping = true
                    resubmit = false
                }
            }
            if !resubmit {
                state.active -= 1
                ended = true
                if state.stopping && state.active > 0 {
                    for other in transfers where other != transfer { _ = libusb_cancel_transfer(other) }
                }
                if state.active == 0 {
                    finishedStopWaiters = state.stopWaiters
                    state.stopWaiters = []
                }
            }
            if let waiter = state.waiter {
                if let next = state.takeReport() {
                    resumed = (waiter, .success(next))
                } else if let failure = state.failure {
                    resumed = (waiter, .failure(failure))
                }
                if resumed != nil { state.waiter = nil }
            }
        }
        if ended { owner.transferDidEnd() }
        if let (waiter, result) = resumed { waiter.continuation.resume(returning: result) }
        for waiter in finishedStopWaiters { waiter.resume() }
        if ended {
            // The last transfer handed back: drop the self-reference taken in start().
            let keep = state.withLock { state -> USBInterruptReader? in
                guard state.active == 0 else { return nil }
                defer { state.keepAlive = nil }
                return state.keepAlive
            }
            _ = keep
        }
    }
}

extension USBInterruptReader.State {
    fileprivate mutating func takeReport() -> [UInt8]? {
        guard readIndex < reports.count else { return nil }
        let report = reports[readIndex]
        readIndex += 1
        if readIndex > 256 && readIndex * 2 > reports.count {
            reports.removeFirst(readIndex)
            readIndex = 0
        }
        return report
    }
}

private let usbInterruptReaderCallback: libusb_transfer_cb_fn = { transfer in
    guard let transfer, let userData = transfer.pointee.user_data else { return }
    Unmanaged<USBInterruptReader>.fromOpaque(userData).takeUnretainedValue().completed(transfer)
}
