import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a WireGuard interface's peers the way `wg show` does: from the userspace
/// implementation's UAPI socket (`/var/run/wireguard/INTERFACE.sock`, wireguard-go) or, when there
/// is none (kernel WireGuard), from `wg show INTERFACE dump`. Both need root.
public struct WireGuardStatusReader: Sendable {
    /// Where userspace implementations put their sockets (wireguard.com/xplatform).
    public var socketDirectories: [String]
    /// The `wg` program for kernel interfaces.
    public var wgCandidates: [String]

    public init(
        socketDirectories: [String] = ["/var/run/wireguard", "/run/wireguard"],
        wgCandidates: [String] = ["/usr/bin/wg", "/usr/sbin/wg", "/usr/local/bin/wg"]
    ) {
        self.socketDirectories = socketDirectories
        self.wgCandidates = wgCandidates
    }

    /// Why the peers could not be read.
    public enum Problem: Error, Sendable, Equatable {
        /// This user may not ask (socket or netlink need root).
        case notPermitted
        /// Neither a UAPI socket nor `wg` knows the interface as WireGuard (`wg` missing, or another VPN).
        case notWireGuard(String)
        /// The answer was unusable.
        case unreadable(String)
    }

    public func peers(of interface: String) -> Result<[WireGuardPeerStatus], Problem> {
        for directory in socketDirectories {
            let path = directory + "/" + interface + ".sock"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            switch Self.askSocket(path) {
            case .success(let text):
                do {
                    return .success(try WireGuardPeerStatus.parseUserspaceAnswer(text))
                } catch {
                    return .failure(.unreadable(error.description))
                }
            case .failure(let problem): return .failure(problem)
            }
        }
        return askWG(interface)
    }

    /// `get=1` on the UAPI socket, with a two-second limit for a hung implementation.
    static func askSocket(_ path: String) -> Result<String, Problem> {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return .failure(.unreadable("socket: \(String(cString: strerror(errno)))")) }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            return .failure(.unreadable("socket path too long"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            if code == EACCES || code == EPERM { return .failure(.notPermitted) }
            return .failure(.unreadable("the WireGuard socket does not answer (\(String(cString: strerror(code))))"))
        }
        let request = Array("get=1\n\n".utf8)
        guard
            request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) })
                == request.count
        else { return .failure(.unreadable("the WireGuard socket does not take the request")) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count <= WireGuardPeerStatus.maximumAnswerBytes {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 { return .failure(.unreadable("the WireGuard socket did not answer within 2 s")) }
            if count == 0 { break }
            answer.append(contentsOf: buffer[0..<count])
            // The answer ends with an empty line after errno=N.
            if answer.count >= 2, answer[answer.count - 1] == 0x0A, answer[answer.count - 2] == 0x0A { break }
        }
        return .success(String(decoding: answer, as: UTF8.self))
    }

    func askWG(_ interface: String) -> Result<[WireGuardPeerStatus], Problem> {
        guard let wg = wgCandidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .failure(.notWireGuard("no WireGuard socket for \(interface) and wg is not installed"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wg)
        process.arguments = ["show", interface, "dump"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(.notWireGuard("wg cannot be started"))
        }
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if problem.contains("Operation not permitted") || problem.contains("Permission denied") {
                return .failure(.notPermitted)
            }
            return .failure(.notWireGuard("wg show \(interface) does not know it as a WireGuard interface"))
        }
        do {
            return .success(try WireGuardPeerStatus.parseDump(String(decoding: text, as: UTF8.self)))
        } catch {
            return .failure(.unreadable(error.description))
        }
    }
}
