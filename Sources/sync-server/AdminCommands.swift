import ArgumentParser
import Foundation
import KitCore
import Logging
import SyncServer

/// Options shared by the operator subcommands: they open the server's store directly.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "JSON configuration file (also SYNC_SERVER_CONFIG).")
    var config: String?

    @Option(name: .customLong("state-dir"), help: "The server's state directory (default /var/lib/sync-server).")
    var stateDirectory: String?

    func application() async throws -> SyncServerApplication {
        var flags: [String: String] = [:]
        flags[ServerConfiguration.Key.stateDirectory] = stateDirectory
        let layered = try await LayeredConfiguration.load(
            flags: flags, environmentPrefix: ServerConfiguration.environmentPrefix,
            file: config ?? ProcessInfo.processInfo.environment["SYNC_SERVER_CONFIG"])
        return SyncServerApplication(
            configuration: try ServerConfiguration(layered),
            logger: Logger(label: "sync-server", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

extension SyncServerCommand {
    struct Kits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll, list, revoke and mark kits lost.",
            subcommands: [Enroll.self, List.self, Revoke.self, Lost.self])

        struct Enroll: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a one-time enrollment token for a kit and print it.",
                discussion: """
                    Give the token and the kit CA certificate (keys/kit-ca.pem in the state directory, public) to \
                    the person setting up the kit: kit-agent enroll --kit-id ID --token TOKEN --ca-file kit-ca.pem. \
                    The token goes to standard output; the CA file and its SHA-256 fingerprint to standard error.
                    """)
            @OptionGroup var options: StoreOptions
            @Option(name: .customLong("kit-id"), help: "The kit's id, e.g. kit-mainz-07.") var kitId: String
            @Option(help: "Hours the token stays valid.") var validHours = 24.0

            func validate() throws {
                guard !kitId.isEmpty, kitId.count <= 64,
                    kitId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
                else { throw ValidationError("kit id: 1 to 64 characters A-Z a-z 0-9 - _ .") }
                guard validHours > 0, validHours <= 24 * 30 else {
                    throw ValidationError("--valid-hours: more than 0, at most 720")
                }
            }

            func run() async throws {
                let application = try await options.application()
                let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
                let store = try await application.openStore()
                let token = BearerToken.generate()
                try await store.createEnrollment(
                    kitId: kitId, tokenHash: BearerToken.hash(token),
                    expiresAt: Date().addingTimeInterval(validHours * 3600))
                await store.close()
                print(token)
                FileHandle.standardError.write(
                    Data(
                        ("kit CA certificate for kit-agent enroll --ca-file: \(keys.caCertificatePath)\n"
                            + "SHA-256 fingerprint: \(keys.authority.fingerprint)\n").utf8))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List enrolled kits.")
            @OptionGroup var options: StoreOptions
            func run() async throws {
                let store = try await options.application().openStore()
                let kits = try await store.kits()
                await store.close()
                for kit in kits {
                    let seen = kit.lastSeenAt.map { $0.formatted(.iso8601) } ?? "never"
                    print(
                        "\(kit.kitId)  \(kit.active ? "active" : "revoked")  last seq \(kit.lastSeq)  last seen \(seen)  queue \(kit.report?.queueDepth ?? 0)"
                            + (kit.lossStatus.map { "  \($0)" } ?? ""))
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke a kit: it gets nothing from any endpoint.")
            @OptionGroup var options: StoreOptions
            @OptionGroup var kit: KitSelection
            func run() async throws {
                let kitId = kit.id
                let store = try await options.application().openStore()
                try await store.setKitActive(kitId: kitId, active: false)
                await store.close()
                print("kit \(kitId) revoked")
            }
        }

        struct Lost: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Mark a kit lost or stolen: at its next contact it hands over its queue, then wipes itself.",
                discussion: """
                    The kit's next sync delivers its pending transactions (sealed, signed work stays the city's), \
                    then receives a wipe order signed with keys/kit-order-signing-key.pem and destroys its keys, \
                    clerk key slots, TLS identity and case store. kits list shows "gelöscht am …, letzte seq …" \
                    once the kit reported the wipe; the kit is revoked then.
                    """)
            @OptionGroup var options: StoreOptions
            @OptionGroup var kit: KitSelection
            @Option(help: "Who marks it (audit trail).") var by = "operator"
            func run() async throws {
                let kitId = kit.id
                let store = try await options.application().openStore()
                try await store.markKitLost(kitId: kitId, orderId: UUID().uuidString.lowercased(), by: by, at: Date())
                await store.close()
                print("kit \(kitId) marked lost: it wipes itself at its next contact")
            }
        }
    }

    struct Cases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import cases.", subcommands: [Import.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create or update cases from a JSON file: [{\"snapshot\": {…}, \"assignedKit\": \"kit-…\"}].")
            @OptionGroup var options: StoreOptions
            @Argument(help: "The JSON file.") var file: String

            struct Entry: Decodable {
                var snapshot: CaseSnapshot
                var assignedKit: String?
            }

            func run() async throws {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                let entries: [Entry]
                do {
                    entries = try WireCoding.decoder().decode([Entry].self, from: data)
                } catch {
                    throw ValidationError("\(file) is not a list of cases: \(error)")
                }
                let store = try await options.application().openStore()
                for entry in entries {
                    try await store.upsertCase(entry.snapshot, assignedKit: entry.assignedKit)
                }
                await store.close()
                print("imported \(entries.count) case(s)")
            }
        }
    }

    struct Conflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List and resolve conflicts.", subcommands: [List.self, Resolve.self],
            defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List conflicts, newest first.")
            @OptionGroup var options: StoreOptions
            @Flag(help: "Only open ones.") var open = false
            func run() async throws {
                let store = try await options.application().openStore()
                let conflicts = try await store.conflicts(openOnly: open)
                await store.close()
                if conflicts.isEmpty { print("no conflicts") }
                for conflict in conflicts {
                    print(
                        "#\(conflict.id)  \(conflict.reason.rawValue)  case \(conflict.caseId)  kit \(conflict.kitId) seq \(conflict.seq)  "
                            + "\(conflict.resolution?.rawValue ?? "open")  \(conflict.detail)")
                }
            }
        }

        struct Resolve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Resolve a conflict: accept, discard or revisit.")
            @OptionGroup var options: StoreOptions
            @Argument(help: "The conflict number.") var id: Int64
            @Argument(help: "accept, discard or revisit.") var resolution: ConflictResolution
            @Option(help: "Who resolves it (audit trail).") var by =
                ProcessInfo.processInfo.environment["USER"] ?? "operator"
            @Option(help: "Why: kept with the decision and in the audit trail (at most 1000 characters).")
            var note: String?

            func validate() throws {
                if let note, note.count > 1_000 { throw ValidationError("--note: at most 1000 characters") }
            }

            func run() async throws {
                let store = try await options.application().openStore()
                let trimmed = note?.trimmingCharacters(in: .whitespacesAndNewlines)
                let done = try await store.resolveConflict(
                    id: id, resolution: resolution, note: trimmed?.isEmpty == false ? trimmed : nil, by: by,
                    at: Date())
                await store.close()
                guard done else { throw ValidationError("no open conflict #\(id)") }
                print("conflict #\(id) resolved: \(resolution.rawValue)")
            }
        }
    }
}

extension ConflictResolution: ExpressibleByArgument {}

/// The kit a command acts on: `--kit-id ID` as `kits enroll` takes it (`--kit` and a bare id as
/// before still work).
struct KitSelection: ParsableArguments {
    @Option(name: [.customLong("kit-id"), .customLong("kit")], help: "The kit's id, e.g. kit-mainz-07.")
    var option: String?
    @Argument(help: ArgumentHelp("The kit's id (the same as --kit-id).", visibility: .hidden))
    var positional: String?

    var id: String { option ?? positional ?? "" }

    func validate() throws {
        switch (option, positional) {
        case (nil, nil): throw ValidationError("name the kit: --kit-id KIT")
        case (let option?, let positional?) where option != positional:
            throw ValidationError("two different kits named: --kit-id \(option) and \(positional)")
        default: break
        }
    }
}
