import CLibUSB
import Synchronization

/// What claiming an interface found about the kernel driver bound to it (libusb 1.0
/// `libusb_kernel_driver_active` / `libusb_detach_kernel_driver`).
public enum USBKernelDriverStatus: Sendable, Equatable, CustomStringConvertible {
    /// No kernel driver was bound.
    case none
    /// A kernel driver (e.g. usbhid) was bound and has been detached; it is re-attached on release.
    case detached
    /// The platform cannot tell (`LIBUSB_ERROR_NOT_SUPPORTED`, e.g. macOS, Windows).
    case notSupported
    /// The query failed with this libusb code; the claim went ahead anyway (seen under emulated usbfs).
    case unknown(code: Int32)

    public var description: String {
        switch self {
        case .none: return "no kernel driver bound"
        case .detached: return "kernel driver detached"
        case .notSupported: return "kernel driver check not supported on this platform"
        case .unknown(let code): return "kernel driver state unknown (libusb \(code))"
        }
    }
}

/// An opened USB device (libusb 1.0 `libusb_device_handle`): interface claims, control transfers on
/// endpoint 0 and interrupt IN reads, all with timeouts and all completed on the context's event thread.
///
/// Errors are `USBError`s; `LIBUSB_ERROR_NO_DEVICE` (`isDeviceGone`) means the cable was pulled. Call
/// `close()` when done: it stops the readers, waits for transfers still in flight, releases the interfaces
/// (re-attaching kernel drivers) and closes the handle.
public final class USBDeviceHandle: @unchecked Sendable {
    private struct State {
        var closing = false
        var closed = false
        var inFlight = 0
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var claimed: [Int32: Bool] = [:]  // interface → kernel driver detached by us
        var readers: [USBInterruptReader] = []
    }

    /// Bus position and ids of the device.
    public let info: USBDeviceInfo
    /// The context whose event thread completes this handle's transfers (kept alive by the handle).
    public let context: USBEventContext
    private let handle: OpaquePointer
    private let state = Mutex(State())

    init(context: USBEventContext, handle: OpaquePointer, info: USBDeviceInfo) {
        self.context = context
        self.handle = handle
        self.info = info
    }

    deinit {
        // Only reached without close(): no transfer can be in flight (each one retains the handle).
        if !state.withLock({ $0.closed }) { libusb_close(handle) }
    }

    /// Claims an interface, detaching a bound kernel driver first where the platform has one. A failing
    /// kernel-driver query other than "no device" is tolerated (emulated usbfs answers it with an error).
    @discardableResult
    public func claimInterface(_ number: Int32) throws(USBError) -> USBKernelDriverStatus {
        let operation = "claim interface \(number) of USB device \(info)"
        var status = USBKernelDriverStatus.none
        let active = libusb_kernel_driver_active(handle, number)
        switch active {
        case 0: status = .none
        case 1:
            let result = libusb_detach_kernel_driver(handle, number)
            if result == 0 || result == Int32(LIBUSB_ERROR_NOT_FOUND.rawValue) {
                status = result == 0 ? .detached : .none
            } else {
                throw USBError(code: result, operation: "detach the kernel driver from interface \(number) of \(info)")
            }
        case Int32(LIBUSB_ERROR_NOT_SUPPORTED.rawValue): status = .notSupported
        case Int32(LIBUSB_ERROR_NO_DEVICE.rawValue): throw USBError(code: active, operation: operation)
        default: status = .unknown(code: active)
        }
        let result = libusb_claim_interface(handle, number)
        guard result == 0 else {
            if status == .detached { _ = libusb_attach_kernel_driver(handle, number) }
            throw USBError(code: result, operation: operation)
        }
        state.withLock { $0.claimed[number] = status == .detached }
        return status
    }

    /// Releases an interface and re-attaches the kernel driver detached by `claimInterface`. Returns the
    /// error instead of throwing: releasing happens on the way out and must not hide the original failure.
    @discardableResult
    public func releaseInterface(_ number: Int32) -> USBError? {
        guard let detached = state.withLock({ $0.claimed.removeValue(forKey: number) }) else { return nil }
        let result = libusb_release_interface(handle, number)
        if detached { _ = libusb_attach_kernel_driver(handle, number) }
        guard result == 0 || result == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) else {
            return USBError(code: result, operation: "release interface \(number) of USB device \(info)")
        }
        return nil
    }

    /// A control transfer on endpoint 0. For device-to-host requests returns the bytes read (at most
    /// `setup.length`); for host-to-device requests `data` is sent and the bytes the device accepted are
    /// returned (compare the count with `data.count` to detect a short write).
    public func controlTransfer(
        _ setup: USBControlSetup, data: [UInt8] = [], timeout: Duration, operation: String? = nil
    ) async throws(USBError) -> [UInt8] {
        let operation = operation ?? "\(setup) on USB device \(info)"
        let transfer = try USBSingleTransfer(
            control: setup, data: data, timeout: timeout, handle: handle, owner: self, operation: operation)
        return try await transfer.run().get()
    }

    /// One interrupt IN transfer: the next report, or `LIBUSB_ERROR_TIMEOUT` when none arrives in time.
    public func interruptTransfer(endpoint: UInt8, length: Int, timeout: Duration) async throws(USBError) -> [UInt8] {
        let operation = "read interrupt endpoint \(USBDeviceInfo.hex4(UInt16(endpoint | 0x80))) of \(info)"
        let transfer = try USBSingleTransfer(
            interruptIn: endpoint, length: length, timeout: timeout, handle: handle, owner: self,
            operation: operation)
        return try await transfer.run().get()
    }

    /// Starts reading an interrupt IN endpoint continuously with `transfersInFlight` transfers.
    public func interruptReader(
        endpoint: UInt8, length: Int, transfersInFlight: Int = 3, bufferLimit: Int = 4096
    ) throws(USBError) -> USBInterruptReader {
        let reader = try USBInterruptReader(
            endpoint: endpoint, length: length, transfersInFlight: transfersInFlight, bufferLimit: bufferLimit,
            handle: handle, owner: self)
        try reader.start()
        state.withLock { $0.readers.append(reader) }
        return reader
    }

    /// Whether `close()` has begun.
    public var isClosed: Bool { state.withLock { $0.closing } }

    /// Stops all readers, waits for transfers in flight (each has its own timeout), releases claimed
    /// interfaces and closes the handle. Safe to call more than once and after the device was unplugged.
    public func close() async {
        let readers = state.withLock { state -> [USBInterruptReader]? in
            guard !state.closing else { return nil }
            state.closing = true
            defer { state.readers = [] }
            return state.readers
        }
        guard let readers else { return }
        for reader in readers { await reader.stop() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                guard state.inFlight > 0 else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        let interfaces = state.withLock { Array($0.claimed.keys) }
        for interface in interfaces { releaseInterface(interface) }
        state.withLock { $0.closed = true }
        libusb_close(handle)
    }

    /// Counts a transfer about to be submitted; false once the handle is closing.
    func transferWillStart() -> Bool {
        state.withLock { state in
            guard !state.closing else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Counts a transfer handed back by libusb and wakes `close()` when it was the last.
    func transferDidEnd() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.drainWaiters = [] }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
