import CFPrint
import Foundation

/// A GLib object pointer handed between the loop thread and Swift tasks. Only dereferenced on the
/// loop thread; `@unchecked Sendable` because the pointer itself is just an address.
struct LibfprintPointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer

    init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }

    var device: UnsafeMutablePointer<FpDevice> { raw.assumingMemoryBound(to: FpDevice.self) }
    var context: UnsafeMutablePointer<FpContext> { raw.assumingMemoryBound(to: FpContext.self) }
    var cancellable: UnsafeMutablePointer<GCancellable> { raw.assumingMemoryBound(to: GCancellable.self) }
}

/// Turns libfprint's `GError`s into `FingerprintScannerError` (libfprint 1.94 `FpDeviceError`,
/// `FpDeviceRetry`; GIO's `G_IO_ERROR_CANCELLED` for cancelled operations).
enum LibfprintErrors {
    static let removedCode = 0x100
    static let tooHotCode = 0x101

    /// Maps and frees `error`. A cancellation caused by our own timeout becomes `.timeout`.
    static func take(
        _ error: UnsafeMutablePointer<GError>?, operation: String, timedOut: Bool, seconds: Double
    ) -> FingerprintScannerError {
        guard let error else { return .library(domain: "unknown", code: -1, message: "no error details") }
        defer { g_error_free(error) }
        let domain = error.pointee.domain
        let code = Int(error.pointee.code)
        let message = error.pointee.message.map { String(cString: $0) } ?? ""
        if domain == g_io_error_quark(), code == Int(G_IO_ERROR_CANCELLED.rawValue) {
            return timedOut ? .timeout(operation: operation, seconds: seconds) : .cancelled
        }
        if domain == fp_device_retry_quark() {
            return .retry(FingerprintScanRetry(rawValue: code) ?? .general)
        }
        if domain == fp_device_error_quark() {
            switch code {
            case removedCode: return .deviceRemoved
            case tooHotCode: return .tooHot
            case Int(FP_DEVICE_ERROR_PROTO.rawValue): return .communication(message: message)
            case Int(FP_DEVICE_ERROR_BUSY.rawValue): return .busy
            case Int(FP_DEVICE_ERROR_NOT_SUPPORTED.rawValue): return .captureNotSupported(driver: message)
            default: return .deviceError(code: code, message: message)
            }
        }
        let domainName = g_quark_to_string(domain).map { String(cString: $0) } ?? "\(domain)"
        return .library(domain: domainName, code: code, message: message)
    }

    /// Milliseconds of a duration, clamped to what GLib timers accept.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return Int(max(0, min(Double(Int32.max), total.rounded(.up))))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Watches one libfprint device for removal and finger-status changes (GObject "notify::removed",
/// "notify::finger-status") and forwards them to the running capture.
///
/// `@unchecked Sendable`: the notify callbacks arrive on the loop thread, readers are Swift tasks;
/// all state is guarded by `lock`.
final class LibfprintDeviceMonitor: @unchecked Sendable {
    private let lock = NSLock()
    private var removedFlag = false
    private var status: UInt32 = 0
    private var handler: (@Sendable (FingerprintScannerEvent) -> Void)?

    var removed: Bool { lock.withLock { removedFlag } }

    func setHandler(_ handler: (@Sendable (FingerprintScannerEvent) -> Void)?) {
        lock.withLock { self.handler = handler }
    }

    func markRemoved() {
        lock.withLock { removedFlag = true }
    }

    /// Turns a new set of `FpFingerStatusFlags` into events.
    func fingerStatusChanged(_ flags: UInt32) {
        let needed = FP_FINGER_STATUS_NEEDED.rawValue
        let present = FP_FINGER_STATUS_PRESENT.rawValue
        let (events, handler): ([FingerprintScannerEvent], (@Sendable (FingerprintScannerEvent) -> Void)?) =
            lock.withLock {
                let old = status
                status = flags
                var events: [FingerprintScannerEvent] = []
                if flags & needed != 0, old & needed == 0 { events.append(.waitingForFinger) }
                if flags & present != 0, old & present == 0 { events.append(.fingerPresent) }
                if flags & present == 0, old & present != 0 { events.append(.fingerRemoved) }
                return (events, self.handler)
            }
        guard let handler else { return }
        for event in events { handler(event) }
    }
}
