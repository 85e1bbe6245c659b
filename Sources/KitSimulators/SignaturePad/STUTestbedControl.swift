import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the simulated pad reports about itself (the testbed's `state` answer).
///
/// Mirrors the Wacom STU feature-report state kept by stu_testbed.py (report ids as in the STU interface).
public struct STUTestbedState: Decodable, Sendable, Equatable {
    /// One image upload between StartImageData and EndImageData.
    public struct Upload: Decodable, Sendable, Equatable {
        /// EncodingMode (0x00 1-bit, 0x02 RGB 565 …).
        public var encoding: Int
        /// Target rectangle [left, top, right, bottom].
        public var area: [Int]
        /// Data bytes of each ImageDataBlock in order.
        public var blocks: [Int]
        /// Data bytes in total.
        public var bytes: Int
        /// Whether EndImageData committed a complete image.
        public var committed: Bool?
        /// The size the image should have had, nil for compressed data.
        public var expectedBytes: Int?
    }

    /// Model name in the Information report.
    public var model: String
    /// Status report statusCode.
    public var status: Int
    /// Status report lastResultCode.
    public var lastResult: Int
    /// Inking mode.
    public var inking: Bool
    /// HandwritingDisplayArea [left, top, right, bottom].
    public var handwritingArea: [Int]
    /// PenDataOptionMode.
    public var penDataOptionMode: Int
    /// ClearScreen reports received.
    public var clearCount: Int
    /// Finished uploads.
    public var uploads: [Upload]
    /// Every SET_REPORT id in order.
    public var setReports: [Int]
    /// Every GET_REPORT id in order.
    public var getReports: [Int]
    /// Whether the cable is in.
    public var plugged: Bool
    /// Whether a program has claimed the HID interface.
    public var claimed: Bool
    /// The kernel driver bound to the interface (nil when detached).
    public var kernelDriver: String?
    /// Pen reports waiting to be read by the host.
    public var queuedReports: Int
    /// Pen reports read by the host.
    public var deliveredReports: Int
    /// Interrupt transfers the host has submitted and the pad has not answered yet.
    public var pendingReads: Int
}

/// Errors of the testbed control connection.
///
/// Project convention for the stu_testbed.py control socket (JSON lines).
public enum STUTestbedControlError: Error, CustomStringConvertible, Equatable, Sendable {
    /// $STU_TESTBED_CONTROL is not set: the process does not run under stu_testbed.py.
    case notInTestbed
    /// The socket could not be reached.
    case connectionFailed(path: String, errno: Int32)
    /// The socket closed or sent something that is not a JSON answer.
    case badAnswer(String)
    /// The testbed refused the request.
    case refused(String)

    public var description: String {
        switch self {
        case .notInTestbed: return "not running under stu_testbed.py ($STU_TESTBED_CONTROL is not set)"
        case .connectionFailed(let path, let code): return "cannot connect to the testbed at \(path) (errno \(code))"
        case .badAnswer(let text): return "unexpected answer from the testbed: \(text)"
        case .refused(let reason): return "testbed refused the request: \(reason)"
        }
    }
}

/// Drives the simulated pad from inside the testbed: play strokes, inject raw reports, pull the cable, read
/// the pad's state. Requests run on a private queue, so awaiting them never blocks Swift's cooperative pool.
///
/// Project convention for the stu_testbed.py control socket: one JSON object per line each way.
public final class STUTestbedControl: @unchecked Sendable {
    private let path: String
    private let queue = DispatchQueue(label: "stu-testbed-control")
    private var descriptor: Int32 = -1
    private var pending: [UInt8] = []

    /// Connects lazily to the socket named in $STU_TESTBED_CONTROL.
    public init() throws(STUTestbedControlError) {
        guard let path = ProcessInfo.processInfo.environment[STUTestbed.controlSocketVariable] else {
            throw .notInTestbed
        }
        self.path = path
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    /// The pad's current state.
    public func state() async throws -> STUTestbedState {
        let answer = try await send(["cmd": .string("state")])
        return try JSONDecoder().decode(STUTestbedState.self, from: answer)
    }

    /// Waits until the host has switched the pad's inking on (or off).
    public func waitForInking(_ on: Bool = true, timeoutMilliseconds: Int = 10_000) async throws {
        _ = try await send(["cmd": .string("wait"), "inking": .bool(on), "timeout_ms": .int(timeoutMilliseconds)])
    }

    /// Queues pen samples (tablet units), one per report interval.
    public func play(_ points: [(x: Int, y: Int, pressure: Int, touching: Bool, inProximity: Bool)]) async throws {
        let list = points.map { [$0.x, $0.y, $0.pressure, $0.touching ? 1 : 0, $0.inProximity ? 1 : 0] }
        _ = try await send(["cmd": .string("play"), "points": .points(list)])
    }

    /// Queues a tap (pen down twice, then up) at tablet coordinates.
    public func tap(x: Int, y: Int) async throws {
        _ = try await send(["cmd": .string("tap"), "x": .int(x), "y": .int(y)])
    }

    /// Queues raw bytes delivered as one interrupt-IN report.
    public func inject(_ report: [UInt8]) async throws {
        let hex = report.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        _ = try await send(["cmd": .string("inject"), "hex": .string(hex)])
    }

    /// Waits until the host has read every queued report.
    public func drain(timeoutMilliseconds: Int = 10_000) async throws {
        _ = try await send(["cmd": .string("drain"), "timeout_ms": .int(timeoutMilliseconds)])
    }

    /// Pulls the cable: outstanding transfers fail with "no device", udev announces the removal.
    public func unplug() async throws { _ = try await send(["cmd": .string("unplug")]) }

    /// Plugs the pad back in (fresh power-on state).
    public func plug() async throws { _ = try await send(["cmd": .string("plug")]) }

    /// Makes the kernel-driver query (USBDEVFS_GETDRIVER) fail, as plain umockdev does; no driver is bound.
    public func makeKernelDriverQueryFail(_ fails: Bool = true) async throws {
        _ = try await send(["cmd": .string("configure"), "kernel_driver_query_fails": .bool(fails)])
    }

    /// Power-cycles the model and clears its logs (the pad stays plugged in).
    public func reset() async throws { _ = try await send(["cmd": .string("reset")]) }

    private enum Value: Encodable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case points([[Int]])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .points(let value): try container.encode(value)
            }
        }
    }

    private struct Reply: Decodable {
        var ok: Bool
        var error: String?
    }

    private func send(_ request: [String: Value]) async throws -> Data {
        let line = try JSONEncoder().encode(request) + Data([0x0A])
        let answer: Data = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.exchange(line) })
            }
        }
        let reply: Reply
        do { reply = try JSONDecoder().decode(Reply.self, from: answer) } catch {
            throw STUTestbedControlError.badAnswer(String(decoding: answer, as: UTF8.self))
        }
        guard reply.ok else { throw STUTestbedControlError.refused(reply.error ?? "no reason given") }
        return answer
    }

    /// Sends one line and reads one line; runs on `queue` only.
    private func exchange(_ line: Data) throws -> Data {
        if descriptor < 0 { descriptor = try connectSocket() }
        var bytes = [UInt8](line)
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw reset(STUTestbedControlError.badAnswer("write failed")) }
            bytes.removeFirst(written)
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let answer = Data(pending[..<newline])
                pending.removeFirst(newline + 1)
                return answer
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw reset(STUTestbedControlError.badAnswer("connection closed")) }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    private func reset(_ error: STUTestbedControlError) -> STUTestbedControlError {
        if descriptor >= 0 { _ = close(descriptor) }
        descriptor = -1
        pending = []
        return error
    }

    private func connectSocket() throws -> Int32 {
        #if canImport(Glibc)
            let socketType = Int32(SOCK_STREAM.rawValue)
        #else
            let socketType = SOCK_STREAM
        #endif
        let fd = socket(AF_UNIX, socketType, 0)
        guard fd >= 0 else { throw STUTestbedControlError.connectionFailed(path: path, errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            _ = close(fd)
            throw STUTestbedControlError.connectionFailed(path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            _ = close(fd)
            throw STUTestbedControlError.connectionFailed(path: path, errno: code)
        }
        return fd
    }
}
