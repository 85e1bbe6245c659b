import Foundation
import Logging
import ServiceLifecycle

/// Once a minute: locks an idle kit and shreds acknowledged payloads past the retention window.
struct MaintenanceService: Service {
    let runtime: KitRuntime
    let retention: TimeInterval
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await tick()
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    func tick() async {
        await runtime.lock.expireIfIdle()
        guard let outbox = runtime.outbox else { return }
        do {
            let shredded = try outbox.shredAcknowledged(olderThan: retention)
            if shredded > 0 { logger.info("shredded acknowledged payloads", metadata: ["count": "\(shredded)"]) }
        } catch {
            logger.error("shredding failed", metadata: ["reason": "\(error)"])
        }
    }
}
