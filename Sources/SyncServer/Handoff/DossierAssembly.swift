import Foundation
import KitCore
import Logging

/// Builds the dossiers whose hand-off records are waiting (after the completion committed, so
/// a crash in between loses nothing: the record is there and the next run builds it). Safe to
/// run twice or in several server processes at once: the store keeps the first container.
public struct DossierAssembly: Sendable {
    public let store: any SyncStore
    public let builder: DossierBuilder
    public let logger: Logger

    public init(store: any SyncStore, builder: DossierBuilder, logger: Logger) {
        self.store = store
        self.builder = builder
        self.logger = logger
    }

    /// Builds every waiting dossier; returns how many this run stored.
    @discardableResult
    public func buildPending() async throws(StoreError) -> Int {
        var built = 0
        for dossierId in try await store.dossiersAwaitingBuild(limit: 500) {
            guard let sources = try await store.dossierSources(dossierId: dossierId) else { continue }
            do {
                let container = try builder.build(sources)
                if try await store.storeBuiltDossier(dossierId: dossierId, container: container, at: Date())
                    == container
                {
                    built += 1
                    logger.info(
                        "hand-off dossier built",
                        metadata: [
                            "dossier": "\(dossierId)", "consumer": "\(sources.record.consumer)",
                            "bytes": "\(container.count)",
                        ])
                }
            } catch {
                logger.error(
                    "hand-off dossier cannot be built; it stays waiting",
                    metadata: ["dossier": "\(dossierId)", "reason": "\(String(describing: error))"])
            }
        }
        return built
    }
}
