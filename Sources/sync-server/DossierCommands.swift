import ArgumentParser
import Foundation
import KitCore
import SyncServer

extension SyncServerCommand.Dossiers {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one dossier (by dossier id), or every dossier of a case (by case id), with its state.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "A dossier id (32 hex digits) or a case id.") var id: String

        func run() async throws {
            let store = try await options.application().openStore()
            let found: (dossier: DossierRecord?, detail: CaseDetail?)
            do {
                if let dossier = try await store.dossier(id: id) {
                    found = (dossier.record, nil)
                } else {
                    found = (nil, try await store.caseDetail(caseId: id))
                }
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            if let dossier = found.dossier {
                print(Self.describe(dossier))
            } else if let detail = found.detail {
                print(
                    "Vorgang \(detail.summary.caseId): \(detail.summary.progress.rawValue), \(detail.steps.count) Schritte"
                )
                if detail.summary.dossiers.isEmpty { print("keine Übergaben") }
                for dossier in detail.summary.dossiers {
                    print("")
                    print(Self.describe(dossier))
                }
            } else {
                throw ValidationError("no dossier and no case \(id) (sync-server dossiers list shows the dossier ids)")
            }
        }

        static func describe(_ dossier: DossierRecord) -> String {
            func date(_ value: Date?) -> String { value.map { $0.formatted(.iso8601) } ?? "–" }
            let state: String
            switch (dossier.builtAt, dossier.outcome) {
            case (nil, _): state = "wartet auf Erstellung"
            case (_, nil): state = "bereitgestellt"
            case (_, .accepted): state = "angenommen"
            case (_, .rejected): state = "abgelehnt"
            }
            return [
                "dossier      \(dossier.dossierId)",
                "case         \(dossier.caseId)",
                "consumer     \(dossier.consumer) (\(dossier.procedure.rawValue))",
                "state        \(state)" + (dossier.reason.map { ": \($0)" } ?? ""),
                "recorded     \(date(dossier.recordedAt))",
                "built        \(date(dossier.builtAt))" + (dossier.position.map { ", feed position \($0)" } ?? ""),
                "sha256       \(dossier.sha256 ?? "–")" + (dossier.size.map { ", \($0) bytes" } ?? ""),
                "confirmed    \(date(dossier.acknowledgedAt))",
                "evidence     " + (dossier.evidenceDeletedAt.map { "deleted \($0.formatted(.iso8601))" } ?? "held"),
            ].joined(separator: "\n")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a built dossier's container (sealed to its receiver, as the feed serves it) to a file.",
            discussion: """
                The container is the signed ustar archive of docs/handoff.md; its evidence stays sealed to the \
                receiving procedure's key. Verify it with Tests/Integration/verify_dossier.py.
                """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The dossier id (sync-server dossiers list).") var id: String
        @Option(name: .shortAndLong, help: "The file to write; it must not exist yet.") var output: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("\(output) exists already: choose another file name")
            }
            let store = try await options.application().openStore()
            let found: (record: DossierRecord, container: [UInt8]?)?
            do {
                found = try await store.dossier(id: id)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            guard let found else {
                throw ValidationError("no dossier \(id) (sync-server dossiers list shows the dossier ids)")
            }
            guard let container = found.container else {
                if let deleted = found.record.evidenceDeletedAt {
                    throw ValidationError(
                        "the evidence of dossier \(id) was deleted on \(deleted.formatted(.iso8601)): nothing to export"
                    )
                }
                throw ValidationError("dossier \(id) is not built yet: the server builds it within five minutes")
            }
            try PrivateFile.write(container, to: output)
            print("\(output): \(container.count) bytes, sha256 \(found.record.sha256 ?? "–")")
        }
    }
}
