import ArgumentParser
import Foundation
import KitAgent
import KitCore

#if canImport(Glibc)
    import Glibc
#endif

extension KitAgentCommand {
    struct Clerks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the clerks who can unlock this kit, or add one (IT at the office).",
            subcommands: [List.self, Add.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Clerks with a key slot; who has the kit now.")
            @OptionGroup var options: AgentOptions
            func run() async throws {
                let client = try LocalAPIClient(stateDirectory: try await options.resolveStateDirectory())
                let (clerks, current) = try await client.clerks()
                for clerk in clerks {
                    print("\(clerk.id)  \(clerk.name)\(clerk == current ? "  (hat den Koffer)" : "")")
                }
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give a clerk an own key slot on this kit.",
                discussion: """
                    The kit must be unlocked (the slot wraps the storage key, as in LUKS). The new clerk types \
                    their secret (at least 8 characters); it is never shown or stored in clear. A clerk the \
                    server lists as revoked for this kit cannot be added.
                    """)
            @OptionGroup var options: AgentOptions
            @Option(help: "The clerk's id, e.g. anna.schmidt.") var clerk: String
            @Option(help: "The clerk's name as shown on the clerk page.") var name: String
            func validate() throws {
                guard Clerk.isValidId(clerk) else {
                    throw ValidationError("clerk id: 1 to 64 characters A-Z a-z 0-9 - _ .")
                }
                guard !name.isEmpty, name.count <= 128 else { throw ValidationError("name: 1 to 128 characters") }
            }
            func run() async throws {
                let client = try LocalAPIClient(stateDirectory: try await options.resolveStateDirectory())
                let secret = try SecretPrompt.read(prompt: "Geheimnis für \(clerk): ")
                if isatty(STDIN_FILENO) == 1 {
                    guard try SecretPrompt.read(prompt: "Geheimnis wiederholen: ") == secret else {
                        throw ValidationError("the two secrets differ; nothing was changed")
                    }
                }
                try await client.addClerk(Clerk(id: clerk, name: name), secret: secret)
                print("\(name) (\(clerk)) kann den Koffer jetzt mit dem eigenen Geheimnis entsperren")
            }
        }
    }
}

/// Reads the clerk id: one line from the terminal (echoed) or from standard input.
enum ClerkPrompt {
    static func read(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data(prompt.utf8)) }
        guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw ValidationError("no clerk id entered")
        }
        return line
    }
}
