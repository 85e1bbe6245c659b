import ArgumentParser
import Foundation
import KitAgent
import KitCore
import KitDrivers

extension KitAgentCommand {
    struct TerminalCertificates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terminal-certificates",
            abstract: "The Änderungsterminal's certificate chains for the ID card (for IT staff).",
            discussion: """
                The store is card.terminalCredentials, else STATE_DIR/terminal-credentials. It holds one folder \
                per chain (CVCA, document verifier, terminal certificate and key) and CVCA link certificates. \
                For each card the kit uses the chain under the CVCA the card names after PACE, or one that link \
                certificates lead to; doctor warns before the terminal certificate expires.
                """,
            subcommands: [List.self, Import.self, Remove.self],
            defaultSubcommand: List.self
        )

        struct StoreOptions: ParsableArguments {
            @OptionGroup var agent: AgentOptions

            /// The configured store, else the state directory's.
            func directory() async throws -> URL {
                let layered = try await agent.layered()
                let stateDirectory =
                    layered.string(AgentConfiguration.Key.stateDirectory) ?? AgentConfiguration.defaultStateDirectory
                if let configured = layered.string(AgentConfiguration.Key.cardTerminalCredentials),
                    !configured.isEmpty
                {
                    return URL(fileURLWithPath: configured)
                }
                return URL(
                    fileURLWithPath: AgentConfiguration.defaultTerminalCredentials(stateDirectory: stateDirectory))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the chains and link certificates.")
            @OptionGroup var options: StoreOptions
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let directory = try await options.directory()
                let store: NPATerminalCredentialStore
                do {
                    store = try NPATerminalCredentialStore(directory: directory)
                } catch {
                    throw ValidationError(
                        "\(error) — import a chain: kit-agent terminal-certificates import --from FOLDER")
                }
                let today = NPACVDate(Date())
                let rows = store.chains.map { TerminalChainRow($0, today: today) }
                let links = store.links.map {
                    TerminalLinkRow(
                        issuer: $0.authorityReference, holder: $0.holderReference,
                        validFrom: "\($0.effectiveDate)", validUntil: "\($0.expirationDate)")
                }
                if json { return try printJSON(TerminalStoreListing(chains: rows, links: links)) }
                print(
                    QueueTable.render(
                        header: ["chain", "CVCA", "DV", "terminal", "valid from", "valid until", "state"],
                        rows: rows.map {
                            [$0.name, $0.cvca, $0.documentVerifier, $0.terminal, $0.validFrom, $0.validUntil, $0.state]
                        }))
                for link in links {
                    print("link \(link.issuer) → \(link.holder), valid \(link.validFrom) to \(link.validUntil)")
                }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import a chain folder and/or CVCA link certificates into the store.",
                discussion: """
                    --from takes a folder with cvca.cvcert, dv.cvcert, terminal.cvcert and terminal.pkcs8 (as the \
                    document verifier delivers them, DER). The chain is checked (references, roles, expiry) \
                    before anything is written.
                    """)
            @OptionGroup var options: StoreOptions
            @Option(help: "Folder with the chain's four files.") var from: String?
            @Option(help: "Name of the chain in the store (default: the terminal's holder reference).")
            var name: String?
            @Option(help: "A CVCA link certificate (.cvcert, DER); may be given several times.") var link: [String] = []
            @Flag(help: "Replace a chain of the same name.") var replace = false

            func validate() throws {
                guard from != nil || !link.isEmpty else {
                    throw ValidationError("give --from FOLDER and/or --link FILE")
                }
            }

            func run() async throws {
                let installer = TerminalCredentialInstaller(directory: try await options.directory())
                do {
                    if let from {
                        let chain = try installer.importChain(
                            from: URL(fileURLWithPath: from), name: name, replace: replace)
                        print("imported chain \(chain) into \(installer.directory.path)")
                    }
                    for file in link {
                        let stored = try installer.importLink(from: URL(fileURLWithPath: file))
                        print("imported link certificate \(stored)")
                    }
                } catch {
                    throw ValidationError(error.description)
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a chain (e.g. an expired one).")
            @OptionGroup var options: StoreOptions
            @Argument(help: "The chain's name (see list).") var name: String

            func run() async throws {
                let installer = TerminalCredentialInstaller(directory: try await options.directory())
                do {
                    try installer.removeChain(named: name)
                } catch {
                    throw ValidationError(error.description)
                }
                print("removed chain \(name)")
            }
        }
    }
}

/// One chain as `terminal-certificates list` shows it.
struct TerminalChainRow: Encodable {
    var name: String
    var cvca: String
    var documentVerifier: String
    var terminal: String
    var validFrom: String
    var validUntil: String
    var state: String

    init(_ chain: NPATerminalCredentialStore.Chain, today: NPACVDate) {
        let credentials = chain.credentials
        name = chain.name
        cvca = credentials.cvca.holderReference
        documentVerifier = credentials.documentVerifier.holderReference
        terminal = credentials.terminal.holderReference
        let from = max(credentials.terminal.effectiveDate, credentials.documentVerifier.effectiveDate)
        validFrom = "\(from)"
        validUntil = "\(chain.expirationDate)"
        state = chain.isValid(on: today) ? "valid" : (today < from ? "not yet valid" : "expired")
    }
}

/// One CVCA link certificate as `terminal-certificates list` shows it.
struct TerminalLinkRow: Encodable {
    var issuer: String
    var holder: String
    var validFrom: String
    var validUntil: String
}

/// `terminal-certificates list --json`.
struct TerminalStoreListing: Encodable {
    var chains: [TerminalChainRow]
    var links: [TerminalLinkRow]
}
