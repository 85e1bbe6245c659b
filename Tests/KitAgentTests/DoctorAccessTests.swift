import Foundation
import Testing

@testable import KitAgent

/// Doctor run by a user who cannot read the agent's files, and the header.
@Suite("kit-agent doctor: access and header")
struct DoctorAccessTests {
    @Test func missingAccessIsOneFindingWithTheCommandAndNoEnrollAdvice() async {
        let access = StateDirectoryAccess.denied(path: "/var/lib/kit-agent", owner: "kit-agent")
        let doctor = Doctor.kit(
            stateDirectory: "/var/lib/kit-agent", serverURL: URL(string: "https://sync.example:8443"),
            vpnInterface: nil, keys: nil, deadline: .seconds(5), access: access,
            commandLine: ["kit-agent", "doctor", "--state-dir", "/var/lib/kit-agent"])
        #expect(doctor.checks.first?.name == "access")
        let names = ["agent", "server", "tls-certificate", "clock", "queue"]
        var findings: [DoctorFinding] = []
        for check in doctor.checks where check.name == "access" || names.contains(check.name) {
            findings.append(await check.run())
        }
        let first = findings.first
        #expect(first?.status == .failure)
        #expect(first?.detail.contains("may not read /var/lib/kit-agent") == true)
        #expect(
            first?.fix?.contains("sudo -u kit-agent kit-agent doctor --state-dir /var/lib/kit-agent") == true)
        for finding in findings.dropFirst() {
            #expect(finding.status == .skipped, "\(finding)")
            #expect(!finding.detail.contains("not running") && !finding.detail.contains("not enrolled"))
            #expect(finding.fix == nil)
        }
    }

    @Test func rootOwnedFilesAskForSudoAndOddArgumentsAreQuoted() {
        let check = StateAccessCheck(
            access: .denied(path: "/srv/kit", owner: "root"), commandLine: ["kit-agent", "doctor", "--config", "a b"])
        #expect(check.fix(owner: "root") == "run the doctor as root: sudo kit-agent doctor --config 'a b'")
    }

    @Test func aReadableDirectoryKeepsEveryCheck() {
        let doctor = Doctor.kit(stateDirectory: "/tmp/none", serverURL: nil, vpnInterface: nil, keys: nil)
        #expect(!doctor.checks.contains { $0.name == "access" })
        #expect(doctor.checks.first?.name == "agent")
        #expect(StateDirectoryAccess.probe("/nonexistent/kit-state") == .absent)
    }

    @Test func theHeaderNamesKitVersionHostConfigurationAndLocalTime() throws {
        let header = DoctorHeader(
            kitId: "kit-mz-07", configurationFile: "/etc/kit-agent/kit-agent.json",
            stateDirectory: "/var/lib/kit-agent",
            now: Date(timeIntervalSince1970: 1_796_656_000),
            timeZone: try #require(TimeZone(identifier: "Europe/Berlin")),
            hostName: "koffer-07")
        #expect(header.localTime == "2026-12-07T16:06:40+01:00")
        let report = DoctorReport(findings: [.ok("disk", "fine")], header: header)
        let table = report.table()
        #expect(table.hasPrefix("kit kit-mz-07, kit-agent "))
        #expect(table.contains("on koffer-07"))
        #expect(table.contains("configuration /etc/kit-agent/kit-agent.json"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"header\":{"))
        #expect(json.contains("\"findings\":["))
    }
}
