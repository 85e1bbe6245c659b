import ArgumentParser
import Foundation
import KitAgent
import KitCore
import KitDrivers

extension KitAgentCommand {
    struct DoctorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Check the kit for IT staff: service, VPN, server, clock, devices, disk and queue.",
            discussion: """
                Prints one line per check and, for each problem, what to do. Exit code 0: all well; \
                1: warnings only; 2: at least one check failed. Runs without the agent, too (then the \
                agent check fails and the rest still runs). Devices in use by a running capture may show as busy. \
                Run by a user who cannot read the agent's state directory, one `access` finding names the sudo \
                command and the checks that need the state are not run. The WireGuard handshake needs root. \
                --bundle FILE also writes a support bundle (tar.gz, 0600) for an IT ticket.
                """
        )

        @OptionGroup var options: AgentOptions
        @Flag(help: "Print the findings as JSON.") var json = false
        @Option(help: "Seconds one check may take.") var deadline: Int = 15
        @Option(
            help: ArgumentHelp(
                "Also write a support bundle (tar.gz, mode 0600) for an IT ticket: the report, versions, the "
                    + "configuration without secrets and the agent's recent log without personal data.",
                valueName: "file"))
        var bundle: String?
        @Option(
            name: .customLong("log-file"),
            help: ArgumentHelp(
                "A file the agent logs to, for the bundle (besides the systemd journal); repeatable.", valueName: "file"
            ))
        var logFiles: [String] = []

        func run() async throws {
            let layered = try await options.layered()
            let stateDirectory =
                layered.string(AgentConfiguration.Key.stateDirectory) ?? AgentConfiguration.defaultStateDirectory
            let serverURL = try? layered.string(AgentConfiguration.Key.serverURL).map(AgentConfiguration.parseServerURL)
            let vpn = layered.string(AgentConfiguration.Key.vpnInterface)
            let terminal = try? layered.string(AgentConfiguration.Key.terminalAddress).map {
                try PaymentTerminalAddress.parse($0, key: AgentConfiguration.Key.terminalAddress)
            }
            let password = layered.string(AgentConfiguration.Key.terminalPassword).flatMap(Int.init) ?? 0
            let renewalDays =
                (try? layered.integer(AgentConfiguration.Key.certificateRenewalDays, in: 1...300)) ?? 30
            // Run as a user who cannot read the agent's files, the checks that need them are not run
            // (one `access` finding says how to run the doctor instead).
            let access = StateDirectoryAccess.probe(stateDirectory)
            // The kit's mTLS identity when it is enrolled; the doctor creates nothing on a new kit.
            var keys: KitKeyStore?
            if access == .readable, FileManager.default.fileExists(atPath: stateDirectory + "/keys"),
                let directory = try? StateDirectory.prepare(stateDirectory)
            {
                keys = try? KitKeyStore(stateDirectory: directory)
            }
            let doctor = Doctor.kit(
                stateDirectory: stateDirectory, serverURL: serverURL ?? nil, vpnInterface: vpn, keys: keys,
                terminal: terminal ?? nil, terminalPassword: password,
                deadline: .seconds(max(1, deadline)), certificateRenewalDays: renewalDays,
                cardReaderName: layered.string(AgentConfiguration.Key.cardReaderName).flatMap { $0.isEmpty ? nil : $0 },
                terminalCredentials: AgentConfiguration.terminalCredentials(
                    configured: layered.string(AgentConfiguration.Key.cardTerminalCredentials),
                    stateDirectory: stateDirectory),
                terminalCertificateWarnDays: (try? layered.integer(
                    AgentConfiguration.Key.terminalCertificateWarnDays, in: 1...365)) ?? nil
                    ?? TerminalCertificateCheck.defaultWarnDays,
                camera: layered.string(AgentConfiguration.Key.cameraSource).flatMap {
                    $0.isEmpty ? nil : CameraSource(pipelineHead: $0)
                } ?? .videoForLinux(device: "/dev/video0"),
                access: access, commandLine: CommandLine.arguments)
            var report = await doctor.run()
            report.header = DoctorHeader(
                kitId: DoctorHeader.kitId(
                    configured: layered.string(AgentConfiguration.Key.kitId), stateDirectory: stateDirectory),
                configurationFile: options.config ?? ProcessInfo.processInfo.environment["KIT_AGENT_CONFIG"],
                stateDirectory: stateDirectory)
            if let bundle {
                let logs = SupportBundle.readLogs(files: logFiles)
                do {
                    try SupportBundle(
                        report: report, configuration: Self.configurationWithoutSecrets(layered),
                        logLines: logs.lines, logSources: logs.sources
                    ).write(to: bundle)
                } catch {
                    FileHandle.standardError.write(Data("kit-agent doctor: \(error.description)\n".utf8))
                    throw ExitCode(2)
                }
                FileHandle.standardError.write(Data("support bundle written to \(bundle)\n".utf8))
            }
            if json {
                let encoder = WireCoding.encoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.table())
            }
            throw ExitCode(report.exitCode)
        }

        /// Every configuration key the agent knows with its effective value; secrets only as "set".
        static func configurationWithoutSecrets(_ layered: LayeredConfiguration) -> [String: String] {
            typealias Key = AgentConfiguration.Key
            let keys = [
                Key.stateDirectory, Key.serverURL, Key.apiPort, Key.probeInterval, Key.probeTimeout, Key.logLevel,
                Key.kitId, Key.serverDataKeyFile, Key.lockIdleTimeout, Key.maximumOfflineInterval,
                Key.outboxRetention, Key.vpnInterface, Key.cardTerminalCredentials, Key.cardReaderName,
                Key.cameraSource, Key.terminalCertificateWarnDays, Key.terminalAddress, Key.certificateRenewalDays,
            ]
            var values: [String: String] = [:]
            for key in keys {
                if let value = layered.string(key) { values[key] = value }
            }
            if layered.string(Key.terminalPassword) != nil { values[Key.terminalPassword] = "(set, not included)" }
            values["configurationFile"] = layered.file ?? "(none)"
            return values
        }
    }
}
