import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The client end of the libfprint virtual image device's Unix stream socket (libfprint 1.94
/// `drivers/virtual-image.c`). Blocking socket calls
/// run on their own short-lived thread, never on the Swift concurrency pool, and every send is
/// bounded by a 5 s send timeout, so a scanner that stops reading cannot hang the simulator.
///
/// `@unchecked Sendable`: the descriptor is guarded by `lock`.
public final class FingerprintVirtualImageConnection: @unchecked Sendable {
    /// Socket path (the value of `FP_VIRTUAL_IMAGE`).
    public let path: String
    private let lock = NSLock()
    private var descriptor: Int32 = -1

    /// Creates an unconnected client for `path`.
    public init(path: String) {
        self.path = path
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    /// True while connected.
    public var isConnected: Bool { lock.withLock { descriptor >= 0 } }

    /// Connects, retrying every 50 ms until the scanner listens or `timeout` has passed.
    public func connect(timeout: Duration = .seconds(10)) async throws(FingerprintSimulatorError) {
        close()
        let path = self.path
        guard path.utf8.count < 108 else { throw .socketPathTooLong(path) }
        let deadline = ContinuousClock.now + timeout
        var lastError: Int32 = 0
        while true {
            let result = await FingerprintBlockingCall.run { Self.open(path) }
            switch result {
            case .success(let fd):
                lock.withLock { descriptor = fd }
                return
            case .failure(let error):
                lastError = error.code
            }
            if ContinuousClock.now >= deadline { throw .connectFailed(path: path, errno: lastError) }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Sends all of `bytes`.
    public func send(_ bytes: [UInt8]) async throws(FingerprintSimulatorError) {
        let fd = lock.withLock { descriptor }
        guard fd >= 0 else { throw .writeFailed(errno: EBADF) }
        let result = await FingerprintBlockingCall.run { Self.write(bytes, to: fd) }
        if case .failure(let error) = result {
            close()
            throw .writeFailed(errno: error.code)
        }
    }

    /// Hangs up.
    public func close() {
        let fd: Int32 = lock.withLock {
            let fd = descriptor
            descriptor = -1
            return fd
        }
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    private static func open(_ path: String) -> Result<Int32, FingerprintSocketErrno> {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(FingerprintSocketErrno(errno)) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            return .failure(FingerprintSocketErrno(code))
        }
        return .success(fd)
    }

    private static func write(_ bytes: [UInt8], to fd: Int32) -> Result<Void, FingerprintSocketErrno> {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return .failure(FingerprintSocketErrno(errno))
            }
            offset += sent
        }
        return .success(())
    }
}

/// An errno value as an `Error` for `Result`.
struct FingerprintSocketErrno: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

/// Runs a blocking call on a dedicated thread and resumes the awaiting task with its result.
enum FingerprintBlockingCall {
    static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Result<Value, FingerprintSocketErrno>) async
        -> Result<Value, FingerprintSocketErrno>
    {
        await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Value, FingerprintSocketErrno>, Never>) in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = "kit-sim-fingerprint-io"
            thread.start()
        }
    }
}
