import Foundation

/// One thing the doctor looks at. A check never throws: whatever goes wrong is its finding.
public protocol DoctorCheck: Sendable {
    /// Short name shown in the table, e.g. `pcscd`.
    var name: String { get }
    func run() async -> DoctorFinding
}

/// `kit-agent doctor`: runs every check in turn, each with a deadline, so one hanging device
/// cannot hide the others, and collects the findings into a report.
public struct Doctor: Sendable {
    public var checks: [any DoctorCheck]
    /// Longest time one check may take before it counts as failed.
    public var deadline: Duration

    public init(checks: [any DoctorCheck], deadline: Duration = .seconds(15)) {
        self.checks = checks
        self.deadline = deadline
    }

    public func run() async -> DoctorReport {
        var findings: [DoctorFinding] = []
        for check in checks {
            findings.append(await Self.run(check, deadline: deadline))
        }
        return DoctorReport(findings: findings)
    }

    static func run(_ check: any DoctorCheck, deadline: Duration) async -> DoctorFinding {
        await withTaskGroup(of: DoctorFinding?.self) { group in
            group.addTask { await check.run() }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
                ?? .failure(
                    check.name, "the check did not finish within \(deadline.components.seconds) s",
                    fix: "the device or service hangs: unplug and replug it, or restart the service")
        }
    }
}
