import Foundation
import KitCore

#if canImport(Glibc)
    import Glibc
#endif

/// Small files that hold keys: written atomically (temporary file, fsync, rename) with mode 0600,
/// read back only if they are still private.
enum SecretFile {
    static func write(_ bytes: [UInt8], to path: String) throws(KeyStoreError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        // Exactly 0600 whatever the umask (it may have taken the owner's bits too).
        guard fchmod(fd, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard result > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw .cannotWrite(path: path, reason: reason)
            }
            written += result
        }
        guard fsync(fd) == 0, close(fd) == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
        // Until the folder is synced, a power cut can undo the rename: the kit would lose a key
        // that already signed transactions in the outbox.
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// The file's bytes, nil if it does not exist. Refuses files others can read.
    static func read(_ path: String) throws(KeyStoreError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw .cannotRead(path: path, reason: "\(error)")
        }
        guard let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 == 0 else {
            throw .tooOpen(path: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, reason: "unreadable")
        }
        return Array(data)
    }
}

/// Why a key file cannot be used, worded for IT staff.
public enum KeyStoreError: Error, Equatable, CustomStringConvertible {
    /// A key file cannot be written.
    case cannotWrite(path: String, reason: String)
    /// A key file cannot be read.
    case cannotRead(path: String, reason: String)
    /// A key file can be read by other users; the agent refuses to use it.
    case tooOpen(path: String)
    /// A key file does not hold a key of the expected kind.
    case damaged(path: String, reason: String)
    /// The server's data key has not been installed yet.
    case noServerDataKey(path: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "key file \(path) cannot be written: \(reason)"
        case .cannotRead(let path, let reason): return "key file \(path) cannot be read: \(reason)"
        case .tooOpen(let path): return "key file \(path) is readable by other users: run chmod 600 on it"
        case .damaged(let path, let reason): return "key file \(path) is damaged: \(reason)"
        case .noServerDataKey(let path):
            return "the sync server's data key is not installed (\(path)): enroll the kit or set server.dataKeyFile"
        }
    }
}

extension SecretFile {
    /// Renames a key file over another (atomic on one file system).
    static func move(_ path: String, to target: String) throws(KeyStoreError) {
        guard Glibc.rename(path, target) == 0 else {
            throw .cannotWrite(path: target, reason: String(cString: strerror(errno)))
        }
    }

    /// Removes a key file; a missing one is fine.
    static func remove(_ path: String) throws(KeyStoreError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Makes renames in `directory` durable (fsync on the folder).
    static func syncDirectory(_ directory: String) throws(KeyStoreError) {
        do {
            try PrivateFile.syncFolder(of: directory + "/.")
        } catch {
            throw .cannotWrite(path: directory, reason: "\(error)")
        }
    }
}

/// An exclusive `flock(2)` on `keys/tls-renewal.lock`: one certificate renewal at a time per kit,
/// whether the running agent or `kit-agent renew-certificate` starts it.
final class RenewalLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Nil when `wait` is false and another renewal holds the lock.
    static func acquire(_ keys: KitKeyStore, wait: Bool) throws(KeyStoreError) -> RenewalLock? {
        let path = KitTLSIdentity.renewalLockPath(keys)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(fd)
            if busy { return nil }
            throw .cannotWrite(path: path, reason: reason)
        }
        return RenewalLock(fd: fd)
    }

    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
