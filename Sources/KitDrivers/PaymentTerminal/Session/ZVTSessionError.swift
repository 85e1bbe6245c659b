/// What went wrong between ECR and terminal while a command ran (ZVT spec rev. 13.x,
/// chapter 2 "Acknowledgement" and the timeouts of the transport chapter).
public enum ZVTSessionError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// No acknowledgement `80 00 00` arrived within T3 after the command was sent.
    case acknowledgementTimeout(milliseconds: Int)
    /// The terminal fell silent in the middle of the command for longer than allowed.
    case completionTimeout(milliseconds: Int)
    /// The link to the terminal broke after the command was sent.
    case connectionLost(reason: String)
    /// A received APDU could not be decoded; answered with `84 9A 00` and skipped.
    case malformedMessage(controlField: [UInt8], reason: String)
    /// A well-formed message that makes no sense at this point; answered and skipped.
    case unexpectedMessage(name: String)
    /// The terminal refused a request of the ECR in the middle of a command (e.g. the abort 06 B0).
    case requestRefused(resultCode: UInt8)
    /// So many unexpected or malformed messages arrived that the session gave up.
    case tooManyProtocolErrors(count: Int)

    public var description: String {
        switch self {
        case .acknowledgementTimeout(let milliseconds):
            return "The terminal did not acknowledge the command within \(milliseconds) ms (T3). "
                + "Check that it is switched on and that the ECR interface is enabled."
        case .completionTimeout(let milliseconds):
            return "The terminal sent nothing for \(milliseconds) ms while a command was running; "
                + "its result is unknown."
        case .connectionLost(let reason):
            return "The connection to the terminal broke while a command was running (\(reason)); "
                + "its result is unknown."
        case .malformedMessage(let controlField, let reason):
            return "The terminal sent a message \(ZVTError.hex(controlField)) that cannot be decoded: \(reason)"
        case .unexpectedMessage(let name):
            return "The terminal sent \(name), which is not expected at this point; it was answered and skipped."
        case .requestRefused(let resultCode):
            return "The terminal refused the ECR's request with result code 0x\(ZVTError.hex(resultCode)) "
                + "(\(ZVTResultCode(resultCode)))."
        case .tooManyProtocolErrors(let count):
            return "The terminal sent \(count) unexpected or malformed messages; the command was given up "
                + "and its result is unknown."
        }
    }
}
