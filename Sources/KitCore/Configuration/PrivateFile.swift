import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files that must be readable by their owner only (databases, keys, tokens), with exactly the
/// mode asked for whatever the process's umask: the mode is set with `fchmod` on the open file,
/// before any secret is written into it.
public enum PrivateFile {
    /// Creates `path` if it is missing and gives it (or the existing file) exactly `mode`.
    /// SQLite gives a database's `-wal` and `-shm` files the mode of the database file, so
    /// calling this before opening a database covers them too.
    public static func ensure(_ path: String, mode: mode_t = 0o600) throws(PrivateFileError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Writes `bytes` to `path` atomically (temporary file with `mode`, fsync, rename).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(PrivateFileError) {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        func fail() -> PrivateFileError {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            return .cannotCreate(path: path, reason: reason)
        }
        guard fchmod(fd, mode) == 0 else { throw fail() }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard result > 0 else { throw fail() }
            written += result
        }
        guard fsync(fd) == 0 else { throw fail() }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotCreate(path: path, reason: reason)
        }
        // The rename is durable only once the folder is synced: without it a power cut can bring
        // back the old file (or none) although the new one was reported written.
        try syncFolder(of: path)
    }

    /// fsync on the folder that holds `path`, making a rename or a new file in it durable.
    public static func syncFolder(of path: String) throws(PrivateFileError) {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
    }
}

/// Why a private file cannot be created.
public enum PrivateFileError: Error, Equatable, CustomStringConvertible {
    /// Creating, writing or setting the mode failed.
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "\(path) cannot be created with owner-only access (\(reason)): check the folder's owner and mode"
        }
    }
}
