import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import NIOCore
import SyncServer
import Testing

@testable import KitAgent

/// A check that never answers (a hung device).
struct HangingCheck: DoctorCheck {
    let name = "hanging"
    func run() async -> DoctorFinding {
        try? await Task.sleep(for: .seconds(30))
        return .ok(name, "woke up")
    }
}

@Suite("kit-agent doctor", .serialized)
struct DoctorTests {
    @Test func reportWorstStatusExitCodeAndTable() throws {
        let report = DoctorReport(findings: [
            .ok("disk", "70 GiB free"),
            .skipped("vpn", "no VPN interface configured"),
            .warning("queue", "3 waiting, 1 parked", fix: "resolve the conflict"),
        ])
        #expect(report.overall == .warning)
        #expect(report.exitCode == 1)
        let table = report.table()
        #expect(table.contains("queue"))
        #expect(table.contains("WARN"))
        #expect(table.contains("fix: resolve the conflict"))
        #expect(!table.contains("fix: ") || table.components(separatedBy: "fix: ").count == 2)
        #expect(table.hasSuffix("Ready, with warnings: 1 warning, 1 ok, 1 skipped"))

        var failing = report
        failing.findings.append(.failure("pcscd", "pcscd is not running", fix: "start pcscd"))
        #expect(failing.exitCode == 2)
        #expect(DoctorReport(findings: [.skipped("vpn", "-")]).exitCode == 0)

        let encoded = try WireCoding.encoder().encode(failing)
        #expect(try WireCoding.decoder().decode(DoctorReport.self, from: encoded).findings == failing.findings)
    }

    @Test func aHangingCheckFailsAtItsDeadlineAndTheOthersStillRun() async {
        let started = ContinuousClock.now
        let report = await Doctor(
            checks: [HangingCheck(), DiskSpaceCheck(path: NSTemporaryDirectory())], deadline: .milliseconds(300)
        ).run()
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(report.finding("hanging")?.status == .failure)
        #expect(report.finding("hanging")?.detail.contains("did not finish") == true)
        #expect(report.finding("hanging")?.detail.hasPrefix("timed out") == true)
        #expect(report.finding("hanging")?.fix?.contains("unplug") == true)
        // A server that does not answer is not a device to replug (issue #20).
        #expect(Doctor.timeoutFix(for: "server").contains("unplug") == false)
        #expect(Doctor.timeoutFix(for: "pcscd").contains("systemctl restart pcscd"))
        #expect(report.finding("disk")?.status == .ok)
    }

    @Test func diskAlmostFullIsNamed() async {
        let path = temporaryPath("doctor-disk")
        let full = await DiskSpaceCheck(path: path, minimumFreeBytes: Int64.max / 2).run()
        #expect(full.status == .failure)
        #expect(full.detail.hasPrefix("disk almost full"))
        #expect(full.fix?.contains("free space") == true)
        let fine = await DiskSpaceCheck(path: path, minimumFreeBytes: 1, warningFreeBytes: 1).run()
        #expect(fine.status == .ok)
    }

    @Test func vpnDownAndAbsentAreNamed() async throws {
        let folder = InterfaceFolder()
        try folder.set("wg0", flags: "0x1090", operstate: "down")
        let down = await VPNInterfaceCheck(interface: "wg0", sysfsRoot: folder.root).run()
        #expect(down.status == .failure)
        #expect(down.detail.contains("VPN interface wg0 is down"))
        let absent = await VPNInterfaceCheck(interface: "wg1", sysfsRoot: folder.root).run()
        #expect(absent.status == .failure)
        #expect(absent.detail.contains("does not exist"))
        try folder.set("wg0", flags: "0x1091", operstate: "unknown")
        #expect(await VPNInterfaceCheck(interface: "wg0", sysfsRoot: folder.root).run().status == .ok)
        #expect(await VPNInterfaceCheck(interface: nil).run().status == .skipped)
    }

    @Test func padMissingIsNamed() async {
        // No STU pad exists outside the umockdev testbed: the real libusb finds none.
        let finding = await SignaturePadCheck().run()
        #expect(finding.status == .failure)
        #expect(
            finding.detail.contains("no signature pad is connected") || finding.detail.contains("USB is not usable"))
    }

    @Test func serverDownAndServerUpAreNamed() async throws {
        let port = try { () throws -> Int in try ListeningSocket().port }()  // closed again: nothing listens
        let down = await ServerCheck(
            probe: ServerProbe(serverURL: URL(string: "http://127.0.0.1:\(port)"), timeout: .seconds(2))
        ).run()
        #expect(down.status == .failure)
        #expect(down.detail.contains("connection refused"))
        try await withSyncServer(tls: false) { port in
            let probe = ServerProbe(serverURL: URL(string: "http://127.0.0.1:\(port)"))
            let up = await ServerCheck(probe: probe).run()
            #expect(up.status == .ok, "\(up)")
            // The same probe's Date header feeds the clock check: same machine, no skew.
            let clock = await ClockCheck(serverDate: { await probe.serverDate() }).run()
            #expect(clock.status == .ok, "\(clock)")
        }
        let skewed = await ClockCheck(serverDate: { Date().addingTimeInterval(-3600) }).run()
        #expect(skewed.status == .warning)
        #expect(skewed.detail.contains("3600 s ahead of"))
    }

    @Test func pcscdStoppedIsNamedAndRunningIsNot() async throws {
        let pcscd = "/usr/sbin/pcscd"
        guard FileManager.default.isExecutableFile(atPath: pcscd) else {
            Issue.record("pcscd is not installed (scripts/setup installs it)")
            return
        }
        let before = await SmartCardServiceCheck().run()
        guard before.status == .failure else {
            print("note: a pcscd runs already on this machine; the stopped case is not checked")
            return
        }
        #expect(before.detail.contains("pcscd is not running"))
        #expect(await CardReaderCheck().run().status == .skipped)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: pcscd)
        process.arguments = ["--foreground"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        var running = before
        for _ in 0..<50 where running.status != .ok {
            try await Task.sleep(for: .milliseconds(100))
            running = await SmartCardServiceCheck().run()
        }
        #expect(running.status == .ok, "\(running)")
        // pcscd offers vpcd's virtual readers (no card on them): the reader check sees one.
        let reader = await CardReaderCheck().run()
        #expect(reader.status == .ok, "\(reader)")

        process.terminate()
        for _ in 0..<30 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        var after = running
        for _ in 0..<30 where after.status != .failure {
            try await Task.sleep(for: .milliseconds(100))
            after = await SmartCardServiceCheck().run()
        }
        #expect(after.status == .failure)
        #expect(after.fix?.contains("pcscd") == true)
    }
}

@Suite("kit-agent doctor over mutual TLS", .serialized)
struct DoctorTLSTests {
    /// Enrolls a kit with a TLS server and returns its key store.
    func enrolledKit(serverState: String, port: Int) async throws -> KitKeyStore {
        let server = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: serverState), logger: quietLogger())
        let store = try await server.openStore()
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-doctor", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        await store.close()
        let directory = try StateDirectory.prepare(temporaryPath("kit-doctor"))
        _ = try await Enrollment.enroll(
            stateDirectory: directory, serverURL: try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)"),
            kitId: "kit-doctor", token: token,
            caCertificatePEM: try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8))
        return try KitKeyStore(stateDirectory: directory)
    }

    @Test func theRightServerPassesAndAServerWithAnotherCertificateIsNamed() async throws {
        let stateA = temporaryPath("server-a")
        let serverA = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: stateA), logger: quietLogger())
        try await whileRunning({ ready in try await serverA.run(onListening: ready) }) { portA in
            let keys = try await enrolledKit(serverState: stateA, port: portA)
            let good = await ServerCheck(
                probe: ServerProbe(
                    serverURL: URL(string: "https://127.0.0.1:\(portA)"), connection: ServerConnection(keys: keys))
            ).run()
            #expect(good.status == .ok, "\(good)")

            // A server set up anew (another kit CA) at the address the kit knows.
            try await withSyncServer { portB in
                let wrong = await ServerCheck(
                    probe: ServerProbe(
                        serverURL: URL(string: "https://127.0.0.1:\(portB)"), connection: ServerConnection(keys: keys))
                ).run()
                #expect(wrong.status == .failure)
                #expect(wrong.detail.contains("TLS handshake failed"), "\(wrong.detail)")
                #expect(wrong.fix?.contains("enroll the kit again") == true)
            }
        }
    }
}

@Suite("kit-agent doctor: the EC terminal", .serialized)
struct DoctorTerminalTests {
    @Test func anUnreachableTerminalIsNamedAndTheSimulatorPasses() async throws {
        let closedPort = try { () throws -> Int in try ListeningSocket().port }()
        let down = await PaymentTerminalCheck(address: .tcp(host: "127.0.0.1", port: UInt16(closedPort))).run()
        #expect(down.status == .failure)
        #expect(down.detail.hasPrefix("127.0.0.1:\(closedPort)"))
        #expect(down.fix?.contains("switch the terminal on") == true)

        let simulator = try ZVTSimulatorServer(configuration: ZVTSimulatorConfiguration())
        let port = try await simulator.listen(port: 0)
        defer { Task { await simulator.stop() } }
        let up = await PaymentTerminalCheck(address: .tcp(host: "127.0.0.1", port: port)).run()
        #expect(up.status == .ok, "\(up)")
        #expect(up.detail.contains("diagnosis 06 70"))
        #expect(await PaymentTerminalCheck(address: nil).run().status == .skipped)
    }
}

@Suite("Device health in the fleet report", .serialized)
struct DeviceHealthReportTests {
    @Test func theMonitorKeepsTheFindingsThatApplyAndEachSyncCarriesThem() async throws {
        let monitor = DeviceHealthMonitor(
            doctor: Doctor(checks: [
                DiskSpaceCheck(path: NSTemporaryDirectory(), minimumFreeBytes: 1, warningFreeBytes: 1),
                VPNInterfaceCheck(interface: nil),
                QueueCheck(stateDirectory: temporaryPath("no-kit-here")),
            ]),
            logger: quietLogger())
        #expect(await monitor.latest.isEmpty, "nothing before the first run")
        let latest = await monitor.refresh()
        #expect(latest.map(\.device) == ["disk", "queue"], "the VPN check did not apply")
        #expect(latest.map(\.state) == ["ok", "failure"])

        // A sync carries the monitor's findings to the server's fleet view.
        let state = temporaryPath("server-health")
        let configuration = try await SyncExactlyOnceTests.configuration(.sqlite, state: state, port: 0, tls: false)
        let token = try await SyncExactlyOnceTests.prepare(configuration, kitId: "kit-health")
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let runtime = try await SyncExactlyOnceTests.kit(
                url: try AgentConfiguration.parseServerURL("http://127.0.0.1:\(port)"), kitId: "kit-health",
                token: token, caPEM: nil)
            _ = try #require(runtime.outbox).enqueue(
                caseId: "case-0", kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                payload: Array("{}".utf8))
            let client = SyncClient(runtime: runtime, logger: quietLogger(), devices: { await monitor.latest })
            try await client.syncNow()
            let store = try await server.openStore()
            let kit = try #require(try await store.kits().first { $0.kitId == "kit-health" })
            #expect(kit.report?.devices == latest)
            await store.close()
        }
    }
}
