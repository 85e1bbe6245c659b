import Foundation
import Logging
import ServiceLifecycle

/// The server's background hand-off work: builds waiting dossiers (also those recorded before
/// a crash) and deletes expired evidence (``HandoffStore/deleteExpiredEvidence(retentionDays:now:)``),
/// at start and then every `interval`.
public struct HandoffMaintenance: Service {
    public let assembly: DossierAssembly
    public let retentionDays: Int
    public let interval: Duration

    public init(assembly: DossierAssembly, retentionDays: Int, interval: Duration = .seconds(300)) {
        self.assembly = assembly
        self.retentionDays = retentionDays
        self.interval = interval
    }

    public func run() async throws {
        let logger = assembly.logger
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await assembly.buildPending()
                let deleted = try await assembly.store.deleteExpiredEvidence(retentionDays: retentionDays, now: Date())
                if !deleted.cases.isEmpty {
                    logger.notice(
                        "evidence deleted after hand-off and retention period",
                        metadata: [
                            "cases": "\(deleted.cases.count)", "transactions": "\(deleted.transactions)",
                            "dossiers": "\(deleted.dossiers)",
                        ])
                }
            } catch {
                logger.error("hand-off maintenance failed; retrying later", metadata: ["reason": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
