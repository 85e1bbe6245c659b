import Foundation
import KitCore
import Logging
import ServiceLifecycle

/// The push delivery worker (docs/handoff.md, "Push"): builds waiting dossiers, claims each push
/// consumer's due queue head, sends it (consumers in parallel, one dossier at a time each, in feed
/// order) and records the result — delivered, retried with backoff, or dead-lettered once
/// ``PushSettings/giveUpAfter`` has passed since the first failure. Delivery is at least once:
/// a crash after sending and before recording sends the dossier again after the claim's lease.
public struct HandoffPushService: Service {
    public let assembly: DossierAssembly
    public let sender: PushSender
    public let settings: PushSettings
    public let metrics: PushMetrics
    let random: @Sendable () -> Double

    public init(
        assembly: DossierAssembly, sender: PushSender, settings: PushSettings, metrics: PushMetrics,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.assembly = assembly
        self.sender = sender
        self.settings = settings
        self.metrics = metrics
        self.random = random
    }

    var store: any SyncStore { assembly.store }
    var logger: Logger { assembly.logger }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var sent = 0
            do {
                sent = try await deliverDue(now: Date())
            } catch {
                logger.error("hand-off push worker cannot read its queue; retrying", metadata: ["reason": "\(error)"])
            }
            // Something was sent: the next head may be due at once.
            if sent == 0 {
                try? await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(Int64(settings.pollInterval * 1000)))
                }
            }
        }
    }

    /// One round: builds waiting dossiers, then sends every due queue head once. Returns how many
    /// were sent (successfully or not).
    @discardableResult
    public func deliverDue(now: Date) async throws(StoreError) -> Int {
        try await assembly.buildPending()
        let claims = try await store.claimDuePushes(now: now, lease: settings.claimLease)
        await withTaskGroup(of: Void.self) { group in
            for claim in claims {
                group.addTask { await deliver(claim) }
            }
        }
        return claims.count
    }

    func deliver(_ claim: PushClaim) async {
        let metadata: Logger.Metadata = [
            "dossier": "\(claim.dossierId)", "consumer": "\(claim.consumer)", "attempt": "\(claim.attempts + 1)",
        ]
        do {
            let acknowledgement = try await sender.send(claim, now: Date())
            let at = Date()
            if let acknowledgement {
                let result = try await store.acknowledgeDossier(
                    id: claim.dossierId, consumer: claim.consumer, acknowledgement: acknowledgement, at: at)
                if case .conflicting(let first) = result {
                    logger.warning(
                        "hand-off push answered with another confirmation than the first; the first stands",
                        metadata: metadata.merging(["first": "\(first.rawValue)"]) { $1 })
                }
            }
            try await store.recordPushDelivered(dossierId: claim.dossierId, at: at)
            metrics.count(consumer: claim.consumer, .delivered)
            logger.info(
                "hand-off dossier pushed",
                metadata: metadata.merging(["outcome": "\(acknowledgement?.outcome.rawValue ?? "received")"]) { $1 })
        } catch let failure as PushFailure {
            // Stopped mid-attempt: not the consumer's failure; the claim's lease runs out.
            guard !Task.isCancelled else { return }
            await recordFailure(claim, reason: failure.description, metadata: metadata)
        } catch {
            // The store failed after the consumer answered: the lease runs out and the dossier is
            // sent again (at least once).
            logger.error(
                "hand-off push result cannot be stored; the dossier will be sent again",
                metadata: metadata.merging(["reason": "\(error)"]) { $1 })
        }
    }

    func recordFailure(_ claim: PushClaim, reason: String, metadata: Logger.Metadata) async {
        let now = Date()
        let failures = claim.attempts + 1
        let retryAt = settings.nextAttempt(
            failures: failures, firstFailureAt: claim.firstFailureAt ?? now, now: now, random: random())
        do {
            try await store.recordPushFailure(dossierId: claim.dossierId, reason: reason, at: now, retryAt: retryAt)
        } catch {
            logger.error(
                "hand-off push failure cannot be stored", metadata: metadata.merging(["reason": "\(error)"]) { $1 })
            return
        }
        if let retryAt {
            metrics.count(consumer: claim.consumer, .failed)
            logger.warning(
                "hand-off push failed; retrying",
                metadata: metadata.merging([
                    "reason": "\(reason)", "retryIn": "\(String(format: "%.3f", retryAt.timeIntervalSince(now))) s",
                ]) { $1 })
        } else {
            metrics.count(consumer: claim.consumer, .failed)
            metrics.count(consumer: claim.consumer, .deadLettered)
            logger.error(
                "hand-off push given up: dossier dead-lettered, an operator can re-queue it",
                metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        }
    }
}
