import Foundation
import KitDrivers

/// Connects a simulated card to vsmartcard's vpcd reader driver inside pcscd over TCP
/// (`127.0.0.1:35963` for "Virtual PCD 00 00"): connecting inserts the card, closing removes it.
/// Frames are a 2-byte big-endian length plus payload, decoded with ``VPCDFrameDecoder``;
/// 1-byte payloads are power off (0), power on (1), reset (2) and get ATR (4), anything longer is
/// a command APDU (vsmartcard vpcd protocol).
///
/// The I/O runs on its own thread; ``remove()`` pulls the card at any moment.
public final class CardSimulatorVPCDLink: @unchecked Sendable {
    /// Why the link ended.
    public enum Outcome: Sendable, Equatable {
        /// ``remove()`` was called, or `removeAfter` APDUs were answered.
        case removed
        /// vpcd closed the connection (pcscd stopped).
        case readerClosed
        /// The byte stream from vpcd could not be decoded.
        case protocolError(String)
        /// Connecting failed (pcscd not running, vpcd not loaded).
        case connectFailed(String)
    }

    private let card: any CardSimulatorCard
    private let host: String
    private let port: UInt16
    private let fault: CardSimulatorFault
    private let removeAfter: Int?
    private let lock = NSLock()
    private var socketDescriptor: Int32 = -1
    private var removed = false
    private var outcome: Outcome?
    private var apduCount = 0
    private let finished = DispatchSemaphore(value: 0)

    /// Prepares a link; nothing happens until ``insert()``.
    ///
    /// - Parameters:
    ///   - removeAfter: pull the card when APDU number `removeAfter + 1` arrives, without answering it.
    public init(
        card: any CardSimulatorCard, host: String = "127.0.0.1", port: UInt16 = 35963,
        fault: CardSimulatorFault = .none, removeAfter: Int? = nil
    ) {
        self.card = card
        self.host = host
        self.port = port
        self.fault = fault
        self.removeAfter = removeAfter
    }

    /// Number of APDUs received so far.
    public var receivedAPDUs: Int { lock.withLock { apduCount } }

    /// Connects to vpcd (the card is inserted) and starts answering on a thread of its own.
    public func insert() throws(CardSimulatorLinkError) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .socket(errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(descriptor)
            throw .badAddress(host)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw .connect(port: port, errno: code)
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        lock.withLock { socketDescriptor = descriptor }
        let thread = Thread { [self] in
            let result = self.serve(descriptor)
            self.finish(result)
        }
        thread.name = "card-sim-vpcd"
        thread.start()
    }

    /// Pulls the card: closes the connection. Safe to call more than once.
    public func remove() {
        let descriptor = lock.withLock { () -> Int32 in
            removed = true
            return socketDescriptor
        }
        if descriptor >= 0 { shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// Waits until the link ends (card removed or reader closed), at most `timeout` seconds.
    public func waitUntilFinished(timeout: TimeInterval) -> Outcome? {
        if finished.wait(timeout: .now() + timeout) == .success {
            finished.signal()
            return lock.withLock { outcome }
        }
        return nil
    }

    /// Blocks until the link ends (for the command line).
    public func waitUntilFinished() -> Outcome {
        finished.wait()
        finished.signal()
        return lock.withLock { outcome } ?? .removed
    }

    private func finish(_ result: Outcome) {
        let descriptor = lock.withLock { () -> Int32 in
            outcome = result
            let descriptor = socketDescriptor
            socketDescriptor = -1
            return descriptor
        }
        if descriptor >= 0 { close(descriptor) }
        finished.signal()
    }

    private var isRemoved: Bool { lock.withLock { removed } }

    private func serve(_ descriptor: Int32) -> Outcome {
        var decoder = VPCDFrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollDescriptor, 1, 200)
            if isRemoved { return .removed }
            if ready < 0 && errno != EINTR { return .readerClosed }
            guard ready > 0 else { continue }
            let count = read(descriptor, &buffer, buffer.count)
            if isRemoved { return .removed }
            if count <= 0 {
                if (try? decoder.finish()) == nil { return .protocolError("vpcd closed the connection mid-frame") }
                return .readerClosed
            }
            decoder.append(Array(buffer.prefix(count)))
            while true {
                let message: VPCDMessage?
                do {
                    message = try decoder.nextMessage()
                } catch {
                    return .protocolError("\(error)")
                }
                guard let message else { break }
                switch handle(message) {
                case .reply(let payload):
                    guard let frame = try? VPCDFrameEncoder.frame(payload), writeAll(descriptor, frame) else {
                        return isRemoved ? .removed : .readerClosed
                    }
                case .silent:
                    continue
                case .pull:
                    return .removed
                }
            }
        }
    }

    private enum Action {
        case reply([UInt8])
        case silent
        case pull
    }

    private func handle(_ message: VPCDMessage) -> Action {
        switch message {
        case .powerOn:
            card.powerOn()
            return .silent
        case .powerOff:
            card.powerOff()
            return .silent
        case .reset:
            card.reset()
            return .silent
        case .getATR:
            return .reply(card.atr)
        case .unknownControl:
            return .silent
        case .apdu(let bytes):
            let number = lock.withLock { () -> Int in
                apduCount += 1
                return apduCount
            }
            if let removeAfter, number > removeAfter { return .pull }
            switch fault {
            case .truncatedResponse: return .reply([0x90])
            case .wrongStatus(let sw): return .reply([UInt8(sw >> 8), UInt8(sw & 0xFF)])
            case .oversizedResponse(let count):
                return .reply([UInt8](repeating: 0xA5, count: max(0, min(count, 0xFFFD))) + [0x90, 0x00])
            case .mute: return .silent
            case .none, .badTLVLength, .hugeLength, .wrongChipAuthenticationToken, .missingChipAuthenticationToken:
                break
            }
            var response = card.respond(to: bytes)
            // vpcd reads a 1-byte payload as a control message; a card never answers with 1 byte.
            if response.count < 2 { response = [0x6F, 0x00] }
            return .reply(response)
        }
    }

    private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}

/// Why the simulated card could not be put on the virtual reader.
public enum CardSimulatorLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No socket could be created.
    case socket(errno: Int32)
    /// The host is not an IPv4 address.
    case badAddress(String)
    /// vpcd does not listen on the port.
    case connect(port: UInt16, errno: Int32)

    public var description: String {
        switch self {
        case .socket(let code): return "cannot create a socket (errno \(code))"
        case .badAddress(let host): return "\(host) is not an IPv4 address"
        case .connect(let port, let code):
            return "cannot reach vpcd on port \(port) (errno \(code)): is pcscd running with vsmartcard-vpcd installed?"
        }
    }
}
