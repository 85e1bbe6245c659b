import ArgumentParser
import Foundation
import KitCore
import SyncServer

/// `--push-url` and `--push-secret-file` of `consumers add` and `consumers push`.
struct PushOptions: ParsableArguments {
    @Option(
        name: .customLong("push-url"),
        help: "Push dossiers to this HTTPS endpoint as well (http only to 127.0.0.1, ::1 or localhost).")
    var url: String?
    @Option(
        name: .customLong("push-secret-file"),
        help: "File holding the HMAC secret (32 to 256 printable characters); without it one is generated and printed.")
    var secretFile: String?

    func validate() throws {
        if let url {
            do {
                _ = try PushEndpoint.validate(url: url)
            } catch {
                throw ValidationError("--push-url: \(error.description)")
            }
        } else if secretFile != nil {
            throw ValidationError("--push-secret-file needs --push-url")
        }
    }

    /// The endpoint, with the secret read from the file or generated; nil without `--push-url`.
    func endpoint() throws -> PushEndpoint? {
        guard let url else { return nil }
        guard let secretFile else { return PushEndpoint(url: url, secret: PushSecret.generate()) }
        guard let data = FileManager.default.contents(atPath: secretFile) else {
            throw ValidationError("cannot read the push secret file \(secretFile)")
        }
        do {
            return PushEndpoint(url: url, secret: try PushSecret(String(decoding: data, as: UTF8.self)))
        } catch {
            throw ValidationError("\(secretFile): \(error.description)")
        }
    }
}

extension SyncServerCommand.Consumers {
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set, replace or remove a consumer's push endpoint (pull keeps working either way).",
            discussion: """
                With --push-url the consumer also receives each dossier by HTTPS POST, signed with HMAC-SHA256 \
                (docs/handoff.md, "Push"). Without --push-secret-file a new secret is generated and printed once. \
                --off removes the endpoint: the consumer pulls only.
                """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The consumer's name.") var name: String
        @OptionGroup var push: PushOptions
        @Flag(help: "Remove the push endpoint.") var off = false

        func validate() throws {
            try push.validate()
            guard off != (push.url != nil) else { throw ValidationError("give either --push-url or --off") }
        }

        func run() async throws {
            let store = try await options.application().openStore()
            let endpoint: PushEndpoint?
            do {
                endpoint = try push.endpoint()
                try await store.setPushEndpoint(consumer: name, push: endpoint)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            if let endpoint, push.secretFile == nil { print(endpoint.secret.text) }
            FileHandle.standardError.write(
                Data("consumer \(name): \(endpoint.map { "push to \($0.url)" } ?? "pull only")\n".utf8))
        }
    }
}

extension SyncServerCommand.Dossiers {
    struct Pushes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push deliveries not yet done: waiting (with attempts and last error) and dead-lettered.")
        @OptionGroup var options: StoreOptions
        @Flag(name: .customLong("dead-letter"), help: "Only dead-lettered ones.") var deadLetterOnly = false

        func run() async throws {
            let store = try await options.application().openStore()
            let queue = try await store.pushQueue()
            await store.close()
            let shown = deadLetterOnly ? queue.filter { $0.state == .deadLetter } : queue
            if shown.isEmpty { print("keine offenen Zustellungen") }
            for entry in shown {
                let state = entry.state == .deadLetter ? "unzustellbar" : "wartet"
                print(
                    "\(entry.dossierId)  Vorgang \(entry.caseId)  → \(entry.consumer)  \(state)  "
                        + "\(entry.attempts) Versuch(e)" + (entry.lastError.map { "  letzter Fehler: \($0)" } ?? ""))
            }
        }
    }

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-queue a dead-lettered dossier for push delivery (attempts start again).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The dossier id (sync-server dossiers pushes --dead-letter).") var dossierId: String

        func run() async throws {
            let store = try await options.application().openStore()
            let requeued: Bool
            do {
                requeued = try await store.requeuePush(dossierId: dossierId, by: "operator", at: Date())
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            guard requeued else {
                throw PushCommandFailure(
                    description: "dossier \(dossierId) is not dead-lettered (see sync-server dossiers pushes)")
            }
            print("dossier \(dossierId) re-queued for push delivery")
        }
    }
}

/// A push command that could not do its work, in one line (exit status 1, no usage text).
struct PushCommandFailure: Error, CustomStringConvertible {
    let description: String
}
