import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Returns freed heap memory to the system at an interval (glibc `malloc_trim(0)`).
///
/// glibc keeps memory freed by closed connections in its arenas; after a burst of thousands of
/// connections the resident size would otherwise stay near its peak. The systemd unit also sets
/// `MALLOC_ARENA_MAX=2` so that fewer arenas hold on to memory in the first place.
struct MemoryTrimService: Service {
    let interval: Duration
    let logger: Logger

    func run() async throws {
        guard let trim = Self.mallocTrim else { return }
        let interval = self.interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            _ = trim(0)
        }
    }

    /// glibc's `malloc_trim`, looked up at run time (it is not in the Glibc module's headers).
    static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()

    /// Trims once now (tests, and after the server stops).
    static func trimNow() {
        _ = mallocTrim?(0)
    }
}
