import Foundation
import KitCore

/// One thing a kit needs someone to do, as the fleet page's "Handlungsbedarf" column lists it:
/// a German sentence for the back office, and — where the kit reported it — the English technical
/// detail for IT (shown behind "Details für die IT").
struct FleetAction: Equatable {
    enum Severity: Int, Comparable {
        case warning = 1
        case critical = 2

        static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    var severity: Severity
    var text: String
    var technicalDetail: String?

    /// A kit not seen for longer than this is silent.
    static let silentAfter: TimeInterval = 24 * 3_600
    /// A kit certificate expiring within this is due for renewal.
    static let certificateRenewalWindow: TimeInterval = 30 * 86_400

    /// What the fleet knows beyond the kit's own record.
    struct FleetFacts {
        var openConflicts: [String: Int] = [:]
        var certificateExpiries: [String: Date] = [:]
        /// The newest agent version any active kit reported.
        var newestAgentVersion: String?
    }

    /// Everything `kit` needs, most urgent first; empty for a kit without anything to do. A
    /// blocked kit (`kits revoke`) is not in service and needs nothing, unless it is lost.
    static func actions(for kit: KitRecord, facts: FleetFacts, now: Date) -> [FleetAction] {
        var actions: [FleetAction] = []
        if let wipedAt = kit.wipedAt {
            actions.append(
                FleetAction(
                    severity: .warning,
                    text: "Koffer gelöscht am \(PageTime.absolute(wipedAt)) (verloren gemeldet): "
                        + "Gerät einsammeln oder ersetzen"))
        } else if let lostAt = kit.lostAt {
            actions.append(
                FleetAction(
                    severity: .critical,
                    text: "Als verloren gemeldet am \(PageTime.absolute(lostAt)); "
                        + "Löschauftrag wartet auf den nächsten Kontakt"))
        }
        guard kit.active, kit.wipedAt == nil else { return actions }
        if let lastSeen = kit.lastSeenAt {
            if now.timeIntervalSince(lastSeen) > silentAfter {
                actions.append(
                    FleetAction(
                        severity: .critical,
                        text: "Seit \(PageTime.duration(now.timeIntervalSince(lastSeen))) ohne Kontakt "
                            + "(zuletzt \(PageTime.absolute(lastSeen)))"))
            }
        } else {
            actions.append(FleetAction(severity: .warning, text: "Noch nie mit dem Server verbunden"))
        }
        if let report = kit.report {
            if let problem = report.syncProblem {
                actions.append(
                    FleetAction(
                        severity: .critical,
                        text: "Übertragung staut sich seit \(PageTime.absolute(problem.since))"
                            + (problem.seq.map { " (Vorgang \($0))" } ?? "") + ": " + problem.kind.clerkMessage,
                        technicalDetail: problem.reason))
            }
            let parked = parkedCount(report)
            let queueCovered =
                report.syncProblem != nil || parked > 0
                || report.oldestWaitingAt.map { now.timeIntervalSince($0) > silentAfter } == true
            for device in report.devices {
                guard let state = DeviceLabels.severity(device.state) else { continue }
                // The queue's own finding is told below in plainer words.
                if device.device == "queue", queueCovered { continue }
                actions.append(
                    FleetAction(
                        severity: state,
                        text: "\(DeviceLabels.name(device.device)): \(DeviceLabels.state(device.state))",
                        technicalDetail: device.detail.map { "\(device.device): \($0)" }))
            }
            if parked > 0 {
                actions.append(
                    FleetAction(
                        severity: .warning,
                        text: parked == 1
                            ? "1 Transaktion im Koffer zurückgestellt (wartet auf eine Entscheidung)"
                            : "\(parked) Transaktionen im Koffer zurückgestellt (warten auf eine Entscheidung)"))
            }
            if let oldest = report.oldestWaitingAt, now.timeIntervalSince(oldest) > silentAfter {
                actions.append(
                    FleetAction(
                        severity: .warning,
                        text:
                            "Ältester nicht übertragener Eintrag ist \(PageTime.duration(now.timeIntervalSince(oldest))) alt"
                    ))
            }
            if let newest = facts.newestAgentVersion, AgentVersion.isOlder(report.agentVersion, than: newest) {
                actions.append(
                    FleetAction(
                        severity: .warning,
                        text: "Veraltete Koffer-Software \(report.agentVersion) (neueste in der Flotte: \(newest)): "
                            + "aktualisieren"))
            }
        }
        if let conflicts = facts.openConflicts[kit.kitId], conflicts > 0 {
            actions.append(
                FleetAction(
                    severity: .warning,
                    text: conflicts == 1 ? "1 offener Konflikt" : "\(conflicts) offene Konflikte"))
        }
        if let expiry = facts.certificateExpiries[kit.kitId] {
            if expiry <= now {
                actions.append(
                    FleetAction(
                        severity: .critical,
                        text: "Koffer-Zertifikat abgelaufen am \(PageTime.absolute(expiry)): neu einschreiben"))
            } else if expiry.timeIntervalSince(now) < certificateRenewalWindow {
                let days = Int(expiry.timeIntervalSince(now) / 86_400)
                actions.append(
                    FleetAction(
                        severity: .warning,
                        text: "Koffer-Zertifikat läuft am \(PageTime.absolute(expiry)) ab "
                            + "(\(days == 1 ? "noch 1 Tag" : "noch \(days) Tage")): erneuern"))
            }
        }
        return actions.sorted { $0.severity > $1.severity }
    }

    /// The parked transactions the kit's queue check reports ("3 waiting, 2 parked, …"): the kit
    /// sends that detail in English; anything else reads as none.
    static func parkedCount(_ report: KitReport) -> Int {
        guard let detail = report.devices.first(where: { $0.device == "queue" })?.detail else { return 0 }
        let words = detail.prefix(200).split(whereSeparator: { $0 == " " || $0 == "," })
        for (index, word) in words.enumerated() where word == "parked" && index > 0 {
            let count = words[index - 1]
            if count.count <= 6, let value = Int(count), value >= 0 { return value }
        }
        return 0
    }
}

/// Agent versions as kits report them ("1.4.2", "1.5.0-rc1"): compared by their numeric parts.
enum AgentVersion {
    /// The leading numeric parts; nil when the version does not start with a number.
    static func parts(_ version: String) -> [Int]? {
        var parts: [Int] = []
        for component in version.prefix(64).split(separator: ".") {
            let digits = component.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int(digits) else { break }
            parts.append(value)
            if digits.count < component.count { break }
        }
        return parts.isEmpty ? nil : parts
    }

    static func isOlder(_ version: String, than other: String) -> Bool {
        guard let lhs = parts(version), let rhs = parts(other) else { return false }
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            if left != right { return left < right }
        }
        return false
    }

    /// The newest of `versions` that can be compared; nil when none can.
    static func newest(_ versions: [String]) -> String? {
        versions.filter { parts($0) != nil }.max { isOlder($0, than: $1) }
    }
}
