import Foundation
import KitDrivers

#if canImport(Glibc)
    import Glibc
#endif

/// Why the simulated terminal could not start (POSIX sockets and pseudo terminals, POSIX.1-2008).
public enum ZVTSimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP port could not be opened.
    case cannotListen(host: String, port: UInt16, errno: Int32)
    /// The pseudo terminal could not be created.
    case cannotCreatePTY(step: String, errno: Int32)
    /// The journal file could not be read.
    case unreadableJournal(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let code):
            return "Cannot listen on \(host):\(port): \(String(cString: strerror(code))) (errno \(code))."
        case .cannotCreatePTY(let step, let code):
            return "Cannot create a pseudo terminal (\(step)): \(String(cString: strerror(code))) (errno \(code))."
        case .unreadableJournal(let path, let reason):
            return "Journal file \(path) cannot be read: \(reason)"
        }
    }
}

/// A simulated EC terminal speaking ZVT as the terminal (PT) side (ZVT spec rev. 13.x) over TCP
/// (one task per accepted ECR connection) or over a pseudo terminal with serial framing. The
/// journal survives ECR restarts and, with a journal file, simulator restarts.
public actor ZVTSimulatorServer {
    private var terminal: ZVTSimulatedTerminal
    private let journalURL: URL?
    private var listener: Int32?
    private var ptyHold: Int32?
    private var tasks: [Task<Void, Never>] = []

    /// - Parameter journalURL: JSON file written after every change; an existing file is continued.
    public init(configuration: ZVTSimulatorConfiguration, journalURL: URL? = nil) throws(ZVTSimulatorError) {
        var journal: ZVTSimulatorJournal?
        if let journalURL, FileManager.default.fileExists(atPath: journalURL.path) {
            do {
                journal = try ZVTSimulatorJournal.read(from: journalURL)
            } catch {
                throw .unreadableJournal(path: journalURL.path, reason: "\(error)")
            }
        }
        self.terminal = ZVTSimulatedTerminal(configuration: configuration, journal: journal)
        self.journalURL = journalURL
    }

    /// The journal as booked so far.
    public var journal: ZVTSimulatorJournal { terminal.journal }

    /// Listens on `host:port` (0 = any free port) and returns the port.
    public func listen(host: String = "127.0.0.1", port: UInt16) throws(ZVTSimulatorError) -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .cannotListen(host: host, port: port, errno: errno) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            _ = Glibc.close(descriptor)
            throw .cannotListen(host: host, port: port, errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, 8) == 0 else {
            let code = errno
            _ = Glibc.close(descriptor)
            throw .cannotListen(host: host, port: port, errno: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        let task = Task { await self.acceptLoop(descriptor) }
        tasks.append(task)
        return UInt16(bigEndian: actual.sin_port)
    }

    /// Creates a pseudo terminal, serves its master side with serial framing and returns the
    /// slave path (the ECR opens it like /dev/ttyUSB0).
    public func openPTY() throws(ZVTSimulatorError) -> String {
        let (master, path) = try ZVTSimulatorPTY.open()
        // Keep one slave descriptor open so the master never sees a hang-up between ECR sessions,
        // and put the line into raw mode before any ECR opens it (no echo, no line editing).
        let hold = Glibc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard hold >= 0 else {
            let code = errno
            _ = Glibc.close(master)
            throw .cannotCreatePTY(step: "open \(path)", errno: code)
        }
        try? ZVTSerialTransport.configureLine(hold)
        ptyHold = hold
        let link = ZVTSimulatorSerialLink(descriptor: master)
        let task = Task { await self.serve(link) }
        tasks.append(task)
        return path
    }

    /// Stops listening and drops every link.
    public func stop() {
        tasks.forEach { $0.cancel() }
        tasks = []
        listener = nil  // the accept loop closes it when it sees the cancellation
        if let ptyHold { _ = Glibc.close(ptyHold) }
        ptyHold = nil
    }

    // MARK: - Loops

    private func acceptLoop(_ descriptor: Int32) async {
        defer { _ = Glibc.close(descriptor) }
        while !Task.isCancelled {
            let accepted = await ZVTPOSIXChannel.runBlocking { () -> Int32 in
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let socket = poll(&entry, 1, 100) > 0 ? accept(descriptor, nil, nil) : -1
                if socket >= 0 { _ = fcntl(socket, F_SETFD, FD_CLOEXEC) }
                return socket
            }
            guard accepted >= 0 else { continue }
            var one: Int32 = 1
            _ = setsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let link = ZVTSimulatorTCPLink(socket: accepted)
            let task = Task { await self.serve(link) }
            tasks.append(task)
        }
    }

    private func serve(_ link: any ZVTSimulatorLink) async {
        defer { Task { await link.close() } }
        while !Task.isCancelled {
            let frame: [UInt8]?
            do {
                frame = try await link.receiveFrame(timeout: .milliseconds(250))
            } catch {
                return
            }
            guard let frame else { continue }
            let steps = handle(frame)
            do {
                let keepLink = try await play(steps, on: link)
                if !keepLink { return }
            } catch {
                return
            }
        }
    }

    /// Plays a script; false when the link must be dropped.
    private func play(_ script: [ZVTSimulatorStep], on link: any ZVTSimulatorLink) async throws(ZVTTransportError)
        -> Bool
    {
        var steps = script
        var index = 0
        let timeout = terminal.configuration.acknowledgementTimeout
        while index < steps.count {
            let step = steps[index]
            index += 1
            let split = terminal.splitsFrames
            switch step {
            case .acknowledge:
                try await link.sendFrame([0x80, 0x00, 0x00], split: split)
            case .refuse(let code):
                try await link.sendFrame([0x84, code, 0x00], split: split)
            case .send(let bytes):
                try await link.sendFrame(bytes, split: split)
                guard try await awaitAnswer(on: link, timeout: timeout) else { return true }
            case .sendGarbage(let bytes):
                try await link.sendFrame(bytes, split: false)
                _ = try await awaitAnswer(on: link, timeout: timeout)
            case .lineNoise(let bytes):
                try await link.sendLineNoise(bytes)
            case .waitForCard(let duration):
                if try await ecrAborted(on: link, within: duration) {
                    steps = terminal.abortScript()
                    index = 0
                }
            case .pause(let duration):
                try? await Task.sleep(for: duration)
            case .commit(let journal):
                book(journal)
            case .disconnect:
                return !(await link.breakConnection())
            }
        }
        return true
    }

    /// Waits for the ECR's answer to a terminal message; false when none came in time.
    private func awaitAnswer(on link: any ZVTSimulatorLink, timeout: Duration) async throws(ZVTTransportError)
        -> Bool
    {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let frame = try await link.receiveFrame(timeout: remaining) else { return false }
            if frame.first == 0x80 || frame.first == 0x84 { return true }
            // An abort 06 B0 that comes too late, or anything else: not an answer.
        }
    }

    /// True when the ECR sent Abort 06 B0 while the card was awaited.
    private func ecrAborted(on link: any ZVTSimulatorLink, within duration: Duration) async throws(ZVTTransportError)
        -> Bool
    {
        let deadline = ContinuousClock.now.advanced(by: duration)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let frame = try await link.receiveFrame(timeout: remaining) else { return false }
            if frame.count >= 2, frame[0] == 0x06, frame[1] == 0xB0 { return true }
        }
    }

    private func handle(_ frame: [UInt8]) -> [ZVTSimulatorStep] {
        let steps = terminal.handle(frame: frame)
        writeJournal()
        return steps
    }

    private func book(_ journal: ZVTSimulatorJournal) {
        var updated = journal
        // Keep command counts that arrived after the script was made.
        for (name, count) in terminal.journal.commands where count > updated.commands[name, default: 0] {
            updated.commands[name] = count
        }
        terminal.book(updated)
        writeJournal()
    }

    private func writeJournal() {
        guard let journalURL else { return }
        try? terminal.journal.write(to: journalURL)
    }
}
