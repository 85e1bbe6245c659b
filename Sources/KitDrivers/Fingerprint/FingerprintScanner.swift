/// A fingerprint scanner as the kit drives it, independent of the backend (libfprint today, a
/// vendor SDK later). Life cycle after UnifiedPOS 1.16 §"Device states": `open` finds the device,
/// `claim` takes it exclusively, `enable` allows captures; `disable`, `release`, `close` undo them.
/// A capture waits for a finger until the timeout and returns a flat 8-bit grey image at 500 ppi
/// (ISO/IEC 19794-4 acquisition level 31).
public protocol FingerprintScanner: Actor {
    /// What the scanner is.
    var info: FingerprintScannerInfo { get }
    /// Life-cycle state.
    var state: DeviceState { get }
    /// Power state.
    var power: DevicePower { get }
    /// Operation counters.
    var statistics: FingerprintScannerStatistics { get }

    /// Finds the device; no exclusive access yet.
    func open() async throws(FingerprintScannerError)
    /// Takes exclusive access (opens the device's USB interface).
    func claim(timeout: Duration) async throws(FingerprintScannerError)
    /// Allows captures.
    func enable() async throws(FingerprintScannerError)
    /// Waits up to `timeout` for a finger and returns its image. `events` (called from the backend's
    /// thread, keep it short) reports when the scanner is ready for the finger and when it sees it.
    func capture(
        timeout: Duration, events: (@Sendable (FingerprintScannerEvent) -> Void)?
    ) async throws(FingerprintScannerError) -> FingerprintScan
    /// Stops allowing captures.
    func disable() async
    /// Gives up exclusive access.
    func release() async
    /// Forgets the device.
    func close() async
    /// Checks the scanner; `.interactive` takes a capture and needs a finger.
    func checkHealth(_ level: FingerprintHealthLevel) async -> FingerprintHealthReport
}

/// Describes one attached scanner (libfprint: `fp_device_get_driver`, `_get_device_id`, `_get_name`).
public struct FingerprintScannerInfo: Sendable, Equatable, Codable {
    /// How the finger is presented.
    public enum ScanType: String, Sendable, Codable {
        /// The finger is placed flat on the sensor (what ID-document capture needs).
        case press
        /// The finger is swiped over a line sensor.
        case swipe
    }

    /// Backend name ("libfprint").
    public var backend: String
    /// Driver identifier (libfprint driver id, e.g. "uru4000", "virtual_image").
    public var driver: String
    /// Device identifier, unique among the attached devices of one driver.
    public var deviceID: String
    /// Human-readable product name.
    public var name: String
    /// How the finger is presented.
    public var scanType: ScanType
    /// True if the scanner can hand out images (needed for WSQ/ISO 19794-4).
    public var canCapture: Bool

    /// Creates a description.
    public init(
        backend: String, driver: String, deviceID: String, name: String, scanType: ScanType, canCapture: Bool
    ) {
        self.backend = backend
        self.driver = driver
        self.deviceID = deviceID
        self.name = name
        self.scanType = scanType
        self.canCapture = canCapture
    }

    /// Identifier stable while the device stays attached: "driver/deviceID".
    public var id: String { "\(driver)/\(deviceID)" }
}

/// What the scanner reports while a capture runs (libfprint "finger-status" flags).
public enum FingerprintScannerEvent: String, Sendable, Equatable, Codable {
    /// The scanner is ready and waits for the finger: tell the citizen to place it now.
    case waitingForFinger
    /// The scanner sees a finger.
    case fingerPresent
    /// The finger was lifted.
    case fingerRemoved
}

/// One image from the scanner, at the 500 ppi of ISO/IEC 19794-4:2005 acquisition level 31.
public struct FingerprintScan: Sendable, Equatable {
    /// The image, 8-bit grey, 500 ppi.
    public var image: FingerprintImage
    /// Resolution the scanner reported, in pixels per inch (before any resampling).
    public var deviceResolution: Double
    /// True if the image was resampled from `deviceResolution` to 500 ppi.
    public var resampled: Bool

    /// Creates a scan.
    public init(image: FingerprintImage, deviceResolution: Double, resampled: Bool) {
        self.image = image
        self.deviceResolution = deviceResolution
        self.resampled = resampled
    }
}
