import CLibUSB
import Synchronization

extension USBError {
    /// The error for a transfer that finished with a status other than `LIBUSB_TRANSFER_COMPLETED`
    /// (libusb 1.0 `libusb_transfer_status`, mapped onto the matching `libusb_error` code).
    init(transferStatus status: libusb_transfer_status, operation: String) {
        let code: libusb_error
        switch status {
        case LIBUSB_TRANSFER_TIMED_OUT: code = LIBUSB_ERROR_TIMEOUT
        case LIBUSB_TRANSFER_STALL: code = LIBUSB_ERROR_PIPE
        case LIBUSB_TRANSFER_NO_DEVICE: code = LIBUSB_ERROR_NO_DEVICE
        case LIBUSB_TRANSFER_OVERFLOW: code = LIBUSB_ERROR_OVERFLOW
        case LIBUSB_TRANSFER_CANCELLED: code = LIBUSB_ERROR_INTERRUPTED
        default: code = LIBUSB_ERROR_IO
        }
        self.init(code: Int32(code.rawValue), operation: operation)
    }

    /// The device is gone (`LIBUSB_ERROR_NO_DEVICE`): the cable was pulled or the device reset itself.
    public var isDeviceGone: Bool { code == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) }

    /// The device did not answer in time (`LIBUSB_ERROR_TIMEOUT`).
    public var isTimeout: Bool { code == Int32(LIBUSB_ERROR_TIMEOUT.rawValue) }

    /// No such device or interface (`LIBUSB_ERROR_NOT_FOUND`).
    public var isNotFound: Bool { code == Int32(LIBUSB_ERROR_NOT_FOUND.rawValue) }

    /// Another program or driver holds the interface (`LIBUSB_ERROR_BUSY`).
    public var isBusy: Bool { code == Int32(LIBUSB_ERROR_BUSY.rawValue) }

    /// The transfer was cancelled by this process (`LIBUSB_ERROR_INTERRUPTED`).
    public var isCancellation: Bool { code == Int32(LIBUSB_ERROR_INTERRUPTED.rawValue) }
}

/// Milliseconds for a libusb timeout; at least 1 (0 would mean "wait for ever").
func usbTimeoutMilliseconds(_ timeout: Duration) -> UInt32 {
    let (seconds, attoseconds) = timeout.components
    let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    return UInt32(clamping: max(1, milliseconds))
}

/// One asynchronous libusb transfer awaited by one task (libusb 1.0 asynchronous I/O): allocated, submitted,
/// completed on the event thread, freed exactly once. Task cancellation cancels the transfer.
final class USBSingleTransfer: @unchecked Sendable {
    private enum Phase {
        case prepared
        case cancelRequested
        case submitted
        case completed
    }

    private struct State {
        var phase = Phase.prepared
        var continuation: CheckedContinuation<Result<[UInt8], USBError>, Never>?
    }

    private let transfer: UnsafeMutablePointer<libusb_transfer>
    private let buffer: UnsafeMutablePointer<UInt8>
    private let dataOffset: Int
    private let operation: String
    private let owner: USBDeviceHandle
    private let state = Mutex(State())

    /// A control transfer: SETUP packet, then `data` (OUT) or room for `setup.length` bytes (IN).
    init(
        control setup: USBControlSetup, data: [UInt8], timeout: Duration, handle: OpaquePointer,
        owner: USBDeviceHandle, operation: String
    ) throws(USBError) {
        guard let transfer = libusb_alloc_transfer(0) else {
            throw USBError(code: Int32(LIBUSB_ERROR_NO_MEM.rawValue), operation: operation)
        }
        let total = 8 + Int(setup.length)
        buffer = .allocate(capacity: total)
        buffer.initialize(repeating: 0, count: total)
        for (offset, byte) in setup.bytes.enumerated() { buffer[offset] = byte }
        if !setup.isDeviceToHost {
            for (offset, byte) in data.prefix(Int(setup.length)).enumerated() { buffer[8 + offset] = byte }
        }
        transfer.pointee.dev_handle = handle
        transfer.pointee.endpoint = 0
        transfer.pointee.type = UInt8(LIBUSB_TRANSFER_TYPE_CONTROL.rawValue)
        transfer.pointee.timeout = usbTimeoutMilliseconds(timeout)
        transfer.pointee.buffer = buffer
        transfer.pointee.length = Int32(total)
        transfer.pointee.callback = usbSingleTransferCallback
        self.transfer = transfer
        self.dataOffset = 8
        self.operation = operation
        self.owner = owner
    }

    /// An interrupt IN transfer reading at most `length` bytes.
    init(
        interruptIn endpoint: UInt8, length: Int, timeout: Duration, handle: OpaquePointer, owner: USBDeviceHandle,
        operation: String
    ) throws(USBError) {
        guard let transfer = libusb_alloc_transfer(0) else {
            throw USBError(code: Int32(LIBUSB_ERROR_NO_MEM.rawValue), operation: operation)
        }
        let total = max(1, length)
        buffer = .allocate(capacity: total)
        buffer.initialize(repeating: 0, count: total)
        transfer.pointee.dev_handle = handle
        transfer.pointee.endpoint = endpoint | 0x80
        transfer.pointee.type = UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue)
        transfer.pointee.timeout = usbTimeoutMilliseconds(timeout)
        transfer.pointee.buffer = buffer
        transfer.pointee.length = Int32(total)
        transfer.pointee.callback = usbSingleTransferCallback
        self.transfer = transfer
        self.dataOffset = 0
        self.operation = operation
        self.owner = owner
    }

    /// Submits the transfer and waits for its completion (or its cancellation).
    func run() async -> Result<[UInt8], USBError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let failure = state.withLock { state -> USBError? in
                    if state.phase == .cancelRequested {
                        return USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation)
                    }
                    guard owner.transferWillStart() else {
                        return USBError(code: Int32(LIBUSB_ERROR_INTERRUPTED.rawValue), operation: operation)
                    }
                    let retained = Unmanaged.passRetained(self)
                    transfer.pointee.user_data = retained.toOpaque()
                    let result = libusb_submit_transfer(transfer)
                    guard result == 0 else {
                        retained.release()
                        owner.transferDidEnd()
                        return USBError(code: result, operation: operation)
                    }
                    state.phase = .submitted
                    state.continuation = continuation
                    return nil
                }
                if let failure {
                    state.withLock { $0.phase = .completed }
                    release()
                    continuation.resume(returning: .failure(failure))
                }
            }
        } onCancel: {
            state.withLock { state in
                switch state.phase {
                case .prepared: state.phase = .cancelRequested
                case .submitted: _ = libusb_cancel_transfer(transfer)
                case .cancelRequested, .completed: break
                }
            }
        }
    }

    fileprivate func completed() {
        let status = transfer.pointee.status
        let result: Result<[UInt8], USBError>
        if status == LIBUSB_TRANSFER_COMPLETED {
            let count = max(0, Int(transfer.pointee.actual_length))
            result = .success(Array(UnsafeBufferPointer(start: buffer + dataOffset, count: count)))
        } else {
            result = .failure(USBError(transferStatus: status, operation: operation))
        }
        let continuation = state.withLock { state in
            state.phase = .completed
            defer { state.continuation = nil }
            return state.continuation
        }
        release()
        owner.transferDidEnd()
        continuation?.resume(returning: result)
    }

    private func release() {
        libusb_free_transfer(transfer)
        buffer.deallocate()
    }
}

private let usbSingleTransferCallback: libusb_transfer_cb_fn = { transfer in
    guard let userData = transfer?.pointee.user_data else { return }
    Unmanaged<USBSingleTransfer>.fromOpaque(userData).takeRetainedValue().completed()
}
