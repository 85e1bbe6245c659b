import KitCore
import Logging
import ServiceLifecycle

/// The kit's device health for the fleet view: every minute it runs the doctor's checks that do
/// not take a device away from the clerk (pcscd, USB devices and permissions, video4linux camera
/// nodes, VPN interface, disk,
/// queue) and keeps the findings; each sync report carries the latest ones
/// (`KitReport.devices`). Checks that open a device (pad capability, terminal diagnosis) stay with
/// `kit-agent doctor`, run by a person who knows the devices are free.
public actor DeviceHealthMonitor: Service {
    private let doctor: Doctor
    private let interval: Duration
    private let logger: Logger
    private var findings: [DoctorFinding] = []

    public init(doctor: Doctor, interval: Duration = .seconds(60), logger: Logger) {
        self.doctor = doctor
        self.interval = interval
        self.logger = logger
    }

    /// The checks of a running agent.
    /// The terminal certificates' expiry goes with them into the fleet report.
    public static func kit(
        stateDirectory: String, vpnInterface: String?, terminalCredentials: String? = nil,
        terminalCertificateWarnDays: Int = TerminalCertificateCheck.defaultWarnDays, interval: Duration = .seconds(60),
        logger: Logger
    ) -> DeviceHealthMonitor {
        DeviceHealthMonitor(
            doctor: Doctor(
                checks: [
                    SmartCardServiceCheck(), USBDevicesCheck(), CameraDeviceNodeCheck(),
                    VPNInterfaceCheck(interface: vpnInterface, handshakeNeedsReading: false),
                    TerminalCertificateCheck(directory: terminalCredentials, warnDays: terminalCertificateWarnDays),
                    DiskSpaceCheck(path: stateDirectory), QueueCheck(stateDirectory: stateDirectory),
                ], deadline: .seconds(5)),
            interval: interval, logger: logger)
    }

    /// The latest findings as the report carries them (checks that did not apply are left out).
    public var latest: [DeviceHealthSummary] {
        findings.filter { $0.status != .skipped }.map {
            DeviceHealthSummary(device: $0.check, state: $0.status.rawValue, detail: $0.detail)
        }
    }

    /// Runs the checks once now.
    @discardableResult
    public func refresh() async -> [DeviceHealthSummary] {
        let report = await doctor.run()
        let previous = Dictionary(findings.map { ($0.check, $0.status) }, uniquingKeysWith: { first, _ in first })
        for finding in report.findings where previous[finding.check] != finding.status {
            logger.notice(
                "device health changed",
                metadata: ["check": "\(finding.check)", "status": "\(finding.status.rawValue)"])
        }
        findings = report.findings
        return latest
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                do { try await Task.sleep(for: self.interval) } catch { return }
            }
        }
    }
}
