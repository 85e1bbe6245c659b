import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The folder where a program keeps its durable state (databases, keys, runtime files).
///
/// It is created with mode 0700 when missing; an existing one must be a directory the program can
/// write to. Checked once at start-up so that a wrong path fails in one clear line, not later in
/// the middle of a home visit.
public struct StateDirectory: Sendable, Equatable {
    /// Absolute path of the folder.
    public let path: String

    /// Creates the folder if needed and checks that it is usable.
    public static func prepare(_ path: String) throws(StateDirectoryError) -> StateDirectory {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(path: absolute) }
        } else {
            try createDirectories(absolute)
        }
        // Root passes every permission check, so probe by writing instead of asking access(2).
        let probe = absolute + "/.write-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw .notWritable(path: absolute, reason: String(cString: strerror(errno)))
        }
        close(fd)
        unlink(probe)
        return StateDirectory(path: absolute)
    }

    /// Path of a file or folder inside the state directory.
    public func appending(_ component: String) -> String {
        path + "/" + component
    }

    /// `mkdir -p` with mode 0700, reporting the first component that fails and why (errno).
    private static func createDirectories(_ absolute: String) throws(StateDirectoryError) {
        var current = ""
        for component in absolute.split(separator: "/") {
            current += "/" + component
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw .cannotCreate(path: absolute, reason: "\(current) is a file, not a folder")
                }
                continue
            }
            guard mkdir(current, 0o700) == 0 || errno == EEXIST else {
                throw .cannotCreate(path: absolute, reason: "\(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Why a state directory cannot be used.
public enum StateDirectoryError: Error, Equatable, CustomStringConvertible {
    /// The path exists but is a file, not a folder.
    case notADirectory(path: String)
    /// The folder is missing and cannot be created.
    case cannotCreate(path: String, reason: String)
    /// The folder exists but files cannot be written in it.
    case notWritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let path):
            return "state directory \(path) is not a directory: move the file away or choose another --state-dir"
        case .cannotCreate(let path, let reason):
            return "state directory \(path) cannot be created (\(reason)): create it or choose another --state-dir"
        case .notWritable(let path, let reason):
            return
                "state directory \(path) is not writable (\(reason)): fix its owner and mode or choose another --state-dir"
        }
    }
}
