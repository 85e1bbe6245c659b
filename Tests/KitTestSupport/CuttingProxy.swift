import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 proxy on a free loopback port in front of `127.0.0.1:targetPort` that can lose
/// answers: while `cutAnswers` is above zero, the server's answer to a `POST /v1/ingest` closes both
/// sides instead of reaching the client — the server did its work, the client never hears of it (a
/// mobile link dropping at the worst moment). Plain HTTP, so it can see which request an answer
/// belongs to (the server's local-development mode; the exactly-once logic is the same over TLS).
public final class CuttingProxy: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let targetPort: Int
    private let lock = NSLock()
    private var cutsLeft = 0
    private var cutsDone = 0
    private var stopped = false

    public struct Failure: Error {}

    public init(targetPort: Int) throws {
        self.targetPort = targetPort
        let socket = ListeningSocket.rawListen()
        guard let socket else { throw Failure() }
        listener = socket.descriptor
        port = socket.port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Lose the answers of the next `count` connections that receive one.
    public func cutAnswers(_ count: Int) {
        lock.withLock { cutsLeft = count }
    }

    /// How many answers were lost so far.
    public var answersCut: Int { lock.withLock { cutsDone } }

    public func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            guard let server = ListeningSocket.connectLoopback(port: targetPort) else {
                close(client)
                continue
            }
            let closer = PairCloser(client, server)
            Thread { [self] in pump(from: client, to: server, closer: closer, answers: false) }.start()
            Thread { [self] in pump(from: server, to: client, closer: closer, answers: true) }.start()
        }
    }

    private func pump(from source: Int32, to destination: Int32, closer: PairCloser, answers: Bool) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            if !answers {
                closer.request(startsWith: Array(buffer[0..<min(count, 32)]))
            } else {
                let cut = lock.withLock { () -> Bool in
                    guard cutsLeft > 0, closer.answeringIngest else { return false }
                    cutsLeft -= 1
                    cutsDone += 1
                    return true
                }
                if cut { break }
            }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { bytes -> Int in
                    guard let base = bytes.baseAddress else { return -1 }
                    return write(destination, base + offset, count - offset)
                }
                if written <= 0 { break }
                offset += written
            }
            if offset < count { break }
        }
        closer.closeBoth()
    }
}

/// Closes a connection pair once; remembers whether the request in flight is an ingest.
final class PairCloser: @unchecked Sendable {
    private let lock = NSLock()
    private let client: Int32
    private let server: Int32
    private var closed = false
    private var ingestInFlight = false

    init(_ client: Int32, _ server: Int32) {
        self.client = client
        self.server = server
    }

    /// Notes the start of a client chunk: a new request line decides what the next answer is for.
    func request(startsWith bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let method = ["GET ", "POST ", "PUT ", "DELETE ", "HEAD "].first(where: text.hasPrefix) else { return }
        lock.withLock { ingestInFlight = method == "POST " && text.hasPrefix("POST /v1/ingest") }
    }

    var answeringIngest: Bool { lock.withLock { ingestInFlight } }

    func closeBoth() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
            close(client)
            close(server)
        }
    }
}
