/// One ZVT application protocol data unit: `CLASS INSTR LEN DATA` (ZVT spec rev. 13.x,
/// "APDU" structure). `LEN = 0xFF` announces an extended length: two more bytes,
/// low byte first, so data can be up to 65 535 bytes long.
///
/// A decoded APDU remembers whether the sender used the extended form for data shorter
/// than 255 bytes, so that `encode()` gives back exactly the received bytes.
public struct ZVTAPDU: Sendable, Hashable, CustomStringConvertible {
    /// Largest data part the extended length field can announce.
    public static let maximumDataLength = 0xFFFF
    /// Largest complete APDU: header with extended length plus maximum data.
    public static let maximumEncodedLength = 5 + maximumDataLength

    /// The CLASS byte (e.g. 0x06 for most ECR commands, 0x04 status, 0x80 acknowledge).
    public let commandClass: UInt8
    /// The INSTR byte.
    public let instruction: UInt8
    /// The data part after the length field.
    public let data: [UInt8]
    /// True only when the extended length form is used although the data is shorter than 255 bytes.
    public let forcesExtendedLength: Bool

    /// Builds an APDU; fails when `data` is longer than 65 535 bytes.
    public init(
        commandClass: UInt8, instruction: UInt8, data: [UInt8] = [], forcesExtendedLength: Bool = false
    ) throws(ZVTError) {
        guard data.count <= Self.maximumDataLength else { throw .apduDataTooLong(count: data.count) }
        self.commandClass = commandClass
        self.instruction = instruction
        self.data = data
        self.forcesExtendedLength = forcesExtendedLength && data.count < 0xFF
    }

    /// Whether `encode()` writes `0xFF lo hi` instead of a single length byte.
    public var usesExtendedLength: Bool { forcesExtendedLength || data.count >= 0xFF }

    /// The two control bytes `[CLASS, INSTR]`.
    public var controlField: [UInt8] { [commandClass, instruction] }

    /// Decodes exactly one APDU; extra or missing bytes are errors.
    public static func decode(_ bytes: [UInt8]) throws(ZVTError) -> ZVTAPDU {
        guard let total = encodedLength(header: bytes) else {
            throw .truncatedAPDU(needed: bytes.count < 3 ? 3 : 5, available: bytes.count)
        }
        guard bytes.count >= total else { throw .truncatedAPDU(needed: total, available: bytes.count) }
        guard bytes.count == total else { throw .trailingBytesAfterAPDU(expected: total, actual: bytes.count) }
        let headerLength = bytes[2] == 0xFF ? 5 : 3
        return try ZVTAPDU(
            commandClass: bytes[0], instruction: bytes[1], data: Array(bytes[headerLength..<total]),
            forcesExtendedLength: headerLength == 5)
    }

    /// Total APDU length announced by the header at the start of `header`, or `nil` while
    /// fewer header bytes are available than needed (3, or 5 for the extended form).
    public static func encodedLength(header: some Collection<UInt8>) -> Int? {
        var iterator = header.makeIterator()
        guard iterator.next() != nil, iterator.next() != nil, let length = iterator.next() else { return nil }
        guard length == 0xFF else { return 3 + Int(length) }
        guard let low = iterator.next(), let high = iterator.next() else { return nil }
        return 5 + (Int(high) << 8 | Int(low))
    }

    /// The wire bytes of this APDU.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = [commandClass, instruction]
        bytes.reserveCapacity(data.count + 5)
        if usesExtendedLength {
            bytes += [0xFF, UInt8(data.count & 0xFF), UInt8(data.count >> 8)]
        } else {
            bytes.append(UInt8(data.count))
        }
        bytes += data
        return bytes
    }

    public var description: String {
        "ZVTAPDU(\(ZVTError.hex(controlField)), \(data.count) data bytes)"
    }
}

extension ZVTAPDU {
    /// The data part read leniently as BMP fields, for logging commands this codec does not
    /// know (vendor commands): known BMPs and TLV are parsed, the rest is kept raw.
    public var bestEffortFields: ZVTFieldList { ZVTFieldList(decoding: data) }
}
