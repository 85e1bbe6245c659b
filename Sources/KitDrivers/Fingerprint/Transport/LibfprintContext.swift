import CFPrint
import Foundation

/// The libfprint library (libfprint 2, `FpContext`) with its own GLib main loop thread: lists the
/// attached fingerprint scanners and hands out `LibfprintScanner`s for them.
///
/// libfprint enumerates devices once per context, on the first `scanners()` call: USB devices through
/// GUsb, and its built-in development devices through their environment variables (for example
/// `FP_VIRTUAL_IMAGE=/path/socket` adds the `virtual_image` driver). Such variables must be set before
/// that first call. Close all scanners before `shutdown()`.
public final class LibfprintContext: Sendable {
    let loop: LibfprintMainLoop
    let context: LibfprintPointer
    private let hotplug = LibfprintHotplugRegistry()

    private init(loop: LibfprintMainLoop, context: LibfprintPointer) {
        self.loop = loop
        self.context = context
    }

    /// Starts the GLib loop thread (once per process) and creates the libfprint context on it.
    public static func create() async throws(FingerprintScannerError) -> LibfprintContext {
        let loop = LibfprintMainLoop.shared
        guard loop.isAvailable else { throw .libraryUnavailable("GLib main loop") }
        let call = LibfprintPendingCall<LibfprintPointer>()
        let queued = loop.perform {
            guard let context = fp_context_new() else {
                call.finish(.failure(.libraryUnavailable("libfprint context")))
                return
            }
            call.finish(.success(LibfprintPointer(UnsafeMutableRawPointer(context))))
        }
        guard queued else { throw .libraryUnavailable("GLib main loop") }
        return LibfprintContext(loop: loop, context: try await call.wait().get())
    }

    /// The attached scanners (enumerates on the first call).
    public func scanners() async -> [FingerprintScannerInfo] {
        let call = LibfprintPendingCall<[FingerprintScannerInfo]>()
        let context = self.context
        let queued = loop.perform {
            var found: [FingerprintScannerInfo] = []
            for device in Self.devices(of: context) {
                found.append(Self.describe(device))
            }
            call.finish(.success(found))
        }
        guard queued else { return [] }
        return (try? await call.wait().get()) ?? []
    }

    /// A scanner object for `info`; call `open()` on it.
    public func scanner(_ info: FingerprintScannerInfo) -> LibfprintScanner {
        LibfprintScanner(info: info, library: self)
    }

    /// The first scanner that can deliver images.
    public func firstImageScanner() async throws(FingerprintScannerError) -> LibfprintScanner {
        let all = await scanners()
        guard let info = all.first(where: { $0.canCapture }) else {
            if let other = all.first { throw .captureNotSupported(driver: other.driver) }
            throw .noScanner
        }
        return scanner(info)
    }

    /// Scanners being attached and detached: attachment from libfprint's `FpContext` "device-added",
    /// detachment from each device's "removed" property, which libfprint sets at once, even while the
    /// device is open (the context itself reports an open device only after a close, and libfprint
    /// 1.94 refuses to close a removed device). Ends when the consumer stops or the context shuts down.
    public func hotplugEvents() -> AsyncStream<FingerprintScannerHotplug> {
        let (stream, continuation) = AsyncStream.makeStream(of: FingerprintScannerHotplug.self)
        let context = self.context
        let loop = self.loop
        let registry = hotplug
        let watch = LibfprintHotplugWatch(continuation)
        let queued = loop.perform {
            guard registry.add(watch) else {
                continuation.finish()
                return
            }
            watch.start(context)
            continuation.onTermination = { _ in
                loop.perform { watch.stop(context, contextAlive: registry.isOpen) }
            }
        }
        if !queued { continuation.finish() }
        return stream
    }

    /// Releases the libfprint context (the GLib loop thread stays for the next context).
    public func shutdown() async {
        let context = self.context
        let registry = hotplug
        let call = LibfprintPendingCall<Bool>()
        guard
            loop.perform({
                for watch in registry.close() { watch.stop(context, contextAlive: true) }
                g_object_unref(context.raw)
                call.finish(.success(true))
            })
        else { return }
        _ = await call.wait()
    }

    /// Devices of the context (loop thread only).
    static func devices(of context: LibfprintPointer) -> [LibfprintPointer] {
        guard let array = fp_context_get_devices(context.context), let data = array.pointee.pdata else { return [] }
        var result: [LibfprintPointer] = []
        for index in 0..<Int(array.pointee.len) {
            if let device = data[index] { result.append(LibfprintPointer(device)) }
        }
        return result
    }

    /// Describes a device (loop thread only).
    static func describe(_ device: LibfprintPointer) -> FingerprintScannerInfo {
        let pointer = device.device
        let features = fp_device_get_features(pointer).rawValue
        return FingerprintScannerInfo(
            backend: "libfprint",
            driver: fp_device_get_driver(pointer).map { String(cString: $0) } ?? "unknown",
            deviceID: fp_device_get_device_id(pointer).map { String(cString: $0) } ?? "",
            name: fp_device_get_name(pointer).map { String(cString: $0) } ?? "",
            scanType: fp_device_get_scan_type(pointer) == FP_SCAN_TYPE_SWIPE ? .swipe : .press,
            canCapture: features & FP_DEVICE_FEATURE_CAPTURE.rawValue != 0)
    }
}
