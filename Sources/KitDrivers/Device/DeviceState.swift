/// The life cycle every kit device follows (UnifiedPOS 1.16 §"Device states"): opened, claimed
/// by one user, enabled for input. The numbers are the UnifiedPOS constants.
public enum DeviceState: Int, Sendable, Codable, Equatable {
    /// Not opened.
    case closed = 1
    /// Opened and ready.
    case idle = 2
    /// An operation is running.
    case busy = 3
    /// The device failed; see the last error.
    case error = 4
}

/// Power state as UnifiedPOS reports it.
public enum DevicePower: Int, Sendable, Codable, Equatable {
    /// Power state not known (device cannot tell).
    case unknown = 2000
    /// Powered and ready.
    case online = 2001
    /// Switched off or unplugged.
    case off = 2002
    /// Powered but not reachable.
    case offline = 2003
    /// Either off or offline; the device cannot tell which.
    case offOffline = 2004
}
