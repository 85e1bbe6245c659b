import Foundation

/// The doctor's answer: every finding in check order, the worst status and the exit code
/// (0 all well, 1 warnings only, 2 at least one failure — the convention of monitoring plug-ins,
/// so a fleet's monitoring can run `kit-agent doctor` as it is).
public struct DoctorReport: Codable, Sendable, Equatable {
    /// Which kit, agent and machine the findings are about (for a ticket).
    public var header: DoctorHeader?
    public var findings: [DoctorFinding]
    public var checkedAt: Date

    public init(findings: [DoctorFinding], checkedAt: Date = Date(), header: DoctorHeader? = nil) {
        self.header = header
        self.findings = findings
        self.checkedAt = checkedAt
    }

    /// The worst status of all findings (`ok` when everything was skipped).
    public var overall: DoctorFinding.Status {
        max(findings.map(\.status).max() ?? .ok, .ok)
    }

    public var exitCode: Int32 {
        switch overall {
        case .skipped, .ok: return 0
        case .warning: return 1
        case .failure: return 2
        }
    }

    /// The finding of one check.
    public func finding(_ check: String) -> DoctorFinding? {
        findings.first { $0.check == check }
    }

    /// A plain-text table for a terminal: check, status, detail, and a `fix:` line under each
    /// warning and failure. Long details wrap at `width`.
    public func table(width: Int = 100) -> String {
        let nameWidth = max(5, findings.map(\.check.count).max() ?? 5)
        let statusWidth = 7
        let detailWidth = max(30, width - nameWidth - statusWidth - 4)
        func pad(_ text: String, _ count: Int) -> String {
            text.count >= count ? text : text + String(repeating: " ", count: count - text.count)
        }
        let indent = String(repeating: " ", count: nameWidth + statusWidth + 4)
        var lines = header.map { $0.lines() + [""] } ?? []
        lines.append(pad("CHECK", nameWidth) + "  " + pad("STATUS", statusWidth) + "  DETAIL")
        for finding in findings {
            let label: String
            switch finding.status {
            case .ok: label = "ok"
            case .warning: label = "WARN"
            case .failure: label = "FAIL"
            case .skipped: label = "-"
            }
            let wrapped = Self.wrap(finding.detail, width: detailWidth)
            lines.append(pad(finding.check, nameWidth) + "  " + pad(label, statusWidth) + "  " + (wrapped.first ?? ""))
            for line in wrapped.dropFirst() { lines.append(indent + line) }
            if let fix = finding.fix, finding.status >= .warning {
                for (index, line) in Self.wrap("fix: " + fix, width: detailWidth).enumerated() {
                    lines.append(indent + (index == 0 ? line : "     " + line))
                }
            }
        }
        let counts = DoctorFinding.Status.allCases.reversed().compactMap { status -> String? in
            let count = findings.filter { $0.status == status }.count
            return count == 0 ? nil : "\(count) \(status.rawValue)"
        }
        lines.append("")
        lines.append(
            (overall == .failure ? "Not ready: " : overall == .warning ? "Ready, with warnings: " : "All well: ")
                + counts.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
