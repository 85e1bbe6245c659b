import Foundation
import Testing

@testable import KitAgent

/// `kit-agent doctor --bundle`: nothing personal leaves the kit in a support bundle.
@Suite("kit-agent doctor: support bundle")
struct DoctorBundleTests {
    struct Citizen: Decodable {
        struct Address: Decodable {
            var street: String
            var zip: String
            var city: String
        }
        var givenNames: String
        var familyName: String
        var dateOfBirth: String
        var address: Address
    }
    struct DemoCase: Decodable {
        struct Snapshot: Decodable {
            var caseId: String
            var citizen: Citizen
        }
        var snapshot: Snapshot
    }

    /// The demo cases' citizens (names, birth dates, addresses) from `demo/cases.json`.
    static func demoCases() throws -> [DemoCase] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try JSONDecoder().decode(
            [DemoCase].self, from: Data(contentsOf: root.appendingPathComponent("demo/cases.json")))
    }

    static func markers(_ citizen: Citizen) -> [String] {
        citizen.givenNames.split(separator: " ").map(String.init) + [
            citizen.familyName, citizen.dateOfBirth, citizen.address.street, citizen.address.zip,
        ]
    }

    @Test func theBundleHoldsNoNameAddressBirthDateCANOrCardNumberButKeepsCaseIds() async throws {
        let cases = try Self.demoCases()
        #expect(cases.count >= 3)
        let state = NSTemporaryDirectory() + "kit-bundle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        // A log and a "queue" with the citizens in them, the way a careless line would write them.
        var lines: [String] = []
        for demo in cases {
            let citizen = demo.snapshot.citizen
            let address = citizen.address
            lines += [
                "2026-12-07T10:00:00+0100 error kit-agent : caseId=\(demo.snapshot.caseId) "
                    + "familyName=\(citizen.familyName) identity check failed for \(citizen.givenNames) "
                    + "\(citizen.familyName), born \(citizen.dateOfBirth), \(address.street), \(address.zip) "
                    + "\(address.city), CAN 123456, PIN 654321, card 4111 1111 1111 1111",
                "2026-12-07T10:00:01+0100 info kit-agent : {\"givenNames\":\"\(citizen.givenNames)\","
                    + "\"address\":{\"street\":\"\(address.street)\",\"zip\":\"\(address.zip)\"}} "
                    + "Sync failed: \(citizen.familyName) at \(address.street)",
            ]
        }
        lines.append("2026-12-07T10:00:02+0100 notice kit-agent : Server https://10.203.0.2:8480 answered in 12 ms")
        let logFile = state + "/agent.log"
        try lines.joined(separator: "\n").write(toFile: logFile, atomically: true, encoding: .utf8)
        try lines.joined(separator: "\n").write(toFile: state + "/agent.sqlite", atomically: true, encoding: .utf8)

        let report = DoctorReport(
            findings: [.ok("queue", "3 waiting")],
            header: DoctorHeader(kitId: "kit-demo-01", configurationFile: nil, stateDirectory: state))
        let logs = SupportBundle.readLogs(files: [logFile], unit: "kit-agent-not-installed-\(UUID().uuidString)")
        #expect(logs.sources == [logFile])
        let path = state + "/support.tar.gz"
        try SupportBundle(
            report: report, configuration: ["terminal.zvt.password": "(set, not included)"], logLines: logs.lines,
            logSources: logs.sources
        ).write(to: path)

        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
        let content = try Self.unpacked(path)
        #expect(content.contains("kit-agent-support/doctor.json") || content.contains("\"findings\""))
        #expect(content.contains("2026-MZ-0101"), "case ids stay")
        #expect(content.contains("https://10.203.0.2:8480"), "addresses of servers and ports stay")
        #expect(content.contains("kit-demo-01"))
        for demo in cases {
            for marker in Self.markers(demo.snapshot.citizen) {
                #expect(!content.contains(marker), "\(marker) is in the bundle")
            }
        }
        for marker in ["123456", "654321", "4111 1111 1111 1111", "Mainz"] {
            #expect(!content.contains(marker), "\(marker) is in the bundle")
        }
    }

    @Test(arguments: [
        ("born 1937-04-02 in Mainz", "born [redacted] in [redacted]"),
        ("token=abc.def secret: \"x y\"", "token=[redacted] secret: [redacted]"),
        ("at 2026-12-07T10:00:00+0100 seq 17 port :51820", "at 2026-12-07T10:00:00+0100 seq 17 port :51820"),
        ("WireGuard peer never answered", "WireGuard peer never answered"),
        ("Kaiserstraße 12, 55116 Mainz", "[redacted] 12, [redacted] [redacted]"),
        ("geb. 02.04.1937", "geb. [redacted]"),
    ])
    func redactionRules(line: String, expected: String) {
        #expect(LogRedaction.redact(line) == expected)
    }

    /// Every member of the tar.gz, concatenated (`tar -xzOf`), plus the member list.
    static func unpacked(_ path: String) throws -> String {
        func run(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self)
        }
        let members = try run(["-tzf", path])
        return members + (try run(["-xzOf", path]))
    }
}
