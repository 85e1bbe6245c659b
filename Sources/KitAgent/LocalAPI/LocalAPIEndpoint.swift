import Foundation
import KitCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where a running agent's local API listens and the token clients must present. Written by
/// `kit-agent run` to `run/local-api.json` in the state directory (mode 0600, so only the
/// agent's user can read the token) and removed on a clean stop.
public struct LocalAPIEndpoint: Codable, Sendable, Equatable {
    /// Loopback port the API listens on.
    public var port: Int
    /// Bearer token for this run of the agent; a new one at every start.
    public var token: String
    /// Process id of the agent that wrote the file.
    public var processID: Int32

    public init(port: Int, token: String, processID: Int32) {
        self.port = port
        self.token = token
        self.processID = processID
    }

    /// Base URL of the API.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The clerk's page with this run's token in the fragment (which browsers never send).
    public var clerkPageURL: String { baseURL + "/ui/#token=" + token }

    /// Path of the endpoint file inside a state directory.
    public static func path(in stateDirectory: String) -> String {
        stateDirectory + "/run/local-api.json"
    }

    /// A new random token for this run (``SecretToken``).
    public static func newToken() -> String { SecretToken.generate() }

    /// Writes the file atomically with mode 0600.
    public func write(toStateDirectory stateDirectory: String) throws(AgentError) {
        let path = Self.path(in: stateDirectory)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let data = try WireCoding.encoder().encode(self)
            let temporary = path + ".tmp"
            guard
                FileManager.default.createFile(
                    atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
            else {
                throw AgentError.runtimeFile(path: path, reason: String(cString: strerror(errno)))
            }
            guard rename(temporary, path) == 0 else {
                throw AgentError.runtimeFile(path: path, reason: String(cString: strerror(errno)))
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw .runtimeFile(path: path, reason: String(describing: error))
        }
    }

    /// Reads the file of the agent running with this state directory.
    public static func read(fromStateDirectory stateDirectory: String) throws(AgentError) -> LocalAPIEndpoint {
        let path = Self.path(in: stateDirectory)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .notRunning(stateDirectory: stateDirectory)
        }
        do {
            return try WireCoding.decoder().decode(LocalAPIEndpoint.self, from: data)
        } catch {
            throw .runtimeFile(path: path, reason: "damaged (\(error)); restart kit-agent")
        }
    }

    /// Removes the file if it still belongs to this process.
    public static func remove(fromStateDirectory stateDirectory: String, processID: Int32) {
        let path = Self.path(in: stateDirectory)
        if let existing = try? read(fromStateDirectory: stateDirectory), existing.processID == processID {
            unlink(path)
        }
    }
}
