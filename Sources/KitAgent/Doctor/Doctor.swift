import Foundation
import Synchronization

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

    /// Runs one check on a thread of its own (it may block inside a C library) and waits for it
    /// until `deadline`. A check that overruns is reported as failed and left to finish on its
    /// thread; while it has not returned, the same check is not started again (a hung pcscd would
    /// otherwise take one more thread every round of the health monitor).
    static func run(_ check: any DoctorCheck, deadline: Duration) async -> DoctorFinding {
        let name = check.name
        let fix = "the device or service hangs: unplug and replug it, or restart the service"
        guard unfinishedChecks.withLock({ $0.insert(name).inserted }) else {
            return .failure(name, "the same check from before has not returned yet", fix: fix)
        }
        let finding = await DeviceProbeExecutor.checks.run(within: deadline) {
            let finding = await check.run()
            _ = unfinishedChecks.withLock { $0.remove(name) }
            return finding
        }
        guard let finding else {
            return .failure(name, "the check did not finish within \(deadline.components.seconds) s", fix: fix)
        }
        return finding
    }
}

/// The names of this process's checks that have not returned yet.
private let unfinishedChecks = Mutex<Set<String>>([])
