import Foundation
import KitDrivers
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The transports against a raw peer on a socket pair: hostile framing, link-level ACK/NAK.
@Suite struct ZVTTransportTests {
    /// A connected pair of stream sockets: the transport gets one end, the test writes the other.
    static func pair() throws -> (Int32, Int32) {
        var descriptors: [Int32] = [-1, -1]
        let result = descriptors.withUnsafeMutableBufferPointer {
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, $0.baseAddress)
        }
        try #require(result == 0)
        return (descriptors[0], descriptors[1])
    }

    static func write(_ descriptor: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Reads `count` bytes within ten seconds, off Swift's cooperative threads.
    static func read(_ descriptor: Int32, count: Int) async -> [UInt8] {
        await ZVTPOSIXChannel.runBlocking { readBlocking(descriptor, count: count) }
    }

    private static func readBlocking(_ descriptor: Int32, count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var total = 0
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while total < count, ContinuousClock.now < deadline {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let received = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.read(descriptor, base.advanced(by: total), count - total)
            }
            if received <= 0 { break }
            total += received
        }
        return Array(buffer.prefix(total))
    }

    static func tcp(_ descriptor: Int32, maximumFrameLength: Int = ZVTAPDU.maximumEncodedLength) -> ZVTTCPTransport {
        ZVTTCPTransport(
            adoptingConnectedSocket: descriptor, peer: "test peer",
            configuration: .init(host: "local", maximumFrameLength: maximumFrameLength))
    }

    @Test func tcpReassemblesSplitFramesAndTimesOutQuietly() async throws {
        let (ecr, peer) = try Self.pair()
        defer { _ = Glibc.close(peer) }
        let transport = Self.tcp(ecr)
        #expect(try await transport.receive(timeout: .milliseconds(100)) == nil)
        Self.write(peer, [0x04, 0xFF])
        #expect(try await transport.receive(timeout: .milliseconds(100)) == nil)
        Self.write(peer, [0x01, 0x0A, 0x80, 0x00, 0x00])
        #expect(try await transport.receive(timeout: .milliseconds(500)) == [0x04, 0xFF, 0x01, 0x0A])
        #expect(try await transport.receive(timeout: .milliseconds(500)) == [0x80, 0x00, 0x00])
        await transport.close()
    }

    @Test func tcpRejectsAbsurdLengthAndReportsCutOffFrames() async throws {
        let (ecr, peer) = try Self.pair()
        let transport = Self.tcp(ecr, maximumFrameLength: 4096)
        Self.write(peer, [0x04, 0x0F, 0xFF, 0xFF, 0xFF, 0x00])
        await #expect(throws: ZVTTransportError.framing(.frameTooLong(length: 65540, limit: 4096))) {
            _ = try await transport.receive(timeout: .milliseconds(500))
        }
        #expect(await !transport.isOpen)
        _ = Glibc.close(peer)

        let (ecr2, peer2) = try Self.pair()
        let second = Self.tcp(ecr2)
        Self.write(peer2, [0x06, 0xD1, 0x20, 0x00, 0x41])
        _ = Glibc.close(peer2)
        await #expect(throws: ZVTTransportError.framing(.leftoverBytes(count: 5))) {
            _ = try await second.receive(timeout: .milliseconds(500))
        }
    }

    @Test func tcpTerminalSurvivesAbsurdLengthMidPayment() async throws {
        let (ecr, peer) = try Self.pair()
        defer { _ = Glibc.close(peer) }
        let terminal = ZVTTerminal(
            transport: Self.tcp(ecr, maximumFrameLength: 2048),
            configuration: ZVTTerminalConfiguration(timeouts: ZVTSessionTimeouts(acknowledgement: .seconds(1))))
        try await terminal.open()
        let status = Task { try await terminal.statusEnquiry() }
        #expect(await Self.read(peer, count: 6) == [0x05, 0x01, 0x03, 0x00, 0x00, 0x00])
        Self.write(peer, [0x80, 0x00, 0x00, 0x04, 0x0F, 0xFF, 0xFF, 0xFF])
        do {
            _ = try await status.value
            Issue.record("expected an unknown outcome")
        } catch {
            guard let error = error as? ZVTTerminalError, case .outcomeUnknown(.connectionLost(let reason)) = error
            else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(reason.contains("exceeds the limit"))
        }
        #expect(await terminal.state == .error)
        #expect(await terminal.statistics.communicationErrors >= 1)
    }

    @Test func serialAnswersFramesAndRepeatsOnNAK() async throws {
        let (ecr, peer) = try Self.pair()
        defer { _ = Glibc.close(peer) }
        let transport = ZVTSerialTransport(
            adopting: ecr, description: "pair",
            configuration: .init(linkAcknowledgementTimeout: .seconds(5), maximumAttempts: 3))
        // A good frame is answered with ACK; one with a wrong checksum with NAK.
        var damaged = ZVTSerialFrame.encode([0x04, 0xFF, 0x01, 0x0A])
        damaged[damaged.count - 1] ^= 0xFF
        Self.write(peer, [0x00, 0x55] + damaged + ZVTSerialFrame.encode([0x80, 0x10, 0x00]))
        #expect(try await transport.receive(timeout: .milliseconds(500)) == [0x80, 0x10, 0x00])
        #expect(await Self.read(peer, count: 2) == [ZVTSerialFrame.nak, ZVTSerialFrame.ack])
        #expect(await transport.rejectedFrameCount == 1)

        // Sending: NAK once, then ACK.
        let frame = ZVTSerialFrame.encode([0x06, 0x02, 0x00])
        let sending = Task { try await transport.send([0x06, 0x02, 0x00]) }
        #expect(await Self.read(peer, count: frame.count) == frame)
        Self.write(peer, [ZVTSerialFrame.nak])
        #expect(await Self.read(peer, count: frame.count) == frame)
        Self.write(peer, [ZVTSerialFrame.ack])
        try await sending.value
        #expect(await transport.repeatedFrameCount == 1)

        // No answer at all: three attempts, then a typed error.
        await transport.close()
        let (impatient, silentPeer) = try Self.pair()
        defer { _ = Glibc.close(silentPeer) }
        let silent = ZVTSerialTransport(
            adopting: impatient, description: "pair",
            configuration: .init(linkAcknowledgementTimeout: .milliseconds(200), maximumAttempts: 3))
        await #expect(throws: ZVTTransportError.linkNotAcknowledged(attempts: 3)) {
            try await silent.send([0x06, 0x02, 0x00])
        }
        #expect(await Self.read(silentPeer, count: frame.count * 3).count == frame.count * 3)
    }

    @Test func serialFuzzedLineNoiseNeverCrashes() async throws {
        let (ecr, peer) = try Self.pair()
        defer { _ = Glibc.close(peer) }
        let transport = ZVTSerialTransport(adopting: ecr, description: "pair")
        var generator = SystemRandomNumberGenerator()
        var state: UInt64 = 0x2026_0006
        for _ in 0..<200 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let count = Int(state >> 58) + 1
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if state & 1 == 0 { bytes.insert(contentsOf: [0x10, 0x02], at: 0) }
            Self.write(peer, bytes)
            _ = try await transport.receive(timeout: .milliseconds(1))
        }
        Self.write(peer, [0x10, 0x03, 0x00, 0x00] + ZVTSerialFrame.encode([0x80, 0x00, 0x00]))
        var received: [UInt8]?
        for _ in 0..<20 where received != [0x80, 0x00, 0x00] {
            received = try await transport.receive(timeout: .milliseconds(50))
        }
        #expect(received == [0x80, 0x00, 0x00])
    }

    @Test func closingWhileReadingReturnsPromptly() async throws {
        let (ecr, peer) = try Self.pair()
        defer { _ = Glibc.close(peer) }
        let channel = ZVTPOSIXChannel(adopting: ecr, isSocket: true)
        let reading = Task { await channel.read(timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        channel.close()
        #expect(await reading.value == .closed)
        #expect(ContinuousClock.now - start < .seconds(1))
        let (other, otherPeer) = try Self.pair()
        defer { _ = Glibc.close(otherPeer) }
        let cancelled = ZVTPOSIXChannel(adopting: other, isSocket: true)
        let task = Task { await cancelled.read(timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        #expect(await task.value == .cancelled)
        cancelled.close()
    }
}
