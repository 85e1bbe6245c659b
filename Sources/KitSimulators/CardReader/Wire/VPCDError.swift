/// Errors of the vpcd socket protocol (vsmartcard virtual reader: 2-byte big-endian length + payload).
public enum VPCDError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame with length 0 arrived; vpcd never sends one, so the stream is out of step.
    case emptyPayload
    /// A payload does not fit into the 2-byte length field.
    case payloadTooLong(count: Int)
    /// An APDU payload of fewer than 2 bytes cannot be framed: 1 byte would read as a control command.
    case apduPayloadTooShort(count: Int)
    /// The connection ended with `count` bytes of an incomplete frame buffered.
    case leftoverBytesAtEndOfStream(count: Int)

    public var description: String {
        switch self {
        case .emptyPayload:
            return "vpcd sent a frame of length 0; the byte stream is out of step. Reconnect to pcscd."
        case .payloadTooLong(let count):
            return "A vpcd payload of \(count) bytes exceeds the 65535 bytes the length field can express."
        case .apduPayloadTooShort(let count):
            return "An APDU payload of \(count) byte(s) cannot be sent over vpcd; 1-byte payloads are control commands."
        case .leftoverBytesAtEndOfStream(let count):
            return "The vpcd connection closed in the middle of a frame (\(count) byte(s) left over); "
                + "the last message was lost."
        }
    }
}
