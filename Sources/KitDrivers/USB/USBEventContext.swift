import CLibUSB
import Foundation
import Synchronization

/// A libusb-1.0 session with its own event-handling thread: asynchronous transfers complete and hotplug
/// callbacks run on that thread, so no caller ever blocks inside libusb (libusb 1.0 API, "Multi-threaded
/// applications and asynchronous I/O": one thread calls `libusb_handle_events_timeout_completed` in a loop).
///
/// Open devices with `openDevice(vendorID:productIDs:)`; watch arrivals and removals with
/// `hotplugEvents(vendorID:productID:)`. Every handle keeps its context alive; the thread stops when the last
/// reference goes away (and `libusb_exit` runs on the event thread once it has left libusb).
public final class USBEventContext: @unchecked Sendable {
    /// How long one pass of the event loop may wait before it checks whether it should stop.
    static let eventLoopSlice = timeval(tv_sec: 0, tv_usec: 250_000)

    let context: OpaquePointer
    private let loop: USBEventLoop

    /// Opens a libusb session and starts its event thread.
    public init() throws(USBError) {
        var context: OpaquePointer?
        let result = libusb_init(&context)
        guard result == 0, let context else {
            throw USBError(code: result, operation: "open a libusb session")
        }
        self.context = context
        let loop = USBEventLoop(context: context)
        self.loop = loop
        let thread = Thread { loop.run() }
        thread.name = "libusb-events"
        thread.start()
    }

    deinit {
        // The event thread leaves libusb within one slice and then calls libusb_exit itself. Waiting for it
        // here is skipped when the last reference was dropped on the event thread (inside a callback).
        loop.stop()
    }

    /// Whether this libusb build delivers hotplug events (`LIBUSB_CAP_HAS_HOTPLUG`); when it does not,
    /// `hotplugEvents` polls the device list instead.
    public static var supportsHotplug: Bool {
        libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0
    }

    /// The USB devices the system offers to this process (empty on a machine without USB).
    public func devices() throws(USBError) -> [USBDeviceInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else {
            throw USBError(code: Int32(truncatingIfNeeded: count), operation: "list USB devices")
        }
        defer { libusb_free_device_list(list, 1) }
        var result: [USBDeviceInfo] = []
        for index in 0..<Int(count) {
            guard let device = list[index], let info = USBDeviceInfo(libusbDevice: device) else { continue }
            result.append(info)
        }
        return result
    }

    /// Opens the first device with this vendor id and one of the product ids (in the order the bus lists
    /// them). Throws `LIBUSB_ERROR_NOT_FOUND` when none is plugged in and `LIBUSB_ERROR_ACCESS` (whose
    /// description explains the udev rule) when the process may not open it.
    public func openDevice(vendorID: UInt16, productIDs: Set<UInt16>) throws(USBError) -> USBDeviceHandle {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else {
            throw USBError(code: Int32(truncatingIfNeeded: count), operation: "list USB devices")
        }
        defer { libusb_free_device_list(list, 1) }
        let wanted = productIDs.sorted().map { USBDeviceInfo.hex4(vendorID) + ":" + USBDeviceInfo.hex4($0) }
        for index in 0..<Int(count) {
            guard let device = list[index], let info = USBDeviceInfo(libusbDevice: device),
                info.vendorID == vendorID, productIDs.contains(info.productID)
            else { continue }
            var handle: OpaquePointer?
            let result = libusb_open(device, &handle)
            guard result == 0, let handle else {
                throw USBError(code: result, operation: "open USB device \(info)")
            }
            return USBDeviceHandle(context: self, handle: handle, info: info)
        }
        throw USBError(
            code: Int32(LIBUSB_ERROR_NOT_FOUND.rawValue),
            operation: "find a USB device \(wanted.joined(separator: " or "))")
    }

    /// Arrivals and removals of matching devices, starting with the devices already present when
    /// `includeExisting` is set. Uses libusb hotplug callbacks where the platform has them (and `strategy`
    /// allows), otherwise polls the device list every `pollInterval`. Stop by ending the iteration (the stream's termination
    /// deregisters the callback).
    public func hotplugEvents(
        vendorID: UInt16? = nil, productID: UInt16? = nil, includeExisting: Bool = true,
        pollInterval: Duration = .milliseconds(500), strategy: USBHotplugStrategy = .automatic
    ) -> AsyncStream<USBHotplugEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: USBHotplugEvent.self)
        if strategy == .automatic, Self.supportsHotplug,
            let registration = USBHotplugRegistration.register(
                on: context, vendorID: vendorID, productID: productID, includeExisting: includeExisting,
                continuation: continuation)
        {
            loop.keepAlive(registration)
            let context = USBContextPointer(context)
            continuation.onTermination = { _ in registration.deregister(from: context.pointer) }
            return stream
        }
        let poller = Task { [weak self] in
            var known: [USBDeviceInfo] = []
            var first = true
            while !Task.isCancelled, let self {
                let now = ((try? self.devices()) ?? []).filter {
                    (vendorID == nil || $0.vendorID == vendorID) && (productID == nil || $0.productID == productID)
                }
                for device in now where !known.contains(device) && (!first || includeExisting) {
                    continuation.yield(.arrived(device))
                }
                for device in known where !now.contains(device) { continuation.yield(.left(device)) }
                known = now
                first = false
                try? await Task.sleep(for: pollInterval)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in poller.cancel() }
        return stream
    }

}

/// The event thread's loop, shared by the thread and the context: it owns the libusb context from the
/// moment the context object goes away, and keeps the hotplug registrations (libusb's callback user data)
/// alive until `libusb_exit`.
private final class USBEventLoop: @unchecked Sendable {
    private static let threadKey = "kit.usb.eventLoop"

    private let context: OpaquePointer
    private let stopping = Atomic<Bool>(false)
    /// Held by `stop()` while it sets the flag and interrupts the event handler, and taken by the
    /// event thread before `libusb_exit`: so the interrupt never reaches a context already freed
    /// (found by the soak: the thread saw the flag, ran `libusb_exit`, and the interrupt then
    /// dereferenced the freed context's log handler — a crash of the agent, whose health checks
    /// open and drop a libusb session every 10 s).
    private let interrupting = Mutex(())
    private let finished = DispatchSemaphore(value: 0)
    private let registrations = Mutex<[USBHotplugRegistration]>([])

    init(context: OpaquePointer) { self.context = context }

    func keepAlive(_ registration: USBHotplugRegistration) {
        registrations.withLock { $0.append(registration) }
    }

    func run() {
        Thread.current.threadDictionary[Self.threadKey] = NSNumber(
            value: Int(bitPattern: Unmanaged.passUnretained(self).toOpaque()))
        while !stopping.load(ordering: .acquiring) {
            var slice = USBEventContext.eventLoopSlice
            let result = libusb_handle_events_timeout_completed(context, &slice, nil)
            if result != 0 && result != Int32(LIBUSB_ERROR_INTERRUPTED.rawValue)
                && result != Int32(LIBUSB_ERROR_TIMEOUT.rawValue)
            {
                // A failing poll (e.g. after a device vanished) must not spin the CPU.
                usleep(10_000)
            }
        }
        interrupting.withLock { _ in }  // a stop() still interrupting finishes first
        for registration in registrations.withLock({ $0 }) { registration.deregister(from: context) }
        libusb_exit(context)
        registrations.withLock { $0.removeAll() }
        finished.signal()
    }

    /// Asks the thread to leave libusb and end; waits for it unless called on the event thread itself.
    func stop() {
        interrupting.withLock { _ in
            stopping.store(true, ordering: .releasing)
            libusb_interrupt_event_handler(context)
        }
        let marker = Thread.current.threadDictionary[Self.threadKey] as? NSNumber
        if marker?.intValue != Int(bitPattern: Unmanaged.passUnretained(self).toOpaque()) {
            finished.wait()
        }
    }
}

/// A libusb context pointer that may cross threads (libusb contexts are thread-safe).
struct USBContextPointer: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension USBDeviceInfo {
    /// Reads bus, address and device descriptor of a `libusb_device` (cached by libusb, no I/O).
    init?(libusbDevice device: OpaquePointer) {
        var descriptor = libusb_device_descriptor()
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return nil }
        self.init(
            bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
            vendorID: descriptor.idVendor, productID: descriptor.idProduct, deviceClass: descriptor.bDeviceClass)
    }
}
