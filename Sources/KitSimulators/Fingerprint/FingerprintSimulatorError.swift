/// Why the fingerprint scanner simulator (libfprint virtual image device client) could not run its
/// script.
public enum FingerprintSimulatorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A script step could not be understood.
    case invalidStep(location: String, text: String, reason: String)
    /// The script file could not be read.
    case unreadableScript(path: String, reason: String)
    /// The socket path does not fit a Unix socket address (at most 107 bytes).
    case socketPathTooLong(String)
    /// Nobody listened on the socket in time (the scanner was not opened with FP_VIRTUAL_IMAGE set).
    case connectFailed(path: String, errno: Int32)
    /// Writing to the scanner failed (it closed the connection or stopped reading).
    case writeFailed(errno: Int32)
    /// The simulator was closed.
    case closed

    public var description: String {
        switch self {
        case .invalidStep(let location, let text, let reason):
            return "Simulator script, \(location): \"\(text)\": \(reason)."
        case .unreadableScript(let path, let reason):
            return "Simulator script \(path) cannot be read: \(reason)."
        case .socketPathTooLong(let path):
            return "Socket path is longer than a Unix socket address allows (107 bytes): \(path)."
        case .connectFailed(let path, let code):
            return "Cannot connect to \(path) (errno \(code)). Is the scanner opened with FP_VIRTUAL_IMAGE=\(path)?"
        case .writeFailed(let code):
            return "Sending to the virtual scanner failed (errno \(code)); it closed the connection or stopped reading."
        case .closed:
            return "The simulator was closed; nothing more is sent."
        }
    }
}
