import KitDrivers

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal side of one link to an ECR (ZVT spec rev. 13.x transport chapters): whole APDUs
/// in and out, with raw access for the simulator's faults (split writes, line noise).
protocol ZVTSimulatorLink: Actor {
    /// The next APDU from the ECR, `nil` after `timeout`.
    func receiveFrame(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]?
    /// Sends one APDU; `split` writes it in small pieces with pauses.
    func sendFrame(_ apdu: [UInt8], split: Bool) async throws(ZVTTransportError)
    /// Serial: bytes outside any frame and a frame with a wrong checksum. TCP: nothing.
    func sendLineNoise(_ bytes: [UInt8]) async throws(ZVTTransportError)
    /// Drops the link.
    func close()
    /// Simulates a broken connection; true when the link is gone (TCP), false when the line
    /// merely falls silent (serial: a pulled cable is only noticed by timeouts).
    func breakConnection() -> Bool
}

extension ZVTPOSIXChannel {
    /// Writes `bytes` whole, or in three-byte pieces two milliseconds apart.
    func simulatorWrite(_ bytes: [UInt8], split: Bool) async throws(ZVTTransportError) {
        guard split else { return try check(await write(bytes, timeout: .seconds(5))) }
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + 3, bytes.count)
            try check(await write(Array(bytes[offset..<end]), timeout: .seconds(5)))
            offset = end
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    private func check(_ result: WriteResult) throws(ZVTTransportError) {
        switch result {
        case .written: return
        case .timeout: throw .writeTimeout(milliseconds: 5000)
        case .endOfStream, .closed: throw .connectionClosed(endpoint: "ECR")
        case .cancelled: throw .cancelled
        case .failure(let code): throw .ioFailure(operation: "write", errno: code)
        }
    }

    /// Reads once; `nil` on timeout.
    func simulatorRead(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]? {
        switch await read(timeout: timeout) {
        case .bytes(let bytes): return bytes
        case .timeout: return nil
        case .endOfStream, .closed: throw .connectionClosed(endpoint: "ECR")
        case .cancelled: throw .cancelled
        case .failure(let code): throw .ioFailure(operation: "read", errno: code)
        }
    }
}

/// ZVT over TCP, terminal side: bare APDUs (ZVT spec rev. 13.x, TCP/IP transport).
actor ZVTSimulatorTCPLink: ZVTSimulatorLink {
    private let channel: ZVTPOSIXChannel
    private var decoder = ZVTFrameDecoder()

    init(socket: Int32) {
        channel = ZVTPOSIXChannel(adopting: socket, isSocket: true)
    }

    func receiveFrame(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            do {
                if let frame = try decoder.nextFrame() { return frame }
            } catch {
                throw .framing(error)
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let bytes = try await channel.simulatorRead(timeout: remaining) else { return nil }
            decoder.feed(bytes)
        }
    }

    func sendFrame(_ apdu: [UInt8], split: Bool) async throws(ZVTTransportError) {
        try await channel.simulatorWrite(apdu, split: split)
    }

    func sendLineNoise(_ bytes: [UInt8]) async throws(ZVTTransportError) {}

    func close() {
        channel.close()
    }

    func breakConnection() -> Bool {
        channel.close()
        return true
    }
}

/// ZVT over RS-232, terminal side (ZVT spec rev. 13.x, serial annex): DLE STX … DLE ETX CRC
/// frames, ACK 0x06 / NAK 0x15 per frame, repeated up to three times.
actor ZVTSimulatorSerialLink: ZVTSimulatorLink {
    private let channel: ZVTPOSIXChannel
    private var decoder = ZVTSerialFrameDecoder()
    private var queued: [[UInt8]] = []
    private let closesDescriptor: Bool

    init(descriptor: Int32) {
        channel = ZVTPOSIXChannel(adopting: descriptor, isSocket: false)
        closesDescriptor = true
    }

    func receiveFrame(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]? {
        if !queued.isEmpty { return queued.removeFirst() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            while let event = decoder.nextEvent() {
                switch event {
                case .frame(let frame):
                    try await channel.simulatorWrite([ZVTSerialFrame.ack], split: false)
                    return frame
                case .rejected:
                    try await channel.simulatorWrite([ZVTSerialFrame.nak], split: false)
                case .ack, .nak:
                    continue
                }
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let bytes = try await channel.simulatorRead(timeout: remaining) else { return nil }
            decoder.feed(bytes)
        }
    }

    func sendFrame(_ apdu: [UInt8], split: Bool) async throws(ZVTTransportError) {
        let frame = ZVTSerialFrame.encode(apdu)
        for _ in 0..<3 {
            try await channel.simulatorWrite(frame, split: split)
            if try await awaitLinkAcknowledgement(timeout: .seconds(1)) { return }
        }
        throw .linkNotAcknowledged(attempts: 3)
    }

    func sendLineNoise(_ bytes: [UInt8]) async throws(ZVTTransportError) {
        try await channel.simulatorWrite(bytes, split: false)
        // A frame whose checksum is wrong: the ECR must answer NAK and carry on.
        var damaged = ZVTSerialFrame.encode([0x04, 0xFF, 0x01, 0x0A])
        if let last = damaged.indices.last { damaged[last] ^= 0x5A }
        try await channel.simulatorWrite(damaged, split: false)
        _ = try await awaitLinkAcknowledgement(timeout: .milliseconds(500))
    }

    /// True on ACK, false on NAK or timeout; frames arriving meanwhile are acknowledged and queued.
    private func awaitLinkAcknowledgement(timeout: Duration) async throws(ZVTTransportError) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            while let event = decoder.nextEvent() {
                switch event {
                case .ack: return true
                case .nak: return false
                case .frame(let frame):
                    try await channel.simulatorWrite([ZVTSerialFrame.ack], split: false)
                    queued.append(frame)
                case .rejected:
                    try await channel.simulatorWrite([ZVTSerialFrame.nak], split: false)
                }
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let bytes = try await channel.simulatorRead(timeout: remaining) else {
                return false
            }
            decoder.feed(bytes)
        }
    }

    func close() {
        if closesDescriptor { channel.close() }
    }

    func breakConnection() -> Bool {
        // Closing the master would destroy the pty; a serial terminal that loses its cable
        // simply stops talking.
        false
    }
}
