import KitDrivers

/// A message from the vpcd reader driver to a virtual card (vsmartcard vpcd protocol):
/// a 1-byte payload is a control command, anything longer a command APDU.
public enum VPCDMessage: Equatable, Hashable, Sendable {
    /// 0: power the card off (no reply).
    case powerOff
    /// 1: power the card on (no reply).
    case powerOn
    /// 2: reset the card (no reply).
    case reset
    /// 4: send the ATR (reply: the ATR bytes).
    case getATR
    /// Another 1-byte control value (no reply expected).
    case unknownControl(UInt8)
    /// A command APDU (reply: the response APDU).
    case apdu([UInt8])

    /// Interprets a frame payload.
    public init(payload: [UInt8]) throws(VPCDError) {
        guard let first = payload.first else { throw .emptyPayload }
        guard payload.count == 1 else {
            self = .apdu(payload)
            return
        }
        switch first {
        case 0: self = .powerOff
        case 1: self = .powerOn
        case 2: self = .reset
        case 4: self = .getATR
        default: self = .unknownControl(first)
        }
    }

    /// The frame payload.
    public var payload: [UInt8] {
        switch self {
        case .powerOff: return [0]
        case .powerOn: return [1]
        case .reset: return [2]
        case .getATR: return [4]
        case .unknownControl(let value): return [value]
        case .apdu(let bytes): return bytes
        }
    }

    /// Whether the virtual card must answer this message with a frame.
    public var expectsReply: Bool {
        switch self {
        case .getATR, .apdu: return true
        case .powerOff, .powerOn, .reset, .unknownControl: return false
        }
    }
}

/// Frames payloads for the vpcd socket of vsmartcard's virtual reader (no formal standard; the
/// protocol as implemented by vpcd/vicc): 2-byte big-endian length followed by the payload.
public enum VPCDFrameEncoder {
    /// Largest payload a frame can carry.
    public static let maximumPayloadLength = 0xFFFF

    /// Frames a raw payload (a reply from the card: ATR or response APDU).
    public static func frame(_ payload: [UInt8]) throws(VPCDError) -> [UInt8] {
        guard payload.count <= maximumPayloadLength else { throw .payloadTooLong(count: payload.count) }
        return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    /// Frames a message in the vpcd → card direction (for simulators of the reader side and tests).
    public static func frame(_ message: VPCDMessage) throws(VPCDError) -> [UInt8] {
        if case .apdu(let bytes) = message, bytes.count < 2 {
            throw .apduPayloadTooShort(count: bytes.count)
        }
        return try frame(message.payload)
    }

    /// Frames the reply to `getATR`.
    public static func reply(atr: ATR) throws(VPCDError) -> [UInt8] {
        try frame(atr.bytes)
    }

    /// Frames the reply to an APDU.
    public static func reply(response: ISO7816ResponseAPDU) throws(VPCDError) -> [UInt8] {
        try frame(response.encoded)
    }
}
