import ArgumentParser
import Foundation
import KitCore
import Logging
import SyncServer

@main
struct SyncServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-server",
        abstract: "The city's sync server for Bürgeramtskoffer kits: cases out, sealed transactions in.",
        discussion: """
            Configuration comes from flags, then SYNC_SERVER_* environment variables (e.g. SYNC_SERVER_HTTP_PORT), \
            then the JSON file given with --config.
            """,
        version: KitVersion.release,
        subcommands: [
            Serve.self, Kits.self, Clerks.self, Cases.self, Conflicts.self, Consumers.self, Dossiers.self, Audit.self,
            Operators.self,
        ],
        defaultSubcommand: Serve.self
    )
}

extension SyncServerCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the sync API until SIGTERM or Ctrl-C."
        )

        @Option(name: .long, help: "JSON configuration file (also SYNC_SERVER_CONFIG).")
        var config: String?

        @Option(
            name: .customLong("state-dir"), help: "Folder for the database and keys (default /var/lib/sync-server).")
        var stateDirectory: String?

        @Option(name: .long, help: "Address to listen on (default 127.0.0.1).")
        var host: String?

        @Option(name: .long, help: "TCP port to listen on (default 8480; 0 picks a free one).")
        var port: Int?

        @Option(name: .long, help: "Storage backend: sqlite (embedded default).")
        var storage: String?

        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel: String?

        func run() async throws {
            var flags: [String: String] = [:]
            flags[ServerConfiguration.Key.stateDirectory] = stateDirectory
            flags[ServerConfiguration.Key.host] = host
            flags[ServerConfiguration.Key.port] = port.map(String.init)
            flags[ServerConfiguration.Key.storage] = storage
            flags[ServerConfiguration.Key.logLevel] = logLevel
            let layered = try await LayeredConfiguration.load(
                flags: flags,
                environmentPrefix: ServerConfiguration.environmentPrefix,
                file: config ?? ProcessInfo.processInfo.environment["SYNC_SERVER_CONFIG"])
            let configuration = try ServerConfiguration(layered)
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = configuration.logLevel
                return handler
            }
            var logger = Logger(label: "sync-server")
            logger.logLevel = configuration.logLevel
            try await SyncServerApplication(configuration: configuration, logger: logger).run()
        }
    }
}
