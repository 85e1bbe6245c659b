import CFPrint
import KitFingerprintShims

/// A scanner attached to or detached from the kit (libfprint `FpContext` "device-added", `FpDevice`
/// "removed").
public enum FingerprintScannerHotplug: Sendable, Equatable {
    /// A scanner appeared.
    case attached(FingerprintScannerInfo)
    /// A scanner disappeared.
    case detached(FingerprintScannerInfo)
}

/// The hotplug streams of a context, so that shutdown can end them (loop thread only, hence
/// `@unchecked Sendable`).
final class LibfprintHotplugRegistry: @unchecked Sendable {
    private var closed = false
    private var watches: [LibfprintHotplugWatch] = []

    /// Adds a stream; false once the context is shut down.
    func add(_ watch: LibfprintHotplugWatch) -> Bool {
        guard !closed else { return false }
        watches.append(watch)
        return true
    }

    /// True while the context is alive.
    var isOpen: Bool { !closed }

    /// Marks the context as gone and returns the streams to stop.
    func close() -> [LibfprintHotplugWatch] {
        closed = true
        defer { watches = [] }
        return watches
    }
}

/// One hotplug stream: its signal connections and the devices it watches (each with a reference, so
/// none goes away while connected). Loop thread only, hence `@unchecked Sendable`.
final class LibfprintHotplugWatch: @unchecked Sendable {
    private let continuation: AsyncStream<FingerprintScannerHotplug>.Continuation
    private var contextHandler: UInt = 0
    private var devices: [(device: LibfprintPointer, handler: UInt)] = []
    private var detached: Set<UnsafeMutableRawPointer> = []
    private var stopped = false

    init(_ continuation: AsyncStream<FingerprintScannerHotplug>.Continuation) {
        self.continuation = continuation
    }

    /// Connects to the context and to the devices it already has.
    func start(_ context: LibfprintPointer) {
        contextHandler = UInt(
            kit_fprint_connect_context_device(
                context.context, "device-added",
                { _, device, data in
                    guard let device, let data else { return }
                    let watch = Unmanaged<LibfprintHotplugWatch>.fromOpaque(data).takeUnretainedValue()
                    let pointer = LibfprintPointer(UnsafeMutableRawPointer(device))
                    watch.continuation.yield(.attached(LibfprintContext.describe(pointer)))
                    watch.track(pointer)
                }, Unmanaged.passRetained(self).toOpaque(),
                { data in
                    if let data { Unmanaged<LibfprintHotplugWatch>.fromOpaque(data).release() }
                }))
        for device in LibfprintContext.devices(of: context) { track(device) }
    }

    private func track(_ device: LibfprintPointer) {
        guard !stopped, !devices.contains(where: { $0.device.raw == device.raw }) else { return }
        g_object_ref(device.raw)
        let handler = kit_fprint_connect_notify(
            device.raw, "removed",
            { object, _, data in
                // The "removed" property only ever changes from FALSE to TRUE.
                guard let object, let data else { return }
                let watch = Unmanaged<LibfprintHotplugWatch>.fromOpaque(data).takeUnretainedValue()
                watch.deviceRemoved(LibfprintPointer(UnsafeMutableRawPointer(object)))
            }, Unmanaged.passRetained(self).toOpaque(),
            { data in
                if let data { Unmanaged<LibfprintHotplugWatch>.fromOpaque(data).release() }
            })
        devices.append((device, UInt(handler)))
    }

    private func deviceRemoved(_ device: LibfprintPointer) {
        guard !stopped, detached.insert(device.raw).inserted else { return }
        continuation.yield(.detached(LibfprintContext.describe(device)))
    }

    /// Disconnects everything and ends the stream (idempotent).
    func stop(_ context: LibfprintPointer, contextAlive: Bool) {
        guard !stopped else { return }
        stopped = true
        if contextAlive, contextHandler != 0 { g_signal_handler_disconnect(context.raw, gulong(contextHandler)) }
        for (device, handler) in devices {
            g_signal_handler_disconnect(device.raw, gulong(handler))
            g_object_unref(device.raw)
        }
        devices = []
        continuation.finish()
    }
}
