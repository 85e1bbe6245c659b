import KitDrivers

/// Bytes of the libfprint virtual image device protocol (libfprint 1.94 `drivers/virtual-image.c`):
/// two native-endian C ints, then for an image width × height grey bytes, row by row.
public enum FingerprintVirtualImageWire {
    /// Command codes (the negative first int).
    public enum Command: Int32, Sendable {
        /// Retry; second int is an `FpDeviceRetry` code.
        case retry = -1
        /// Error; second int is an `FpDeviceError` code.
        case error = -2
        /// Automatic finger detection; second int 0 or 1.
        case fingerDetection = -3
        /// Finger report; second int 0 (absent) or 1 (present).
        case finger = -4
        /// Device removed.
        case remove = -5
    }

    /// The header of two native-endian C ints.
    public static func header(_ first: Int32, _ second: Int32) -> [UInt8] {
        withUnsafeBytes(of: first) { Array($0) } + withUnsafeBytes(of: second) { Array($0) }
    }

    /// A complete image frame.
    public static func frame(_ image: FingerprintImage) -> [UInt8] {
        header(Int32(clamping: image.width), Int32(clamping: image.height)) + image.pixels
    }

    /// A command frame.
    public static func command(_ command: Command, _ argument: Int32) -> [UInt8] {
        header(command.rawValue, argument)
    }

    /// The bytes a step sends, or nil for steps that send nothing (`wait`, `reconnect`).
    public static func bytes(for step: FingerprintSimulatorStep) -> [UInt8]? {
        switch step {
        case .image(let image): return frame(image.render())
        case .truncated(let image, let bytes):
            let full = frame(image.render())
            // Always at least one pixel short, so the frame really is cut off.
            return Array(full.prefix(8 + max(0, min(bytes, full.count - 9))))
        case .retry(let reason): return command(.retry, Int32(reason.rawValue))
        case .error(let code): return command(.error, code)
        case .fingerDetection(let on): return command(.fingerDetection, on ? 1 : 0)
        case .finger(let present): return command(.finger, present ? 1 : 0)
        case .remove: return command(.remove, 0)
        case .wait, .reconnect: return nil
        }
    }
}
