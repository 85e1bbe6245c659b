import Foundation
import Hummingbird
import KitCore

extension AgentStatus: ResponseEncodable {}

/// `GET /v1/status[?refresh=true]`: the agent's state and its view of the sync server. With
/// `refresh=true` the agent probes the server before answering, so the answer is current.
struct StatusController<Context: RequestContext> {
    let link: LinkMonitor
    let startedAt: Date
    let runtime: KitRuntime

    func register(on group: RouterGroup<Context>) {
        group.get("status") { request, _ in
            let refresh = request.uri.queryParameters.get("refresh") == "true"
            return await self.status(refresh: refresh)
        }
    }

    func status(refresh: Bool) async -> AgentStatus {
        let server = refresh ? await link.probe() : await link.status
        var queue: QueueStats?
        var problem: SyncProblem?
        if let outbox = runtime.outbox {
            do {
                queue = try outbox.stats()
                problem = try outbox.syncProblem()
            } catch {
                // The running agent says so itself: a damaged database must not wait for doctor.
                problem = SyncProblem(
                    kind: .storage, seq: nil, reason: "the kit's database cannot be read: \(error)", since: Date(),
                    attempts: 1)
            }
        }
        var status = AgentStatus(
            agentVersion: KitVersion.release,
            processID: ProcessInfo.processInfo.processIdentifier,
            startedAt: startedAt,
            stateDirectory: runtime.directory.path,
            server: server,
            kitId: runtime.kitId,
            unlocked: await runtime.lock.status.unlocked,
            queue: queue,
            outboxProblem: runtime.outboxProblem,
            unresolvedPayments: runtime.outbox.flatMap { outbox in
                try? PaymentLedger(database: runtime.database, outbox: outbox).unresolved().count
            },
            syncProblem: problem)
        status.clerk = runtime.lock.session.current
        return status
    }
}
