import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import Testing

@testable import SyncServer

/// Hand-off push (#16): a consumer that is down for "hours" (millisecond backoff) receives every
/// dossier afterwards, in feed order, and its answers are recorded as confirmations; a consumer
/// that keeps refusing is dead-lettered after the give-up time, visible in `/metrics`, and an
/// operator re-queues it. On both stores.
@Suite("Hand-off: push delivery")
struct HandoffPushDeliveryTests {
    @Test("a consumer down for hours gets everything afterwards, in feed order", arguments: StoreBackend.available)
    func consumerDownForHours(_ backend: StoreBackend) async throws {
        var city = HandoffCity()
        try await withFreshStore(backend) { store, location in
            try await city.prepare(store)
            let secret = PushSecret.generate()
            // A port nobody listens on: the consumer is down (connection refused).
            let port = try ListeningSocket().port
            try await store.setPushEndpoint(
                consumer: city.dms.name,
                push: PushEndpoint(url: "http://127.0.0.1:\(port)\(PushListener.path)", secret: secret))
            try await city.completeCases(3, in: store)
            let metrics = ServerMetrics()
            let settings = fastPushSettings(timeout: 0.5)
            try await withPushSender(settings) { sender in
                let service = HandoffPushService(
                    assembly: city.assembly(store), sender: sender, settings: settings, metrics: metrics.push)
                let worker = Task { try await service.run() }
                defer { worker.cancel() }
                // The outage: the head is retried again and again, the others wait behind it.
                try await eventually("many failed attempts") {
                    (try await store.pushQueue().first?.attempts ?? 0) >= 8
                }
                let queue = try await store.pushQueue()
                #expect(queue.count == 3)
                #expect(queue.allSatisfy { $0.state == .pending && $0.consumer == city.dms.name })
                #expect(queue.dropFirst().allSatisfy { $0.attempts == 0 })
                #expect(queue.first?.lastError?.contains("the connection failed") == true)
                let during = await metrics.render(store: store)
                #expect(during.contains("sync_handoff_push_pending{consumer=\"e-akte\"} 3"))
                #expect(!during.contains("sync_handoff_push_total{consumer=\"e-akte\",result=\"failed\"} 0\n"))
                // Pull-only consumers have no push queue.
                #expect(try await store.pushURLs().keys.sorted() == [city.dms.name])

                // A restart in the middle of the outage: the delivery state is in the database.
                worker.cancel()
                _ = try? await worker.value
                let attemptsBefore = try #require(try await store.pushQueue().first?.attempts)
                let restarted = try await location.open()
                #expect(try await restarted.pushQueue().first?.attempts == attemptsBefore)
                let service2 = HandoffPushService(
                    assembly: city.assembly(restarted), sender: sender, settings: settings, metrics: metrics.push)
                let worker2 = Task { try await service2.run() }
                defer { worker2.cancel() }

                // The consumer is back.
                let receiver = city.dmsReceiver(secret: secret)
                let listener = try await RunningListener.start(receiver, port: port)
                try await eventually("three deliveries") { await receiver.deliveries.count == 3 }
                try await eventually("queue drained") { try await store.pushQueue().isEmpty }
                worker2.cancel()
                _ = try? await worker2.value
                await listener.stop()
                await restarted.close()

                let feed = try await store.dossierFeed(consumer: city.dms.name, after: 0, limit: 10)
                let deliveries = await receiver.deliveries
                #expect(deliveries.map(\.dossierId) == feed.map(\.dossierId))
                #expect(deliveries.map(\.cursor) == feed.map(\.position))
                #expect(deliveries.allSatisfy { $0.acknowledgement.outcome == .accepted })
                #expect(await receiver.refusals.isEmpty)
                // The answers were recorded as the consumer's confirmations.
                let dms = try await store.dossiers(rejectedOnly: false).filter { $0.consumer == city.dms.name }
                #expect(dms.count == 3 && dms.allSatisfy { $0.outcome == .accepted })
                let after = await metrics.render(store: store)
                #expect(after.contains("sync_handoff_push_total{consumer=\"e-akte\",result=\"delivered\"} 3"))
                #expect(after.contains("sync_handoff_push_total{consumer=\"e-akte\",result=\"dead_lettered\"} 0"))
                #expect(after.contains("sync_handoff_push_pending{consumer=\"e-akte\"} 0"))
                #expect(after.contains("sync_handoff_push_dead_letter{consumer=\"e-akte\"} 0"))
                let failed = after.split(separator: "\n").first {
                    $0.hasPrefix("sync_handoff_push_total{consumer=\"e-akte\",result=\"failed\"}")
                }
                #expect((failed?.split(separator: " ").last.flatMap { Int($0) } ?? 0) >= 8)
            }
        }
    }

    @Test(
        "a refusing consumer is dead-lettered after the give-up time; an operator re-queues it",
        arguments: StoreBackend.available)
    func deadLetterAndRequeue(_ backend: StoreBackend) async throws {
        var city = HandoffCity()
        try await withFreshStore(backend) { store, _ in
            try await city.prepare(store)
            let receiverSecret = PushSecret.generate()
            let receiver = city.dmsReceiver(secret: receiverSecret)
            let listener = try await RunningListener.start(receiver)
            // The server was given another secret: every push is refused (401).
            try await store.setPushEndpoint(
                consumer: city.dms.name, push: PushEndpoint(url: listener.url, secret: PushSecret.generate()))
            try await city.completeCases(2, in: store)
            let metrics = ServerMetrics()
            let settings = fastPushSettings(giveUpAfter: 0.3)
            try await withPushSender(settings) { sender in
                let service = HandoffPushService(
                    assembly: city.assembly(store), sender: sender, settings: settings, metrics: metrics.push)
                var worker = Task { try await service.run() }
                try await eventually("both dead-lettered") {
                    let queue = try await store.pushQueue()
                    return queue.count == 2 && queue.allSatisfy { $0.state == .deadLetter }
                }
                worker.cancel()
                _ = try? await worker.value
                let dead = try await store.pushQueue()
                #expect(dead.allSatisfy { $0.lastError == "HTTP 401" && $0.attempts > 1 && $0.deadLetteredAt != nil })
                #expect(await receiver.deliveries.isEmpty)
                #expect(await receiver.refusals.allSatisfy { $0.contains("signature does not match") })
                let text = await metrics.render(store: store)
                #expect(text.contains("sync_handoff_push_total{consumer=\"e-akte\",result=\"dead_lettered\"} 2"))
                #expect(text.contains("sync_handoff_push_dead_letter{consumer=\"e-akte\"} 2"))
                #expect(text.contains("sync_handoff_push_pending{consumer=\"e-akte\"} 0"))
                // Visible to back office, with the re-queue button.
                let page = HandoffPage(dossiers: [], now: Date(), pushQueue: dead).render()
                #expect(page.contains("Push-Zustellung: unzustellbar (2)"))
                #expect(page.contains("HTTP 401"))
                #expect(page.contains("action=\"/admin/handoff/\(dead[0].dossierId)/redeliver\""))
                #expect(page.contains("Erneut zustellen"))
                let audit = try await store.auditLog(limit: 50).map(\.action)
                #expect(audit.filter { $0 == "dossier-push-dead-letter" }.count == 2)

                // The operator fixes the secret and re-queues; the dossiers arrive in order.
                try await store.setPushEndpoint(
                    consumer: city.dms.name, push: PushEndpoint(url: listener.url, secret: receiverSecret))
                #expect(try await store.requeuePush(dossierId: dead[1].dossierId, by: "operator", at: Date()))
                #expect(try await store.requeuePush(dossierId: dead[0].dossierId, by: "operator", at: Date()))
                #expect(!(try await store.requeuePush(dossierId: dead[0].dossierId, by: "operator", at: Date())))
                #expect(try await store.pushQueue().allSatisfy { $0.state == .pending && $0.attempts == 0 })
                worker = Task { try await service.run() }
                try await eventually("both delivered") { await receiver.deliveries.count == 2 }
                try await eventually("queue drained") { try await store.pushQueue().isEmpty }
                worker.cancel()
                _ = try? await worker.value
                await listener.stop()
                #expect(await receiver.deliveries.map(\.dossierId) == dead.map(\.dossierId))
                #expect(!(try await store.requeuePush(dossierId: dead[0].dossierId, by: "operator", at: Date())))
            }
        }
    }

    @Test("a dossier the consumer pulled and confirmed leaves the push queue; a revoked consumer gets no push")
    func pullStillWorksForPushConsumers() async throws {
        var city = HandoffCity()
        try await withFreshStore(.sqlite) { store, _ in
            try await city.prepare(store)
            try await store.setPushEndpoint(
                consumer: city.dms.name,
                push: PushEndpoint(url: "https://dms.example/handoff", secret: PushSecret.generate()))
            try await city.completeCases(2, in: store)
            _ = try await city.assembly(store).buildPending()
            let feed = try await store.dossierFeed(consumer: city.dms.name, after: 0, limit: 10)
            #expect(try await store.pushQueue().count == 2)
            #expect(
                try await store.acknowledgeDossier(
                    id: feed[0].dossierId, consumer: city.dms.name, acknowledgement: .init(outcome: .accepted),
                    at: Date()) == .recorded)
            let claims = try await store.claimDuePushes(now: Date(), lease: 60)
            #expect(claims.map(\.dossierId) == [feed[1].dossierId])
            // Claimed: no second worker gets it during the lease.
            #expect(try await store.claimDuePushes(now: Date(), lease: 60).isEmpty)
            #expect(try await store.claimDuePushes(now: Date().addingTimeInterval(61), lease: 60).count == 1)
            try await store.revokeConsumer(name: city.dms.name)
            #expect(try await store.pushQueue().isEmpty)
            #expect(try await store.claimDuePushes(now: Date().addingTimeInterval(600), lease: 60).isEmpty)
        }
    }
}
