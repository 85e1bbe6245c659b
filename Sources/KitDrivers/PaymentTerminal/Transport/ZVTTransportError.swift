import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why the link to the terminal failed (ZVT spec rev. 13.x, transport chapters: TCP/IP and
/// the serial RS-232 protocol with DLE framing and ACK/NAK).
public enum ZVTTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The terminal could not be reached (connection refused, no route, connect timeout).
    case unreachable(endpoint: String, reason: String)
    /// The serial device could not be opened.
    case cannotOpenDevice(path: String, errno: Int32)
    /// The serial line settings (baud rate, 8N2, raw mode) could not be applied.
    case lineSetupFailed(path: String, errno: Int32)
    /// The transport is not open.
    case notOpen
    /// The other side closed the connection.
    case connectionClosed(endpoint: String)
    /// A read or write failed.
    case ioFailure(operation: String, errno: Int32)
    /// Bytes could not be written within the time allowed.
    case writeTimeout(milliseconds: Int)
    /// The byte stream cannot be split into frames any more (too long, cut off).
    case framing(ZVTError)
    /// Serial: the terminal answered a frame with NAK or not at all, every attempt.
    case linkNotAcknowledged(attempts: Int)
    /// Another operation is using the transport.
    case busy
    /// The waiting task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "Payment terminal at \(endpoint) is not reachable: \(reason). "
                + "Check power, cable/network and the terminal's ECR interface settings."
        case .cannotOpenDevice(let path, let code):
            return "Serial device \(path) cannot be opened: \(Self.text(code)). "
                + "Check the cable and that the kit user may use the device (udev rule, dialout group)."
        case .lineSetupFailed(let path, let code):
            return "Serial line settings for \(path) (9600 baud, 8N2, raw) cannot be applied: \(Self.text(code))."
        case .notOpen:
            return "The connection to the payment terminal is not open."
        case .connectionClosed(let endpoint):
            return "The payment terminal at \(endpoint) closed the connection."
        case .ioFailure(let operation, let code):
            return "\(operation) on the terminal connection failed: \(Self.text(code))."
        case .writeTimeout(let milliseconds):
            return "Data could not be sent to the terminal within \(milliseconds) ms."
        case .framing(let error):
            return "The data from the terminal cannot be split into messages: \(error.description)"
        case .linkNotAcknowledged(let attempts):
            return "The terminal did not confirm a serial frame after \(attempts) attempts (no ACK 06). "
                + "Check cable, baud rate and that the terminal is in ECR mode."
        case .busy:
            return "The terminal connection is in use by another operation."
        case .cancelled:
            return "Waiting for the terminal was cancelled."
        }
    }

    static func text(_ code: Int32) -> String {
        guard let pointer = strerror(code) else { return "errno \(code)" }
        return String(cString: pointer) + " (errno \(code))"
    }
}
