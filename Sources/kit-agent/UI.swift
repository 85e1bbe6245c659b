import ArgumentParser
import Foundation
import KitAgent

extension KitAgentCommand {
    struct UI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ui",
            abstract: "Print (or open) the address of the clerk's page for the running agent.",
            discussion: """
                The address carries this run's local API token after '#', which the browser keeps to itself \
                (it is never sent to a server or written to a log). The page works without network: it \
                talks only to the agent on 127.0.0.1. The token changes at every start of the agent, so \
                open the page again after a restart.
                """
        )

        @OptionGroup var options: AgentOptions

        @Flag(help: "Open the page in the desktop's browser (xdg-open) instead of printing the address.")
        var open = false

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            _ = try await client.status(refresh: false)  // the agent is running and this token is current
            let address = client.endpoint.clerkPageURL
            guard open else {
                print(address)
                return
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["xdg-open", address]
            do {
                try process.run()
                process.waitUntilExit()
            } catch {
                throw ValidationError(
                    "Cannot start xdg-open (\(error)); open the address printed by 'kit-agent ui' by hand.")
            }
            guard process.terminationStatus == 0 else {
                throw ValidationError(
                    "xdg-open could not open a browser; open the address printed by 'kit-agent ui' by hand.")
            }
        }
    }
}
