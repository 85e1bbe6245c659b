import CLibUSB
import Synchronization

/// A USB device arrived on or left the bus (libusb 1.0 hotplug API, `LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED`
/// and `LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT`).
public enum USBHotplugEvent: Sendable, Equatable, CustomStringConvertible {
    /// The device was plugged in (or was present when watching started).
    case arrived(USBDeviceInfo)
    /// The device was unplugged.
    case left(USBDeviceInfo)

    /// The device the event is about.
    public var device: USBDeviceInfo {
        switch self {
        case .arrived(let device), .left(let device): return device
        }
    }

    public var description: String {
        switch self {
        case .arrived(let device): return "USB device plugged in: \(device)"
        case .left(let device): return "USB device unplugged: \(device)"
        }
    }
}

/// How `USBEventContext.hotplugEvents` learns about arrivals and removals.
///
/// libusb 1.0 hotplug API (`LIBUSB_CAP_HAS_HOTPLUG`) or enumeration with `libusb_get_device_list`.
public enum USBHotplugStrategy: Sendable, Equatable {
    /// libusb hotplug callbacks where supported, polling otherwise.
    case automatic
    /// Always compare device lists at the poll interval.
    case polling
}

/// One `libusb_hotplug_register_callback` registration. Passed to libusb as the callback's user data; kept
/// alive by the context until the context ends, because libusb may still be running the callback on the
/// event thread while another thread deregisters it.
final class USBHotplugRegistration: Sendable {
    private let continuation: AsyncStream<USBHotplugEvent>.Continuation
    private let handle = Mutex<libusb_hotplug_callback_handle?>(nil)

    private init(continuation: AsyncStream<USBHotplugEvent>.Continuation) {
        self.continuation = continuation
    }

    /// Registers the callback; nil when libusb refuses (the caller then polls).
    static func register(
        on context: OpaquePointer, vendorID: UInt16?, productID: UInt16?, includeExisting: Bool,
        continuation: AsyncStream<USBHotplugEvent>.Continuation
    ) -> USBHotplugRegistration? {
        let registration = USBHotplugRegistration(continuation: continuation)
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        let flags = includeExisting ? Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue) : 0
        let any = Int32(LIBUSB_HOTPLUG_MATCH_ANY)
        var handle = libusb_hotplug_callback_handle()
        let result = libusb_hotplug_register_callback(
            context, events, flags, vendorID.map { Int32($0) } ?? any, productID.map { Int32($0) } ?? any, any,
            usbHotplugCallback, Unmanaged.passUnretained(registration).toOpaque(), &handle)
        guard result == 0 else { return nil }
        registration.handle.withLock { $0 = handle }
        return registration
    }

    /// Stops the callback (safe to call more than once) and finishes the stream.
    func deregister(from context: OpaquePointer) {
        // Under the lock, so the event thread cannot run libusb_exit in the middle of the call.
        handle.withLock { handle in
            if let current = handle { libusb_hotplug_deregister_callback(context, current) }
            handle = nil
        }
        continuation.finish()
    }

    fileprivate func deliver(_ event: USBHotplugEvent) {
        continuation.yield(event)
    }
}

/// The C callback: runs on the event thread (or, for already-present devices, inside the registration call).
private let usbHotplugCallback: libusb_hotplug_callback_fn = { _, device, event, userData in
    guard let device, let userData else { return 0 }
    let registration = Unmanaged<USBHotplugRegistration>.fromOpaque(userData).takeUnretainedValue()
    guard let info = USBDeviceInfo(libusbDevice: device) else { return 0 }
    if event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT {
        registration.deliver(.left(info))
    } else {
        registration.deliver(.arrived(info))
    }
    return 0
}
