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
        camera: CameraSource = .videoForLinux(device: "/dev/video0")
    ) -> Doctor {
        // The kit's mTLS identity when it is enrolled, exactly as the sync client connects.
        let connection = keys.map { ServerConnection(keys: $0) } ?? ServerConnection(client: .shared)
        let probe = ServerProbe(serverURL: serverURL, connection: connection)
        return Doctor(
            checks: [
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
            ], deadline: deadline)
    }
}
