import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// ZVT over TCP/IP (ZVT spec rev. 13.x, TCP/IP transport): bare APDUs, no DLE framing, no
/// checksum, default port 20007. Frames that arrive split are reassembled by `ZVTFrameDecoder`;
/// a frame longer than `maximumFrameLength` closes the connection, because the stream cannot be
/// resynchronised after it.
public actor ZVTTCPTransport: ZVTTransport {
    /// The ZVT default port.
    public static let defaultPort: UInt16 = 20007

    /// Connection settings.
    public struct Configuration: Sendable, Equatable {
        /// Host name or address of the terminal.
        public var host: String
        /// TCP port (20007 by default; Feig cVEND uses 22000).
        public var port: UInt16
        /// How long to try to connect.
        public var connectTimeout: Duration
        /// How long a write may take.
        public var writeTimeout: Duration
        /// Largest accepted APDU.
        public var maximumFrameLength: Int

        public init(
            host: String, port: UInt16 = ZVTTCPTransport.defaultPort, connectTimeout: Duration = .seconds(3),
            writeTimeout: Duration = .seconds(5), maximumFrameLength: Int = ZVTAPDU.maximumEncodedLength
        ) {
            self.host = host
            self.port = port
            self.connectTimeout = connectTimeout
            self.writeTimeout = writeTimeout
            self.maximumFrameLength = maximumFrameLength
        }
    }

    public let configuration: Configuration
    public nonisolated let endpointDescription: String
    private var channel: ZVTPOSIXChannel?
    private var decoder: ZVTFrameDecoder
    private var receiving = false
    /// Whether this transport may reconnect (false for an adopted, already connected socket).
    private let canConnect: Bool

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.endpointDescription = Self.endpoint(configuration.host, configuration.port)
        self.decoder = ZVTFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
        self.canConnect = true
    }

    public init(host: String, port: UInt16 = ZVTTCPTransport.defaultPort) {
        self.init(configuration: Configuration(host: host, port: port))
    }

    /// Wraps a socket that is already connected (e.g. accepted by a listener); it cannot reconnect.
    public init(adoptingConnectedSocket descriptor: Int32, peer: String, configuration: Configuration) {
        self.configuration = configuration
        self.endpointDescription = peer
        self.decoder = ZVTFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
        self.channel = ZVTPOSIXChannel(adopting: descriptor, isSocket: true)
        self.canConnect = false
    }

    public var isOpen: Bool { channel.map { !$0.isClosed } ?? false }

    public func open() async throws(ZVTTransportError) {
        if isOpen { return }
        guard canConnect else { throw .notOpen }
        let configuration = self.configuration
        let result = await ZVTPOSIXChannel.runBlocking { Self.connect(configuration) }
        let descriptor = try result.get()
        channel = ZVTPOSIXChannel(adopting: descriptor, isSocket: true)
        decoder = ZVTFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
    }

    public func send(_ apdu: [UInt8]) async throws(ZVTTransportError) {
        guard let channel, !channel.isClosed else { throw .notOpen }
        switch await channel.write(apdu, timeout: configuration.writeTimeout) {
        case .written: return
        case .timeout:
            throw .writeTimeout(milliseconds: ZVTECRSession.milliseconds(configuration.writeTimeout))
        case .endOfStream:
            close()
            throw .connectionClosed(endpoint: endpointDescription)
        case .closed: throw .notOpen
        case .cancelled: throw .cancelled
        case .failure(let code):
            close()
            throw .ioFailure(operation: "send", errno: code)
        }
    }

    public func receive(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]? {
        guard let channel, !channel.isClosed else { throw .notOpen }
        guard !receiving else { throw .busy }
        receiving = true
        defer { receiving = false }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            do {
                if let frame = try decoder.nextFrame() { return frame }
            } catch {
                close()
                throw .framing(error)
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            switch await channel.read(timeout: remaining) {
            case .bytes(let bytes):
                decoder.feed(bytes)
            case .timeout:
                return nil
            case .endOfStream:
                let leftover = decoder.bufferedByteCount
                close()
                if leftover > 0 { throw .framing(.leftoverBytes(count: leftover)) }
                throw .connectionClosed(endpoint: endpointDescription)
            case .closed:
                throw .notOpen
            case .cancelled:
                throw .cancelled
            case .failure(let code):
                close()
                throw .ioFailure(operation: "receive", errno: code)
            }
        }
    }

    public func close() {
        channel?.close()
        channel = nil
        decoder = ZVTFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
    }

    // MARK: - Connecting

    static func endpoint(_ host: String, _ port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Resolves and connects with a deadline; blocking, run off the cooperative pool.
    static func connect(_ configuration: Configuration) -> Result<Int32, ZVTTransportError> {
        let endpoint = endpoint(configuration.host, configuration.port)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(configuration.host, String(configuration.port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "code \(status)"
            return .failure(.unreachable(endpoint: endpoint, reason: "name resolution failed: \(reason)"))
        }
        defer { freeaddrinfo(list) }
        let deadline = ContinuousClock.now.advanced(by: configuration.connectTimeout)
        var lastReason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            switch attempt(current.pointee, deadline: deadline) {
            case .success(let descriptor): return .success(descriptor)
            case .failure(let failure): lastReason = failure.reason
            }
        }
        return .failure(.unreachable(endpoint: endpoint, reason: lastReason))
    }

    private struct ZVTConnectFailure: Error {
        let reason: String
    }

    private static func attempt(_ info: addrinfo, deadline: ContinuousClock.Instant) -> Result<Int32, ZVTConnectFailure>
    {
        let descriptor = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard descriptor >= 0 else { return .failure(ZVTConnectFailure(reason: ZVTTransportError.text(errno))) }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if Glibc.connect(descriptor, info.ai_addr, info.ai_addrlen) == 0 { return .success(descriptor) }
        guard errno == EINPROGRESS else {
            let reason = ZVTTransportError.text(errno)
            _ = Glibc.close(descriptor)
            return .failure(ZVTConnectFailure(reason: reason))
        }
        while true {
            let now = ContinuousClock.now
            guard now < deadline else {
                _ = Glibc.close(descriptor)
                return .failure(ZVTConnectFailure(reason: "connect timed out"))
            }
            var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let slice = Int32(min(ZVTECRSession.milliseconds(deadline - now), 50))
            let ready = poll(&entry, 1, max(slice, 0))
            if ready < 0 && errno != EINTR {
                let reason = ZVTTransportError.text(errno)
                _ = Glibc.close(descriptor)
                return .failure(ZVTConnectFailure(reason: reason))
            }
            guard ready > 0 else { continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                _ = Glibc.close(descriptor)
                return .failure(ZVTConnectFailure(reason: ZVTTransportError.text(error)))
            }
            return .success(descriptor)
        }
    }
}
