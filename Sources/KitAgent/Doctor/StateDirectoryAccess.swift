import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the user running `kit-agent doctor` can read the agent's state directory. On a kit the
/// directory belongs to the service user with mode 0700, so an IT person's own account cannot read
/// it: then the agent, enrollment and queue checks would see "nothing there" and report a running,
/// enrolled kit as stopped and new. The doctor asks first and, when access is missing, says so once.
public enum StateDirectoryAccess: Sendable, Equatable {
    /// Everything the doctor reads there can be read (or does not exist yet).
    case readable
    /// The directory does not exist: a kit that never ran.
    case absent
    /// Reading `path` was refused (EACCES/EPERM); `owner` is the user the directory belongs to.
    case denied(path: String, owner: String?)

    /// Probes the directory and the files the checks read: the local-API endpoint, the outbox
    /// database and the key folder.
    public static func probe(_ stateDirectory: String) -> StateDirectoryAccess {
        let directoryDescriptor = open(stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            close(directoryDescriptor)
        } else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .absent }
            if denied(code) {
                // The owner is known when the parent may be passed (ls -ld works).
                return .denied(path: stateDirectory, owner: owner(of: stateDirectory))
            }
        }
        let owner = owner(of: stateDirectory)
        if let directory = opendir(stateDirectory) {
            closedir(directory)
        } else if denied(errno) {
            return .denied(path: stateDirectory, owner: owner)
        }
        for file in [LocalAPIEndpoint.path(in: stateDirectory), stateDirectory + "/agent.sqlite"] {
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                close(descriptor)
            } else if denied(errno) {
                return .denied(path: file, owner: owner)
            }
        }
        let keys = stateDirectory + "/keys"
        if let directory = opendir(keys) {
            closedir(directory)
        } else if denied(errno) {
            return .denied(path: keys, owner: owner)
        }
        return .readable
    }

    private static func denied(_ code: Int32) -> Bool { code == EACCES || code == EPERM }

    static func owner(of path: String) -> String? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.ownerAccountName] as? String
    }

    static func userName(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// The name of the user running this process, or its uid.
    static var currentUser: String {
        let uid = geteuid()
        return userName(uid) ?? "uid \(uid)"
    }
}

/// The one finding for missing access: names the directory, this user and the command that works.
public struct StateAccessCheck: DoctorCheck {
    public let name = "access"
    let access: StateDirectoryAccess
    /// The doctor's own command line (program and arguments), to repeat it with sudo.
    let commandLine: [String]
    /// The service user of the packaged systemd unit (`User=` in packaging/systemd/kit-agent.service).
    public static let serviceUser = "kit-agent"

    public init(access: StateDirectoryAccess, commandLine: [String]) {
        self.access = access
        self.commandLine = commandLine
    }

    public func run() async -> DoctorFinding {
        switch access {
        case .readable: return .ok(name, "this user (\(StateDirectoryAccess.currentUser)) can read the agent's files")
        case .absent: return .ok(name, "no state directory yet (the agent has never run here)")
        case .denied(let path, let owner):
            let detail =
                "this user (\(StateDirectoryAccess.currentUser)) may not read \(path): the agent, enrollment, "
                + "certificate and queue checks cannot see the kit's state and were not run"
            return .failure(name, detail, fix: fix(owner: owner))
        }
    }

    /// `sudo -u OWNER <same command>`, or `sudo <same command>` when root owns the files.
    func fix(owner: String?) -> String {
        let command = commandLine.map(Self.shellQuoted).joined(separator: " ")
        let user = owner ?? Self.serviceUser
        let asOwner = user == "root" ? "sudo \(command)" : "sudo -u \(user) \(command)"
        let asRoot = "sudo \(command)"
        if asOwner == asRoot { return "run the doctor as root: \(asRoot)" }
        return "run the doctor as the agent's user: \(asOwner) — or as root, which also reads the VPN "
            + "handshake: \(asRoot)"
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_./=:,@+".utf8.contains(byte)
        }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A check that was not run because an earlier finding makes it pointless; it says why.
struct NotRunCheck: DoctorCheck {
    let name: String
    let reason: String

    func run() async -> DoctorFinding { .skipped(name, reason) }
}
