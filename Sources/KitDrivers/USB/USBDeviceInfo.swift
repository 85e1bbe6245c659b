import CLibUSB

extension USBEventContext {
    /// The version of the libusb library in use, e.g. `1.0.26`.
    public static var libraryVersion: String {
        guard let version = libusb_get_version()?.pointee else { return "unknown" }
        return "\(version.major).\(version.minor).\(version.micro)"
    }
}

/// A USB device as seen on the bus, before it is opened (USB 2.0 §9.6.1 device descriptor).
public struct USBDeviceInfo: Sendable, Equatable, CustomStringConvertible {
    /// Bus number.
    public var bus: UInt8
    /// Device address on the bus.
    public var address: UInt8
    /// `idVendor` from the device descriptor.
    public var vendorID: UInt16
    /// `idProduct` from the device descriptor.
    public var productID: UInt16
    /// `bDeviceClass` from the device descriptor.
    public var deviceClass: UInt8

    public init(bus: UInt8, address: UInt8, vendorID: UInt16, productID: UInt16, deviceClass: UInt8) {
        self.bus = bus
        self.address = address
        self.vendorID = vendorID
        self.productID = productID
        self.deviceClass = deviceClass
    }

    /// `VVVV:PPPP` as lsusb prints it.
    public var idText: String {
        USBDeviceInfo.hex4(vendorID) + ":" + USBDeviceInfo.hex4(productID)
    }

    public var description: String {
        "bus \(bus) device \(address) \(idText)"
    }

    static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// A libusb failure, worded for IT staff (libusb_error codes, libusb 1.0 API).
public struct USBError: Error, Equatable, CustomStringConvertible {
    /// The negative `libusb_error` code.
    public var code: Int32
    /// What the driver was doing.
    public var operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String {
        "cannot \(operation): \(hint)"
    }

    /// A sentence saying what the code means and what to do.
    public var hint: String {
        switch code {
        case Int32(LIBUSB_ERROR_ACCESS.rawValue):
            return "permission denied — install the kit's udev rules (udev/) and re-plug the device"
        case Int32(LIBUSB_ERROR_NO_DEVICE.rawValue):
            return "the device was unplugged"
        case Int32(LIBUSB_ERROR_NOT_FOUND.rawValue):
            return "the device or interface was not found"
        case Int32(LIBUSB_ERROR_BUSY.rawValue):
            return "the device is in use by another program"
        case Int32(LIBUSB_ERROR_TIMEOUT.rawValue):
            return "the device did not answer in time"
        case Int32(LIBUSB_ERROR_PIPE.rawValue):
            return "the device rejected the request (endpoint stalled)"
        case Int32(LIBUSB_ERROR_OVERFLOW.rawValue):
            return "the device sent more data than expected"
        case Int32(LIBUSB_ERROR_IO.rawValue):
            return "input/output error on the USB bus (cable or hub?)"
        case Int32(LIBUSB_ERROR_NO_MEM.rawValue):
            return "out of memory"
        case Int32(LIBUSB_ERROR_NOT_SUPPORTED.rawValue):
            return "not supported on this system"
        default:
            guard let name = libusb_error_name(code) else { return "libusb error \(code)" }
            return "libusb error \(String(cString: name))"
        }
    }
}
