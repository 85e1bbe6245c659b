import ArgumentParser
import Foundation
import KitCore
import SyncServer

extension SyncServerCommand {
    struct Consumers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register, list and revoke receiving procedures (hand-off consumers).",
            subcommands: [Add.self, List.self, Revoke.self, Push.self, Backfill.self], defaultSubcommand: List.self)

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a receiving procedure and print its bearer token (shown only this once).",
                discussion: """
                    The procedure's IT gives you its HPKE public key (P-256, PEM): completed cases are sealed to it. \
                    They verify dossiers with the server's public dossier key, keys/dossier-signing-key.pub.pem in \
                    the state directory (its path goes to standard error). Routing: register gets address changes, \
                    document-authority ID card and passport applications (fingerprints), cash-office paid fees, \
                    dms every case. Cases completed before the procedure was registered reach it only with \
                    --backfill (or later with consumers backfill NAME), as long as their evidence is still held.
                    """)
            @OptionGroup var options: StoreOptions
            @Argument(help: "A name for the procedure, e.g. meldewesen-mainz.") var name: String
            @Option(help: "register, document-authority, cash-office or dms.") var procedure: HandoffProcedure
            @Option(name: .customLong("public-key"), help: "The procedure's P-256 public key (PEM file).")
            var publicKey: String
            @OptionGroup var push: PushOptions
            @Flag(help: "Also hand over the cases completed before now whose evidence the server still holds.")
            var backfill = false

            func validate() throws {
                guard HandoffConsumer.isValidName(name) else {
                    throw ValidationError("name: 1 to 64 characters A-Z a-z 0-9 - _ .")
                }
                try push.validate()
            }

            func run() async throws {
                guard let data = FileManager.default.contents(atPath: publicKey) else {
                    throw ValidationError("cannot read the key file \(publicKey)")
                }
                let key: [UInt8]
                do {
                    key = try ConsumerPublicKey.x963(fromFile: Array(data))
                } catch {
                    throw ValidationError("\(publicKey): \(String(describing: error))")
                }
                let application = try await options.application()
                let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
                let store = try await application.openStore()
                let token = BearerToken.generate()
                let endpoint: PushEndpoint?
                do {
                    endpoint = try push.endpoint()
                    try await store.addConsumer(
                        HandoffConsumer(
                            name: name, procedure: procedure, publicKey: key, active: true, createdAt: Date()),
                        tokenHash: BearerToken.hash(token), push: endpoint)
                    if backfill {
                        let added = try await store.backfillHandoff(consumer: name)
                        FileHandle.standardError.write(Data("\(added) earlier case(s) routed to \(name)\n".utf8))
                    }
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                print(token)
                if let endpoint, push.secretFile == nil {
                    // Generated: shown this once, on the second line.
                    print(endpoint.secret.text)
                }
                FileHandle.standardError.write(
                    Data("server dossier key for verification: \(keys.dossierPublicKeyPath)\n".utf8))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List receiving procedures.")
            @OptionGroup var options: StoreOptions
            func run() async throws {
                let store = try await options.application().openStore()
                let consumers = try await store.consumers()
                let pushURLs = try await store.pushURLs()
                await store.close()
                if consumers.isEmpty { print("no consumers") }
                for consumer in consumers {
                    print(
                        "\(consumer.name)  \(consumer.procedure.rawValue)  \(consumer.active ? "active" : "revoked")  "
                            + "since \(consumer.createdAt.formatted(.iso8601))"
                            + (pushURLs[consumer.name].map { "  push \($0)" } ?? "  pull only"))
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke a receiving procedure: its token stops working, it is routed nothing new.")
            @OptionGroup var options: StoreOptions
            @Argument(help: "The consumer's name.") var name: String
            func run() async throws {
                let store = try await options.application().openStore()
                do {
                    try await store.revokeConsumer(name: name)
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                print("consumer \(name) revoked")
            }
        }

        struct Backfill: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Hand a procedure the cases completed before it was registered.",
                discussion: """
                    Routes to the consumer every completed case without an open conflict that its procedure \
                    receives and whose evidence the server still holds (not yet deleted after retention). \
                    Cases it has already are left alone; running it twice adds nothing. Audited.
                    """)
            @OptionGroup var options: StoreOptions
            @Argument(help: "The consumer's name.") var name: String
            func run() async throws {
                let store = try await options.application().openStore()
                let added: Int
                do {
                    added = try await store.backfillHandoff(consumer: name)
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                print("\(added) earlier case(s) routed to \(name)")
            }
        }
    }

    struct Dossiers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand-off dossiers and their confirmations (Übergaben an Fachverfahren).",
            subcommands: [List.self, Show.self, Export.self, Pushes.self, Redeliver.self], defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List dossiers, newest first; rejected ones with the procedure's reason.")
            @OptionGroup var options: StoreOptions
            @Flag(help: "Only rejected ones (for back office follow-up).") var rejected = false
            func run() async throws {
                let store = try await options.application().openStore()
                let dossiers = try await store.dossiers(rejectedOnly: rejected)
                await store.close()
                if dossiers.isEmpty { print("keine Übergaben") }
                for dossier in dossiers {
                    let state: String
                    switch (dossier.builtAt, dossier.outcome) {
                    case (nil, _): state = "wartet auf Erstellung"
                    case (_, nil): state = "bereitgestellt"
                    case (_, .accepted): state = "angenommen"
                    case (_, .rejected): state = "abgelehnt: \(dossier.reason ?? "ohne Begründung")"
                    }
                    let deleted = dossier.evidenceDeletedAt == nil ? "" : "  Nachweise gelöscht"
                    print(
                        "\(dossier.dossierId)  Vorgang \(dossier.caseId)  → \(dossier.consumer) (\(dossier.procedure.rawValue))  "
                            + state + deleted)
                }
            }
        }
    }
}

extension HandoffProcedure: ExpressibleByArgument {}
