import Foundation
import KitCore
import KitTestSupport
import NIOCore
import Testing

@testable import SyncServer

#if canImport(Glibc)
    import Glibc
#endif

/// Connection timeouts and limits of the sync server, against a real listener on loopback.
@Suite("Sync server: connection timeouts, limits, TLS client hello policy")
struct ConnectionHardeningTests {
    /// Short timeouts so that a test takes seconds, not minutes. The header timeout leaves a
    /// complete request room on two busy cores.
    static let fast = ConnectionLimits(
        idleTimeout: 0.6, headerTimeout: 2, bodyTimeout: 0.6, tlsHandshakeTimeout: 0.6, maximumConnections: 100,
        maximumConnectionsPerAddress: 4)

    /// The state directory of the test's server (a new suite instance, and so folder, per test).
    let stateDirectory = temporaryPath("hardening-server")

    func serving<Result>(tls: Bool, limits: ConnectionLimits = fast, _ body: (Int) async throws -> Result)
        async throws -> Result
    {
        var configuration = ServerConfiguration(port: 0, stateDirectory: stateDirectory, tlsEnabled: tls)
        configuration.connections = limits
        return try await whileServing(
            SyncServerApplication(configuration: configuration, logger: quietLogger()), body)
    }

    @Test func configurationKeysHaveDefaultsAndAreRead() async throws {
        let defaults = try ConnectionLimits(
            await LayeredConfiguration.load(flags: [:], environmentPrefix: "syncServer", file: nil, environment: [:]))
        #expect(defaults == ConnectionLimits())
        #expect(defaults.headerTimeout == 10 && defaults.idleTimeout == 60 && defaults.tlsHandshakeTimeout == 10)
        let set = try ConnectionLimits(
            await LayeredConfiguration.load(
                flags: [:], environmentPrefix: "syncServer", file: nil,
                environment: [
                    "SYNC_SERVER_HTTP_HEADER_TIMEOUT": "2.5", "SYNC_SERVER_HTTP_MAX_CONNECTIONS_PER_ADDRESS": "7",
                    "SYNC_SERVER_TLS_HANDSHAKE_TIMEOUT": "3", "SYNC_SERVER_MEMORY_TRIM_INTERVAL": "0",
                ]))
        #expect(set.headerTimeout == 2.5)
        #expect(set.maximumConnectionsPerAddress == 7)
        #expect(set.tlsHandshakeTimeout == 3)
        #expect(set.memoryTrimInterval == 0)
        await #expect(throws: ConfigurationError.self) {
            try ConnectionLimits(
                await LayeredConfiguration.load(
                    flags: [:], environmentPrefix: "syncServer", file: nil,
                    environment: ["SYNC_SERVER_HTTP_MAX_CONNECTIONS": "0"]))
        }
    }

    @Test func limiterCountsPerAddressAndInAll() {
        let limiter = ConnectionLimiter(maximumConnections: 3, maximumPerAddress: 2, logger: quietLogger())
        #expect(limiter.admit(address: "10.0.0.1") == nil)
        #expect(limiter.admit(address: "10.0.0.1") == nil)
        #expect(limiter.admit(address: "10.0.0.1") == .addressFull)
        #expect(limiter.admit(address: "10.0.0.2") == nil)
        #expect(limiter.admit(address: "10.0.0.3") == .serverFull)
        limiter.release(address: "10.0.0.1")
        #expect(limiter.admit(address: "10.0.0.3") == nil)
        #expect(limiter.openConnections == 3)
    }

    @Test func silentSlowAndIdleConnectionsAreClosedByTheirTimeouts() async throws {
        try await serving(tls: false) { port in
            // Never sends anything: closed by the header timeout.
            let silent = try RawConnection(port: port)
            #expect(silent.closedByServer(within: 5), "silent connection")
            // Sends its header one byte at a time, forever: closed although bytes keep coming.
            let slow = try RawConnection(port: port)
            let started = Date()
            var closed = false
            for byte in Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: 0x61, count: 200)
            {
                if !slow.send([byte]) || slow.closedByServer(within: 0.05) {
                    closed = true
                    break
                }
            }
            #expect(closed, "slow header")
            #expect(Date().timeIntervalSince(started) < 6)
            // A body that stops arriving: closed by the body timeout.
            let stalled = try RawConnection(port: port)
            #expect(
                stalled.send(Array("POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":".utf8)))
            #expect(stalled.closedByServer(within: 5), "stalled body")
            // A complete request is answered; the kept-alive connection is closed once idle.
            let idle = try RawConnection(port: port)
            #expect(idle.send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
            #expect(idle.receive(within: 5).starts(with: Array("HTTP/1.1 200".utf8)))
            #expect(idle.closedByServer(within: 5), "idle keep-alive")
            // Counted in /metrics.
            let metrics = try metricsText(port: port)
            #expect(metrics.contains("sync_connection_timeouts_total{stage=\"header\"} 2"), "\(metrics)")
            #expect(metrics.contains("sync_connection_timeouts_total{stage=\"body\"} 1"))
            #expect(metrics.contains("sync_connection_timeouts_total{stage=\"idle\"} 1"))
            #expect(metrics.contains("sync_connections_open "))
        }
    }

    /// `/metrics` over plain HTTP with the operator token.
    func metricsText(port: Int) throws -> String {
        let token = try String(contentsOfFile: stateDirectory + "/keys/admin.token", encoding: .utf8)
        let connection = try RawConnection(port: port)
        _ = connection.send(
            Array(
                "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n".utf8))
        var text = ""
        while true {
            let bytes = connection.receive(within: 3)
            if bytes.isEmpty { break }
            text += String(decoding: bytes, as: UTF8.self)
        }
        return text
    }

    @Test func connectionsBeyondThePerAddressLimitAreClosedAtOnce() async throws {
        try await serving(tls: false, limits: ConnectionLimits(maximumConnectionsPerAddress: 3)) { port in
            let held = try (0..<3).map { _ in try RawConnection(port: port) }
            try await Task.sleep(for: .milliseconds(200))
            let extra = try RawConnection(port: port)
            #expect(extra.closedByServer(within: 2))
            for connection in held {
                #expect(!connection.closedByServer(within: 0.05), "admitted connections stay open")
            }
            // Once one closes, the address is served again.
            held[0].close()
            var answered = false
            for _ in 0..<30 where !answered {
                try await Task.sleep(for: .milliseconds(100))
                let again = try RawConnection(port: port)
                _ = again.send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                answered = again.receive(within: 1).starts(with: Array("HTTP/1.1 200".utf8))
            }
            #expect(answered)
            for connection in held { connection.close() }
            var metrics = ""
            for _ in 0..<30 where metrics.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                metrics = try metricsText(port: port)
            }
            #expect(metrics.contains("sync_connections_refused_total{reason=\"address-full\"}"), "\(metrics)")
            #expect(!metrics.contains("sync_connections_refused_total{reason=\"address-full\"} 0"))
        }
    }

    @Test func aTLSConnectionThatNeverStartsTheHandshakeIsClosed() async throws {
        try await serving(tls: true) { port in
            let connection = try RawConnection(port: port)
            #expect(connection.closedByServer(within: 5))
        }
    }

    @Test func aClientOfferingOnlyOrPreferringChaCha20IsRefused() async throws {
        #expect(TLSClientHelloPolicy.judge(ByteBuffer(bytes: Self.clientHello(suites: [0x1303]))) != .accept)
        #expect(TLSClientHelloPolicy.judge(ByteBuffer(bytes: Self.clientHello(suites: [0x1303, 0x1301]))) != .accept)
        #expect(TLSClientHelloPolicy.judge(ByteBuffer(bytes: Self.clientHello(suites: [0x1301, 0x1303]))) == .accept)
        #expect(TLSClientHelloPolicy.judge(ByteBuffer(bytes: Self.clientHello(suites: [0x1302]))) == .accept)
        #expect(
            TLSClientHelloPolicy.judge(ByteBuffer(bytes: Array(Self.clientHello(suites: [0x1303]).prefix(20))))
                == .needMoreBytes)
        try await serving(tls: true) { port in
            let connection = try RawConnection(port: port)
            #expect(connection.send(Self.clientHello(suites: [0x1303])))
            // A fatal handshake_failure alert, then the close.
            #expect(connection.receive(within: 3) == [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
            #expect(connection.closedByServer(within: 3))
        }
    }

    @Test func aesInstructionsAreReadFromCPUInfo() throws {
        let path = temporaryPath("cpuinfo")
        try "processor\t: 0\nflags\t\t: fpu sse2 aes avx2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TLSClientHelloPolicy.hasAESInstructions(cpuinfo: path) == true)
        try "processor\t: 0\nflags\t\t: fpu sse2 avx2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TLSClientHelloPolicy.hasAESInstructions(cpuinfo: path) == false)
        try "Features\t: fp asimd aes pmull sha1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TLSClientHelloPolicy.hasAESInstructions(cpuinfo: path) == true)
        #expect(TLSClientHelloPolicy.hasAESInstructions(cpuinfo: path + "-missing") == nil)
    }

    /// A TLS 1.3 ClientHello offering `suites`, with supported_versions (TLS 1.3) and a P-256 group.
    static func clientHello(suites: [UInt16]) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        var extensions: [UInt8] = []
        extensions += u16(0x002b) + u16(3) + [2] + u16(0x0304)  // supported_versions
        extensions += u16(0x000a) + u16(4) + u16(2) + u16(0x0017)  // supported_groups: secp256r1
        extensions += u16(0x000d) + u16(4) + u16(2) + u16(0x0403)  // signature_algorithms: ecdsa_secp256r1_sha256
        var hello: [UInt8] = u16(0x0303) + [UInt8](repeating: 7, count: 32) + [0]
        hello += u16(suites.count * 2) + suites.flatMap { u16(Int($0)) }
        hello += [1, 0] + u16(extensions.count) + extensions
        let message: [UInt8] = [0x01, 0, UInt8(hello.count >> 8), UInt8(hello.count & 0xFF)] + hello
        return [0x16] + u16(0x0301) + u16(message.count) + message
    }
}

/// A blocking TCP client socket on loopback for timing tests.
final class RawConnection {
    private var descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close() }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Bytes that arrive within `seconds` (the first read), or [] at end of stream or timeout.
    func receive(within seconds: Double) -> [UInt8] {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }

    /// True when the server closes the connection within `seconds` (data before the close is skipped).
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, left * 1000))) == 1 else { return false }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return true }
        }
    }
}
