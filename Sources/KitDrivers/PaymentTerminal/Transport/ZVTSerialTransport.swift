import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// ZVT over RS-232 (ZVT spec rev. 13.x, serial transport annex): 9600 baud, 8 data bits, no
/// parity, 2 stop bits, raw mode; every APDU travels as `DLE STX … DLE ETX CRC-lo CRC-hi`
/// (`ZVTSerialFrame`), and the receiver answers each frame with one byte, ACK 0x06 or NAK 0x15.
///
/// `send` repeats a frame on NAK or when no ACK comes within `linkAcknowledgementTimeout`, up to
/// `maximumAttempts` times. `receive` answers good frames with ACK and damaged ones with NAK;
/// frames that arrive while `send` waits for its ACK are acknowledged and queued.
public actor ZVTSerialTransport: ZVTTransport {
    /// Line settings.
    public struct Configuration: Sendable, Equatable {
        /// Baud rate; ZVT terminals default to 9600.
        public var baudRate: Int
        /// How long to wait for ACK/NAK after a frame.
        public var linkAcknowledgementTimeout: Duration
        /// How often a frame is sent before giving up.
        public var maximumAttempts: Int
        /// How long a write may take.
        public var writeTimeout: Duration
        /// Largest accepted APDU.
        public var maximumFrameLength: Int

        public init(
            baudRate: Int = 9600, linkAcknowledgementTimeout: Duration = .seconds(1), maximumAttempts: Int = 3,
            writeTimeout: Duration = .seconds(5), maximumFrameLength: Int = ZVTAPDU.maximumEncodedLength
        ) {
            self.baudRate = baudRate
            self.linkAcknowledgementTimeout = linkAcknowledgementTimeout
            self.maximumAttempts = max(1, maximumAttempts)
            self.writeTimeout = writeTimeout
            self.maximumFrameLength = maximumFrameLength
        }
    }

    /// The serial device path (e.g. /dev/ttyUSB0), or a description for an adopted descriptor.
    public nonisolated let endpointDescription: String
    public let configuration: Configuration
    private let path: String?
    private var channel: ZVTPOSIXChannel?
    private var decoder: ZVTSerialFrameDecoder
    private var queuedFrames: [[UInt8]] = []
    private var operationRunning = false
    /// Frames rejected with NAK since the transport was created (checksum errors, bad escapes).
    public private(set) var rejectedFrameCount = 0
    /// Frames sent again after NAK or a missing ACK.
    public private(set) var repeatedFrameCount = 0

    public init(path: String, configuration: Configuration = Configuration()) {
        self.path = path
        self.endpointDescription = path
        self.configuration = configuration
        self.decoder = ZVTSerialFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
    }

    /// Wraps an open descriptor (e.g. the master side of a pty); the line settings are left as they are.
    public init(adopting descriptor: Int32, description: String, configuration: Configuration = Configuration()) {
        self.path = nil
        self.endpointDescription = description
        self.configuration = configuration
        self.decoder = ZVTSerialFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
        self.channel = ZVTPOSIXChannel(adopting: descriptor, isSocket: false)
    }

    public var isOpen: Bool { channel.map { !$0.isClosed } ?? false }

    public func open() async throws(ZVTTransportError) {
        if isOpen { return }
        guard let path else { throw .notOpen }
        let descriptor = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpenDevice(path: path, errno: errno) }
        do {
            try Self.configureLine(descriptor, baudRate: configuration.baudRate)
        } catch {
            _ = Glibc.close(descriptor)
            throw .lineSetupFailed(path: path, errno: error.code)
        }
        channel = ZVTPOSIXChannel(adopting: descriptor, isSocket: false)
        decoder = ZVTSerialFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
        queuedFrames = []
    }

    public func send(_ apdu: [UInt8]) async throws(ZVTTransportError) {
        guard let channel, !channel.isClosed else { throw .notOpen }
        guard !operationRunning else { throw .busy }
        operationRunning = true
        defer { operationRunning = false }
        let frame = ZVTSerialFrame.encode(apdu)
        for attempt in 1...configuration.maximumAttempts {
            if attempt > 1 { repeatedFrameCount += 1 }
            try await write(frame, on: channel)
            let deadline = ContinuousClock.now.advanced(by: configuration.linkAcknowledgementTimeout)
            waiting: while true {
                let event = try await nextEvent(on: channel, until: deadline)
                switch event {
                case .none: break waiting
                case .ack?: return
                case .nak?: break waiting
                case .frame(let received)?:
                    try await write([ZVTSerialFrame.ack], on: channel)
                    queuedFrames.append(received)
                case .rejected?:
                    rejectedFrameCount += 1
                    try await write([ZVTSerialFrame.nak], on: channel)
                }
            }
        }
        throw .linkNotAcknowledged(attempts: configuration.maximumAttempts)
    }

    public func receive(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]? {
        guard let channel, !channel.isClosed else { throw .notOpen }
        if !queuedFrames.isEmpty { return queuedFrames.removeFirst() }
        guard !operationRunning else { throw .busy }
        operationRunning = true
        defer { operationRunning = false }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            switch try await nextEvent(on: channel, until: deadline) {
            case .none: return nil
            case .frame(let received)?:
                try await write([ZVTSerialFrame.ack], on: channel)
                return received
            case .rejected?:
                rejectedFrameCount += 1
                try await write([ZVTSerialFrame.nak], on: channel)
            case .ack?, .nak?:
                continue  // late answer to a frame already given up on
            }
        }
    }

    public func close() {
        channel?.close()
        channel = nil
        queuedFrames = []
        decoder = ZVTSerialFrameDecoder(maximumFrameLength: configuration.maximumFrameLength)
    }

    // MARK: - Helpers

    private func nextEvent(on channel: ZVTPOSIXChannel, until deadline: ContinuousClock.Instant)
        async throws(ZVTTransportError) -> ZVTSerialEvent?
    {
        while true {
            if let event = decoder.nextEvent() { return event }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            switch await channel.read(timeout: remaining) {
            case .bytes(let bytes): decoder.feed(bytes)
            case .timeout: return nil
            case .endOfStream:
                close()
                throw .connectionClosed(endpoint: endpointDescription)
            case .closed: throw .notOpen
            case .cancelled: throw .cancelled
            case .failure(let code):
                close()
                throw .ioFailure(operation: "receive", errno: code)
            }
        }
    }

    private func write(_ bytes: [UInt8], on channel: ZVTPOSIXChannel) async throws(ZVTTransportError) {
        switch await channel.write(bytes, timeout: configuration.writeTimeout) {
        case .written: return
        case .timeout: throw .writeTimeout(milliseconds: ZVTECRSession.milliseconds(configuration.writeTimeout))
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

    /// An errno from `tcgetattr`/`tcsetattr`.
    public struct ZVTLineSetupError: Error, Sendable {
        public let code: Int32
    }

    /// Puts a terminal device into raw mode, 8 data bits, no parity, 2 stop bits, no flow control,
    /// at the given baud rate (9600 unless the terminal is configured otherwise).
    public static func configureLine(_ descriptor: Int32, baudRate: Int = 9600) throws(ZVTLineSetupError) {
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { throw ZVTLineSetupError(code: errno) }
        cfmakeraw(&settings)
        settings.c_cflag &= ~(tcflag_t(PARENB) | tcflag_t(CSIZE) | tcflag_t(CRTSCTS))
        settings.c_cflag |= tcflag_t(CS8) | tcflag_t(CSTOPB) | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        withUnsafeMutableBytes(of: &settings.c_cc) { bytes in
            if Int(VMIN) < bytes.count { bytes[Int(VMIN)] = 0 }
            if Int(VTIME) < bytes.count { bytes[Int(VTIME)] = 0 }
        }
        let speed = Self.speed(for: baudRate)
        guard cfsetispeed(&settings, speed) == 0, cfsetospeed(&settings, speed) == 0 else {
            throw ZVTLineSetupError(code: errno)
        }
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else { throw ZVTLineSetupError(code: errno) }
        _ = tcflush(descriptor, TCIOFLUSH)
    }

    static func speed(for baudRate: Int) -> speed_t {
        switch baudRate {
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115_200: return speed_t(B115200)
        default: return speed_t(B9600)
        }
    }
}
