import CFPrint
import Foundation

/// The thread that runs GLib's global default main context for libfprint.
///
/// libfprint is GObject based and asynchronous: its callbacks, timeouts and cancellations are
/// dispatched by a GLib main context, and libfprint 1.94 attaches some of them (the idle source that
/// carries out a cancellation) to the *global default* context, whatever context the caller uses.
/// So exactly one thread per process must iterate that default context: this one. It starts on first
/// use and runs for the life of the process (it sleeps in `poll` while idle). Every libfprint call is
/// queued onto it with `perform`; no other thread touches libfprint objects.
///
/// `@unchecked Sendable`: the GLib pointers are used only through GLib's thread-safe calls
/// (`g_source_attach`, `g_main_context_wakeup`) or on the loop thread itself.
final class LibfprintMainLoop: @unchecked Sendable {
    /// The process-wide loop.
    static let shared = LibfprintMainLoop()

    private let context: OpaquePointer?
    private let loop: OpaquePointer?

    private init() {
        let context = g_main_context_default()
        self.context = context
        self.loop = g_main_loop_new(context, 0)
        let thread = Thread { [self] in self.serve() }
        thread.name = "libfprint-glib"
        thread.start()
    }

    private func serve() {
        guard let loop else { return }
        g_main_loop_run(loop)
    }

    /// True if the loop could be created.
    var isAvailable: Bool { context != nil && loop != nil }

    /// Queues `body` to run on the loop thread; returns false if GLib is unusable.
    @discardableResult
    func perform(_ body: @escaping @Sendable () -> Void) -> Bool {
        attach(g_idle_source_new(), priority: 0, body) != 0
    }

    /// Runs `body` on the loop thread after `milliseconds`; returns a source id for `cancelTimer`, 0 on failure.
    @discardableResult
    func addTimer(milliseconds: Int, _ body: @escaping @Sendable () -> Void) -> UInt32 {
        attach(g_timeout_source_new(UInt32(clamping: max(0, milliseconds))), priority: 0, body)
    }

    /// Removes a timer that has not fired yet (loop thread only).
    func cancelTimer(_ id: UInt32) {
        guard id != 0, let source = g_main_context_find_source_by_id(context, id) else { return }
        g_source_destroy(source)
    }

    private func attach(
        _ source: UnsafeMutablePointer<GSource>?, priority: Int32, _ body: @escaping @Sendable () -> Void
    )
        -> UInt32
    {
        guard let source, let context else { return 0 }
        let box = Unmanaged.passRetained(LibfprintClosureBox(body)).toOpaque()
        g_source_set_priority(source, priority)
        g_source_set_callback(
            source,
            { data in
                if let data { Unmanaged<LibfprintClosureBox>.fromOpaque(data).takeUnretainedValue().body() }
                return 0  // G_SOURCE_REMOVE: run once
            }, box,
            { data in
                if let data { Unmanaged<LibfprintClosureBox>.fromOpaque(data).release() }
            })
        let id = g_source_attach(source, context)
        g_source_unref(source)
        return id
    }
}

/// Carries a Swift closure through a C `void *`.
final class LibfprintClosureBox: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Carries the completion of a GIO-style asynchronous call (`GAsyncReadyCallback`) through a C `void *`.
final class LibfprintAsyncCompletion: @unchecked Sendable {
    let body: (OpaquePointer?) -> Void
    init(_ body: @escaping (OpaquePointer?) -> Void) { self.body = body }

    /// The C callback to pass with `Unmanaged.passRetained(completion).toOpaque()` as user data.
    static let callback: GAsyncReadyCallback = { _, result, data in
        guard let data else { return }
        Unmanaged<LibfprintAsyncCompletion>.fromOpaque(data).takeRetainedValue().body(result)
    }
}
