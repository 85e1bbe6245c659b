/// The 8-byte SETUP packet of a control transfer on endpoint 0 (USB 2.0 §9.3).
///
/// Bit 7 of `requestType` gives the direction: set = device-to-host (IN, `length` bytes are read),
/// clear = host-to-device (OUT, the data passed with the transfer is written).
public struct USBControlSetup: Sendable, Equatable, CustomStringConvertible {
    /// bmRequestType.
    public var requestType: UInt8
    /// bRequest.
    public var request: UInt8
    /// wValue.
    public var value: UInt16
    /// wIndex.
    public var index: UInt16
    /// wLength: bytes in the data stage.
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: UInt16) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    /// Whether the data stage goes from the device to the host.
    public var isDeviceToHost: Bool { requestType & 0x80 != 0 }

    /// The packet as sent on the wire (multi-byte fields little-endian).
    public var bytes: [UInt8] {
        [
            requestType, request, UInt8(value & 0xFF), UInt8(value >> 8), UInt8(index & 0xFF), UInt8(index >> 8),
            UInt8(length & 0xFF), UInt8(length >> 8),
        ]
    }

    public var description: String {
        let fields = [UInt16(requestType), UInt16(request), value, index].map { USBDeviceInfo.hex4($0) }
        return "control \(fields.joined(separator: " ")) length \(length)"
    }
}
