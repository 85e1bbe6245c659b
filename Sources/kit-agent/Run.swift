import ArgumentParser
import KitAgent

extension KitAgentCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run the agent: local API on 127.0.0.1 and the link to the sync server. Stops on SIGTERM or Ctrl-C."
        )

        @OptionGroup var options: AgentOptions

        func run() async throws {
            let configuration = try await options.resolve()
            let logger = bootstrapLogging(level: configuration.logLevel)
            try await AgentDaemon(configuration: configuration, logger: logger).run()
        }
    }
}
