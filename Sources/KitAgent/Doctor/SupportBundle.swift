import Foundation
import KitCore

#if canImport(Glibc)
    import Glibc
#endif

/// `kit-agent doctor --bundle FILE`: one tar.gz for an IT ticket with the doctor's report, the
/// versions, the configuration without secrets and the recent agent log with personal data
/// removed (``LogRedaction``). Never the database, the queue's payloads or any key. Mode 0600.
public struct SupportBundle: Sendable {
    public var report: DoctorReport
    /// Effective configuration, key to value; secrets are already replaced.
    public var configuration: [String: String]
    /// Log lines as read, oldest first; redacted when written.
    public var logLines: [String]
    /// Where the log lines came from (for the reader of the ticket).
    public var logSources: [String]

    /// The most recent lines kept.
    public static let maximumLogLines = 5000

    public init(report: DoctorReport, configuration: [String: String], logLines: [String], logSources: [String]) {
        self.report = report
        self.configuration = configuration
        self.logLines = Array(logLines.suffix(Self.maximumLogLines))
        self.logSources = logSources
    }

    /// The files of the bundle, name to content.
    public func files() throws(SupportBundleError) -> [(name: String, content: Data)] {
        let encoder = WireCoding.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let configurationEncoder = JSONEncoder()
        configurationEncoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let doctor: Data
        let configuration: Data
        do {
            doctor = try encoder.encode(report)
            configuration = try configurationEncoder.encode(self.configuration)
        } catch {
            throw .cannotWrite(path: "bundle", reason: "cannot encode: \(error)")
        }
        let log =
            ([
                "# kit-agent log, personal data removed; sources: "
                    + (logSources.isEmpty ? "none found" : logSources.joined(separator: ", "))
            ]
            + logLines.map(LogRedaction.redact)).joined(separator: "\n") + "\n"
        return [
            ("doctor.json", doctor),
            ("versions.txt", Data(Self.versions().utf8)),
            ("configuration.json", configuration),
            ("agent.log", Data(log.utf8)),
        ]
    }

    /// Writes the bundle as tar.gz to `path` with mode 0600 (replacing a file there).
    public func write(to path: String) throws(SupportBundleError) {
        let files = try files()
        let staging = NSTemporaryDirectory() + "/kit-agent-bundle-" + UUID().uuidString
        guard mkdir(staging, 0o700) == 0 else {
            throw .cannotWrite(path: staging, reason: String(cString: strerror(errno)))
        }
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let folder = staging + "/kit-agent-support"
        guard mkdir(folder, 0o700) == 0 else {
            throw .cannotWrite(path: folder, reason: String(cString: strerror(errno)))
        }
        for file in files {
            guard
                FileManager.default.createFile(
                    atPath: folder + "/" + file.name, contents: file.content, attributes: [.posixPermissions: 0o600])
            else { throw .cannotWrite(path: folder + "/" + file.name, reason: "cannot create") }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        let output = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // An existing file keeps its mode on open: narrow it.
        fchmod(descriptor, 0o600)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = [
            "--create", "--gzip", "--file", "-", "--owner=0", "--group=0", "--numeric-owner", "--directory", staging,
            "kit-agent-support",
        ]
        tar.standardOutput = output
        tar.standardError = FileHandle.nullDevice
        do {
            try tar.run()
        } catch {
            throw .cannotWrite(path: path, reason: "tar cannot be started (\(error))")
        }
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else {
            throw .cannotWrite(path: path, reason: "tar ended with \(tar.terminationStatus)")
        }
    }

    /// The agent's release and API, the operating system and the kernel.
    static func versions() -> String {
        var lines = ["kit-agent \(KitVersion.release) (API \(KitVersion.apiVersion))"]
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
            let pretty = release.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") })
        {
            lines.append("os " + pretty.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: ["\""]))
        }
        var name = utsname()
        if uname(&name) == 0 {
            func text<T>(_ value: T) -> String {
                withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
            lines.append("kernel \(text(name.sysname)) \(text(name.release)) \(text(name.machine))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The agent's recent log: the systemd journal of the unit (last 24 h) when readable, plus
    /// files the agent's stderr was sent to.
    public static func readLogs(files: [String], unit: String = "kit-agent") -> (lines: [String], sources: [String]) {
        var lines: [String] = []
        var sources: [String] = []
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl") {
            let journal = Process()
            journal.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
            journal.arguments = [
                "--unit", unit, "--since", "-24h", "--output", "short-iso", "--no-pager", "--quiet",
                "--lines", String(maximumLogLines),
            ]
            let pipe = Pipe()
            journal.standardOutput = pipe
            journal.standardError = FileHandle.nullDevice
            if (try? journal.run()) != nil {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                journal.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self)
                if journal.terminationStatus == 0, !text.isEmpty, !text.hasPrefix("-- No entries --") {
                    lines += text.split(separator: "\n").map(String.init)
                    sources.append("journal (\(unit), 24 h)")
                }
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            lines += String(decoding: data.suffix(8 << 20), as: UTF8.self).split(separator: "\n").map(String.init)
            sources.append(file)
        }
        return (lines, sources)
    }
}

/// Why the support bundle could not be written.
public enum SupportBundleError: Error, Sendable, CustomStringConvertible {
    /// The file or its staging folder cannot be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "the support bundle cannot be written to \(path): \(reason)"
        }
    }
}
