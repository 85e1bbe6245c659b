import ArgumentParser
import Foundation
import KitAgent
import KitCore
import Logging

@main
struct KitAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kit-agent",
        abstract:
            "The Bürgeramtskoffer agent: drives the kit's devices and queues sealed transactions for the sync server.",
        discussion: """
            Configuration comes from flags, then KIT_AGENT_* environment variables (e.g. KIT_AGENT_SERVER_URL), \
            then the JSON file given with --config.
            """,
        version: KitVersion.release,
        subcommands: [
            Run.self, Status.self, Enroll.self, Sync.self, Step.self, Identity.self, Address.self, Pay.self,
            Sign.self, Fingerprints.self, Photo.self, DoctorCommand.self, Unlock.self, Lock.self, Queue.self, UI.self,
            ZVT.self, RenewCertificate.self, TerminalCertificates.self, Clerks.self,
        ]
    )
}

/// Options every subcommand that needs the agent's configuration shares.
struct AgentOptions: ParsableArguments {
    @Option(name: .long, help: "JSON configuration file (also KIT_AGENT_CONFIG).")
    var config: String?

    @Option(name: .customLong("state-dir"), help: "Folder for queue, case store and keys (default /var/lib/kit-agent).")
    var stateDirectory: String?

    @Option(name: .long, help: "Base URL of the sync server, e.g. https://sync.stadt.example:8443.")
    var server: String?

    @Option(
        name: .customLong("server-data-key"),
        help: "PEM file with the sync server's data public key (until enrollment).")
    var serverDataKey: String?

    @Option(name: .customLong("api-port"), help: "Loopback port of the local API (default 7420).")
    var apiPort: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(
        name: .long,
        help:
            "The EC terminal (ZVT): HOST:PORT over TCP (port 20007 if left out) or a serial device such as /dev/ttyUSB0."
    )
    var terminal: String?

    func layered() async throws(ConfigurationError) -> LayeredConfiguration {
        var flags: [String: String] = [:]
        flags[AgentConfiguration.Key.stateDirectory] = stateDirectory
        flags[AgentConfiguration.Key.serverURL] = server
        flags[AgentConfiguration.Key.apiPort] = apiPort.map(String.init)
        flags[AgentConfiguration.Key.serverDataKeyFile] = serverDataKey
        flags[AgentConfiguration.Key.logLevel] = logLevel
        flags[AgentConfiguration.Key.terminalAddress] = terminal
        return try await LayeredConfiguration.load(
            flags: flags,
            environmentPrefix: AgentConfiguration.environmentPrefix,
            file: config ?? ProcessInfo.processInfo.environment["KIT_AGENT_CONFIG"])
    }

    /// The full configuration `run` needs.
    func resolve() async throws(AgentError) -> AgentConfiguration {
        do {
            return try AgentConfiguration(await layered())
        } catch {
            throw .configuration(error)
        }
    }

    /// Only the state directory (what `status` needs to find the running agent).
    func resolveStateDirectory() async throws(AgentError) -> String {
        do {
            return try await layered().string(AgentConfiguration.Key.stateDirectory)
                ?? AgentConfiguration.defaultStateDirectory
        } catch {
            throw .configuration(error)
        }
    }
}

func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "kit-agent")
    logger.logLevel = level
    return logger
}

extension KitAgentCommand {
    /// Tools for the EC terminal's ZVT protocol.
    struct ZVT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zvt",
            abstract: "EC terminal (ZVT) tools for IT staff.",
            subcommands: [ZVTDecodeCommand.self]
        )
    }
}
