import Foundation
import KitCore

/// The first lines of `kit-agent doctor`: which kit, which agent, which machine, which
/// configuration and when, so a pasted report or a support bundle identifies itself.
public struct DoctorHeader: Codable, Sendable, Equatable {
    /// The kit's id, nil when it cannot be read (not enrolled, or no access).
    public var kitId: String?
    public var agentVersion: String
    public var apiVersion: Int
    public var hostName: String
    /// The configuration file in use, nil when none is given.
    public var configurationFile: String?
    public var stateDirectory: String
    /// The local time of the run with its offset, e.g. `2026-12-07T16:25:03+01:00`.
    public var localTime: String
    public var timeZone: String

    public init(
        kitId: String?, configurationFile: String?, stateDirectory: String, now: Date = Date(),
        timeZone: TimeZone = .current, hostName: String = DoctorHeader.localHostName()
    ) {
        self.kitId = kitId
        agentVersion = KitVersion.release
        apiVersion = KitVersion.apiVersion
        self.hostName = hostName
        self.configurationFile = configurationFile
        self.stateDirectory = stateDirectory
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        localTime = formatter.string(from: now)
        self.timeZone = timeZone.identifier
    }

    /// The kit id as the doctor finds it without creating anything: the configured one, else the
    /// one kept at enrollment (`keys/kit-id`).
    public static func kitId(configured: String?, stateDirectory: String) -> String? {
        if let configured, !configured.isEmpty { return configured }
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/keys/kit-id") else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The machine's name as `hostname` prints it (no DNS lookup, which may hang offline).
    public static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "(unknown host)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func lines() -> [String] {
        [
            "kit \(kitId ?? "(unknown)"), kit-agent \(agentVersion) (API \(apiVersion)) on \(hostName)",
            "configuration \(configurationFile ?? "(none: defaults and KIT_AGENT_* variables)"), "
                + "state \(stateDirectory)",
            "checked \(localTime) (\(timeZone))",
        ]
    }
}
