import AsyncHTTPClient
import Foundation
import KitDrivers

extension Doctor {
    /// The checks of a kit laptop, in the order IT staff read them: the agent, the link
    /// (VPN, server, clock), the devices, then disk and queue.
    public static func kit(
        stateDirectory: String, serverURL: URL?, vpnInterface: String?, keys: KitKeyStore?,
        terminal: PaymentTerminalAddress? = nil, terminalPassword: Int = 0, deadline: Duration = .seconds(15),
        certificateRenewalDays: Int = 30, cardReaderName: String? = nil, terminalCredentials: String? = nil,
        terminalCertificateWarnDays: Int = TerminalCertificateCheck.defaultWarnDays,
        camera: CameraSource = .videoForLinux(device: "/dev/video0"),
        access: StateDirectoryAccess = .readable, commandLine: [String] = ["kit-agent", "doctor"]
    ) -> Doctor {
        // The kit's mTLS identity when it is enrolled, exactly as the sync client connects.
        let connection = keys.map { ServerConnection(keys: $0) } ?? ServerConnection(client: .shared)
        let probe = ServerProbe(serverURL: serverURL, connection: connection)
        var checks: [any DoctorCheck] = [
            AgentServiceCheck(stateDirectory: stateDirectory),
            VPNInterfaceCheck(interface: vpnInterface),
            ServerCheck(probe: probe),
            ClientCertificateCheck(keys: keys, warnBefore: TimeInterval(certificateRenewalDays) * 86_400),
            ClockCheck(serverDate: { await probe.serverDate() }),
            USBDevicesCheck(),
            SignaturePadCheck(),
            SmartCardServiceCheck(),
            CardReaderCheck(readerName: cardReaderName),
            TerminalCertificateCheck(directory: terminalCredentials, warnDays: terminalCertificateWarnDays),
            FingerprintScannerCheck(),
            CameraCheck(source: camera),
            PaymentTerminalCheck(address: terminal, password: terminalPassword),
            DiskSpaceCheck(path: stateDirectory),
            QueueCheck(stateDirectory: stateDirectory),
        ]
        if case .denied = access {
            checks = withoutAccess(
                checks, stateDirectory: stateDirectory, terminalCredentials: terminalCredentials,
                access: StateAccessCheck(access: access, commandLine: commandLine))
        }
        return Doctor(checks: checks, deadline: deadline)
    }

    /// Without access to the state directory, the checks that read it would report a running agent
    /// as stopped and an enrolled kit as new: they are replaced by one `access` finding first and a
    /// "not run" line each, so nobody is sent to enroll the kit again.
    static func withoutAccess(
        _ checks: [any DoctorCheck], stateDirectory: String, terminalCredentials: String?, access: StateAccessCheck
    ) -> [any DoctorCheck] {
        var needState: Set<String> = ["agent", "server", "tls-certificate", "clock", "queue"]
        // Not configured may mean "the default folder in the state directory could not be seen".
        if terminalCredentials?.hasPrefix(stateDirectory + "/") ?? true {
            needState.insert("terminal-certificates")
        }
        let reason = "not run: needs read access to the agent's state directory (see access)"
        let kept: [any DoctorCheck] = checks.map { check -> any DoctorCheck in
            needState.contains(check.name) ? NotRunCheck(name: check.name, reason: reason) : check
        }
        return [access] + kept
    }
}
