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
        let fix = timeoutFix(for: name)
        guard unfinishedChecks.withLock({ $0.insert(name).inserted }) else {
            return .failure(name, "the same check from before has not returned yet", fix: fix)
        }
        let finding = await DeviceProbeExecutor.checks.run(within: deadline) {
            let finding = await check.run()
            _ = unfinishedChecks.withLock { $0.remove(name) }
            return finding
        }
        guard let finding else {
            return .failure(
                name, "timed out: the check did not finish within \(deadline.components.seconds) s", fix: fix)
        }
        return finding
    }

    /// What to do when a check hangs: each part hangs for its own reasons.
    static func timeoutFix(for check: String) -> String {
        switch check {
        case "agent":
            return
                "kit-agent does not answer on its local API: journalctl -u kit-agent, then systemctl restart kit-agent"
        case "server", "clock":
            return "the server does not answer in time: check the vpn line above, the mobile connection and the "
                + "server's load (curl -v SERVER_URL/v1/version)"
        case "vpn":
            return "WireGuard does not answer: sudo wg show; systemctl restart wg-quick@INTERFACE"
        case "pcscd", "card-reader":
            return "pcscd does not answer: systemctl restart pcscd.socket pcscd; then unplug and replug the reader"
        case "ec-terminal":
            return "the EC terminal does not answer: check its network cable or serial line and restart the terminal"
        case "queue", "disk":
            return "the disk or the outbox database blocks: check the disk (dmesg, smartctl), then restart kit-agent"
        case "tls-certificate", "terminal-certificates", "access":
            return "reading files blocks: check the disk (dmesg) and the state directory's file system"
        default:
            return "the device hangs: unplug and replug it; if it stays, restart kit-agent"
        }
    }
}

/// The names of this process's checks that have not returned yet.
private let unfinishedChecks = Mutex<Set<String>>([])
