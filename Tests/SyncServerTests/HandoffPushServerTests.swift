import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import NIOCore
import NIOHTTP1
import SyncServer
import Testing

/// The push worker as the running server wires it (configuration → service group): a dead letter
/// shows in `/metrics` and `GET /v1/admin/pushes`; the page's re-queue action keeps the pages'
/// same-origin rule; the re-queued dossier arrives.
@Suite("Hand-off: push in the running server")
struct HandoffPushServerTests {
    struct Answer {
        var status: UInt
        var body: String
    }

    static func call(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String, origin: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let origin { request.headers.add(name: "Origin", value: origin) }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: response.status.code, body: String(buffer: body))
    }

    @Test func deadLetterVisibleAndRequeuedThroughTheServer() async throws {
        var configuration = ServerConfiguration(
            port: 0, stateDirectory: temporaryPath("push-server"), tlsEnabled: false)
        configuration.push = fastPushSettings(giveUpAfter: 0.3)
        let application = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
        let store = try await application.openStore()
        var city = HandoffCity()
        city.server = ServerFixture(dataKey: keys.dataKey)
        city.kit = TestKit("kit-handoff", server: city.server)
        try await city.prepare(store)
        let secret = PushSecret.generate()
        let receiver = PushReceiver(
            consumer: ReferenceConsumer(
                procedure: .dms, key: city.dms.key, serverKey: keys.dossierSigningKey.publicKey),
            secret: secret)
        let listener = try await RunningListener.start(receiver)
        // A wrong secret first: refused until dead-lettered.
        try await store.setPushEndpoint(
            consumer: city.dms.name, push: PushEndpoint(url: listener.url, secret: PushSecret.generate()))
        try await city.completeCases(1, in: store)
        let adminToken = try String(contentsOfFile: keys.adminTokenPath, encoding: .utf8)
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        do {
            try await whileServing(application) { port in
                let base = "http://127.0.0.1:\(port)"
                try await eventually("dead-lettered by the server's worker") {
                    try await store.pushQueue().first?.state == .deadLetter
                }
                let dossierId = try #require(try await store.pushQueue().first?.dossierId)
                let metrics = try await Self.call(client, .GET, base + "/metrics", token: adminToken)
                #expect(metrics.status == 200)
                #expect(metrics.body.contains("sync_handoff_push_dead_letter{consumer=\"e-akte\"} 1"))
                #expect(
                    metrics.body.contains("sync_handoff_push_total{consumer=\"e-akte\",result=\"dead_lettered\"} 1"))
                let pushes = try await Self.call(
                    client, .GET, base + "/v1/admin/pushes?state=dead_letter", token: adminToken)
                #expect(pushes.status == 200)
                #expect(pushes.body.contains("\"dossierId\":\"\(dossierId)\""))
                #expect(pushes.body.contains("\"lastError\":\"HTTP 401\""))
                #expect(!pushes.body.contains(secret.text))
                let page = try await Self.call(client, .GET, base + "/admin/handoff", token: adminToken)
                #expect(page.body.contains("Push-Zustellung: unzustellbar (1)"))

                try await store.setPushEndpoint(
                    consumer: city.dms.name, push: PushEndpoint(url: listener.url, secret: secret))
                // Another site's form: refused.
                let foreign = try await Self.call(
                    client, .POST, base + "/admin/handoff/\(dossierId)/redeliver", token: adminToken,
                    origin: "https://evil.example")
                #expect(foreign.status == 403)
                #expect(try await store.pushQueue().first?.state == .deadLetter)
                let requeued = try await Self.call(
                    client, .POST, base + "/admin/handoff/\(dossierId)/redeliver", token: adminToken,
                    origin: base)
                #expect(requeued.status == 303)
                try await eventually("delivered after the re-queue") { await receiver.deliveries.count == 1 }
                let again = try await Self.call(
                    client, .POST, base + "/v1/admin/dossiers/\(dossierId)/redeliver", token: adminToken)
                #expect(again.status == 409)
            }
        } catch {
            try? await client.shutdown()
            await listener.stop()
            await store.close()
            throw error
        }
        try await client.shutdown()
        await listener.stop()
        await store.close()
        #expect(await receiver.deliveries.first?.acknowledgement.outcome == .accepted)
    }
}
