import KitDrivers

/// One step of a scripted citizen at the libfprint virtual image device (libfprint 1.94
/// `drivers/virtual-image.c`): an image placed on the scanner, a command, or a pause.
///
/// On the wire every step is two native-endian C ints followed, for images, by width × height grey
/// bytes. A negative first int is a command: −1 retry (second int: `FpDeviceRetry` code), −2 error
/// (`FpDeviceError` code), −3 automatic finger detection off/on, −4 finger absent/present,
/// −5 device removed.
public enum FingerprintSimulatorStep: Equatable, Sendable {
    /// What kind of picture a synthetic image step shows.
    public enum Picture: Equatable, Sendable {
        /// A synthetic finger, good or with a capture fault.
        case finger(FingerprintSynthesizer.Defect)
        /// An image of 0 × 0 pixels (no pixel data at all).
        case empty
        /// A 1 × 5000 pixel strip.
        case sliver
    }

    /// An image: picture, generator seed, ridge pattern and size.
    case image(FingerprintSimulatorImage)
    /// The header and only `bytes` of an image's pixels, then the connection is closed.
    case truncated(FingerprintSimulatorImage, bytes: Int)
    /// Command −1: the scanner asks for a retry.
    case retry(FingerprintScanRetry)
    /// Command −2: the scanner fails with an `FpDeviceError` code (5 = protocol error).
    case error(code: Int32)
    /// Command −3: automatic finger detection on or off.
    case fingerDetection(Bool)
    /// Command −4: report the finger as present or absent.
    case finger(present: Bool)
    /// Command −5: the device is removed.
    case remove
    /// Pause before the next step.
    case wait(milliseconds: Int)
    /// Close the connection and connect again (unwedges the device after a broken frame).
    case reconnect

    /// True if the step ends one capture at the scanner (image, broken image, retry, error, removal).
    public var endsCapture: Bool {
        switch self {
        case .image, .truncated, .retry, .error, .remove: return true
        case .fingerDetection, .finger, .wait, .reconnect: return false
        }
    }
}

/// A synthetic image of a script (8-bit grey, 500 ppi as ISO/IEC 19794-4 level 31 expects),
/// generated deterministically by `FingerprintSynthesizer`.
public struct FingerprintSimulatorImage: Equatable, Sendable {
    /// What the image shows.
    public var picture: FingerprintSimulatorStep.Picture
    /// Generator seed.
    public var seed: UInt64
    /// Ridge pattern.
    public var pattern: FingerprintSynthesizer.Pattern
    /// Width in pixels (ignored for `.empty` and `.sliver`).
    public var width: Int
    /// Height in pixels (ignored for `.empty` and `.sliver`).
    public var height: Int

    /// Default size: a flat single-finger frame at 500 ppi (0.8 × 1.0 inch).
    public static let defaultWidth = 400
    /// Default height.
    public static let defaultHeight = 500

    /// Creates an image description.
    public init(
        picture: FingerprintSimulatorStep.Picture, seed: UInt64, pattern: FingerprintSynthesizer.Pattern = .loop,
        width: Int = defaultWidth, height: Int = defaultHeight
    ) {
        self.picture = picture
        self.seed = seed
        self.pattern = pattern
        self.width = width
        self.height = height
    }

    /// The pixels (same description, same pixels).
    public func render() -> FingerprintImage {
        switch picture {
        case .empty:
            return FingerprintImage(width: 0, height: 0, pixels: [])
        case .sliver:
            return FingerprintImage(width: 1, height: 5000, pixels: [UInt8](repeating: 128, count: 5000))
        case .finger(let defect):
            return FingerprintSynthesizer(width: width, height: height).generate(
                seed: seed, pattern: pattern, defect: defect)
        }
    }
}
