import ArgumentParser
import Foundation
import KitCore
import SyncServer

extension SyncServerCommand {
    struct Clerks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The clerks who may unlock a kit: list, add, revoke (reaches the kit at its next contact).",
            subcommands: [List.self, Add.self, Revoke.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The clerks of a kit, revoked ones included.")
            @OptionGroup var options: StoreOptions
            @Option(name: [.customLong("kit-id"), .customLong("kit")], help: "The kit's id.") var kitId: String
            func run() async throws {
                let store = try await options.application().openStore()
                let clerks = try await store.clerks(kitId: kitId)
                await store.close()
                for clerk in clerks {
                    let state = clerk.revokedAt.map { "gesperrt am \($0.formatted(.iso8601))" } ?? "aktiv"
                    print("\(clerk.clerkId)  \(clerk.name)  \(state)")
                }
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Put a clerk on a kit's list.",
                discussion: """
                    The clerk then gets an own key slot on the kit (kit-agent clerks add, while the kit is \
                    unlocked; the secret never reaches the server). A clerk revoked on this kit stays revoked.
                    """)
            @OptionGroup var options: StoreOptions
            @Option(name: [.customLong("kit-id"), .customLong("kit")], help: "The kit's id.") var kitId: String
            @Option(help: "The clerk's id, e.g. anna.schmidt.") var clerk: String
            @Option(help: "The clerk's name as shown to clerks and back office.") var name: String
            @Option(help: "Who adds the clerk (audit trail).") var by = "operator"
            func validate() throws {
                guard Clerk.isValidId(clerk) else {
                    throw ValidationError("clerk id: 1 to 64 characters A-Z a-z 0-9 - _ .")
                }
                guard !name.isEmpty, name.count <= 128 else { throw ValidationError("name: 1 to 128 characters") }
            }
            func run() async throws {
                let store = try await options.application().openStore()
                do {
                    try await store.addClerk(kitId: kitId, clerk: Clerk(id: clerk, name: name), by: by, at: Date())
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                print("clerk \(clerk) is on kit \(kitId)'s list")
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke a clerk on a kit: the kit removes the clerk's key slot at its next contact.")
            @OptionGroup var options: StoreOptions
            @Option(name: [.customLong("kit-id"), .customLong("kit")], help: "The kit's id.") var kitId: String
            @Option(help: "The clerk's id.") var clerk: String
            @Option(help: "Who revokes (audit trail).") var by = "operator"
            func run() async throws {
                let store = try await options.application().openStore()
                let revoked: Bool
                do { revoked = try await store.revokeClerk(kitId: kitId, clerkId: clerk, by: by, at: Date()) } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                guard revoked else {
                    throw ValidationError("clerk \(clerk) is not on kit \(kitId)'s list or already revoked")
                }
                print("clerk \(clerk) revoked on kit \(kitId): the key slot goes at the kit's next contact")
            }
        }
    }
}
