import Foundation
import Hummingbird
import KitCore
import KitTestSupport
import Logging
import NIOCore
import Testing

@testable import SyncServer

/// What a consumer may answer a push with, and how the sender judges it: only an empty 2xx or a
/// 2xx with an acknowledgement counts as delivered; garbage, redirects, huge answers, errors and
/// silence are failures with a reason that repeats nothing of the answer.
@Suite("Hand-off: push sender against hostile consumers")
struct HandoffPushHostileTests {
    /// A consumer endpoint that answers each path in its own bad (or good) way.
    static func hostileRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("empty") { _, _ in Response(status: .noContent) }
        router.post("ack") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"outcome":"accepted"}"#)))
        }
        router.post("garbage") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "<html>Erika Mustermann</html>")))
        }
        router.post("redirect") { _, _ in
            Response(status: .found, headers: [.location: "https://elsewhere.example/handoff"])
        }
        router.post("huge") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x41, count: 200_000)))
        }
        router.post("error") { _, _ in Response(status: .internalServerError) }
        return router
    }

    static func claim(url: String) -> PushClaim {
        PushClaim(
            dossierId: String(repeating: "d", count: 32), caseId: "case-1", consumer: "e-akte", position: 1,
            container: Array("container".utf8), endpoint: PushEndpoint(url: url, secret: PushSecret.generate()),
            attempts: 0, firstFailureAt: nil)
    }

    static func failure(_ sender: PushSender, _ url: String) async -> String? {
        do {
            _ = try await sender.send(claim(url: url), now: Date())
            return nil
        } catch {
            return error.description
        }
    }

    @Test func answersAreJudged() async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: Self.hostileRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: quietLogger())
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let base = "http://127.0.0.1:\(port)/"
        try await withPushSender(fastPushSettings(timeout: 1)) { sender in
            #expect(try await sender.send(Self.claim(url: base + "empty"), now: Date()) == nil)
            #expect(try await sender.send(Self.claim(url: base + "ack"), now: Date()) == .init(outcome: .accepted))
            let garbage = try #require(await Self.failure(sender, base + "garbage"))
            #expect(garbage.contains("neither empty nor an acknowledgement"))
            #expect(!garbage.contains("Mustermann"))
            #expect(try #require(await Self.failure(sender, base + "redirect")).contains("redirects are not followed"))
            #expect(try #require(await Self.failure(sender, base + "huge")).contains("larger than 8192 bytes"))
            #expect(await Self.failure(sender, base + "error") == "HTTP 500")
            // A consumer that accepts the connection and never answers.
            let silent = try ListeningSocket()
            let started = Date()
            let hanging = try #require(await Self.failure(sender, "http://127.0.0.1:\(silent.port)/handoff"))
            #expect(hanging.contains("no answer within 1.0 s"))
            #expect(Date().timeIntervalSince(started) < 5)
        }
        server.cancel()
    }

    @Test func pushURLsAreChecked() throws {
        #expect(throws: HandoffInputError.self) { try PushEndpoint.validate(url: "http://dms.example/handoff") }
        #expect(throws: HandoffInputError.self) { try PushEndpoint.validate(url: "ftp://dms.example/handoff") }
        #expect(throws: HandoffInputError.self) { try PushEndpoint.validate(url: "https://user:pw@dms.example/") }
        #expect(throws: HandoffInputError.self) { try PushEndpoint.validate(url: "dms.example/handoff") }
        #expect(throws: HandoffInputError.self) { try PushEndpoint.validate(url: "https://dms.example/h?token=x") }
        _ = try PushEndpoint.validate(url: "https://dms.example:8443/handoff")
        _ = try PushEndpoint.validate(url: "http://127.0.0.1:9000/handoff")
        #expect(throws: HandoffInputError.self) { try PushSecret("too short") }
        #expect(throws: HandoffInputError.self) { try PushSecret(String(repeating: "ä", count: 40)) }
        let secret = PushSecret.generate()
        #expect(secret.text.count == 64)
        #expect(!"\(secret)".contains(secret.text))
        #expect(!"\(PushEndpoint(url: "https://x.example/", secret: secret))".contains(secret.text))
    }

    @Test func theOpenAPIWebhookNamesTheHeadersTheSenderSends() throws {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/openapi/sync-server.yaml")
        let text = try String(contentsOf: document, encoding: .utf8)
        #expect(text.contains("webhooks:\n  handoffDossier:"))
        for header in [
            HandoffPushSignature.dossierIdHeader, HandoffPushSignature.cursorHeader,
            HandoffPushSignature.timestampHeader, HandoffPushSignature.signatureHeader, "Dossier-SHA256",
        ] {
            #expect(text.contains("name: \(header), in: header, required: true"))
        }
    }

    /// The documented signature, as `openssl dgst -sha256 -hmac` computes it (docs/handoff.md):
    /// printf '%s.%s.%s' 1780000000 0123456789abcdef0123456789abcdef 'dossier bytes' |
    /// openssl dgst -sha256 -hmac k3y-for-the-documented-test-vector-0001
    @Test func signatureMatchesAnIndependentImplementation() throws {
        let secret = try PushSecret("k3y-for-the-documented-test-vector-0001")
        let body = Array("dossier bytes".utf8)
        let header = HandoffPushSignature.sign(
            secret: secret, timestamp: 1_780_000_000, dossierId: "0123456789abcdef0123456789abcdef", body: body)
        #expect(header == "v1=5d99916ca0f781d322e990793f012c02739316200cbc223f334286ca2571efbd")
        try HandoffPushSignature.verify(
            secret: secret, timestampHeader: "1780000000", signatureHeader: header,
            dossierId: "0123456789abcdef0123456789abcdef", body: body, now: Date(timeIntervalSince1970: 1_780_000_100))
        #expect(throws: PushSignatureError.timestampOutsideWindow(seconds: 301)) {
            try HandoffPushSignature.verify(
                secret: secret, timestampHeader: "1780000000", signatureHeader: header,
                dossierId: "0123456789abcdef0123456789abcdef", body: body,
                now: Date(timeIntervalSince1970: 1_780_000_301))
        }
    }

    @Test func pushSettingsAreReadFromTheEnvironment() async throws {
        let environment = [
            "SYNC_SERVER_HANDOFF_PUSH_BACKOFF_BASE": "0.5", "SYNC_SERVER_HANDOFF_PUSH_BACKOFF_CAP": "60",
            "SYNC_SERVER_HANDOFF_PUSH_GIVE_UP_AFTER": "90000", "SYNC_SERVER_HANDOFF_PUSH_TIMEOUT": "5",
        ]
        let configuration = try ServerConfiguration(
            try await LayeredConfiguration.load(
                flags: [:], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil,
                environment: environment))
        #expect(
            configuration.push
                == PushSettings(backoffBase: 0.5, backoffCap: 60, giveUpAfter: 90_000, timeout: 5, pollInterval: 2))
        #expect(ServerConfiguration().push.giveUpAfter == 72 * 3600)
        // A cap below the base, a CA file that is not there: refused with the key's name.
        for (key, value) in [
            ("SYNC_SERVER_HANDOFF_PUSH_BACKOFF_CAP", "0.1"),
            ("SYNC_SERVER_HANDOFF_PUSH_CA_FILE", "/nonexistent/ca.pem"),
        ] {
            var wrong = environment
            wrong[key] = value
            let layered = try await LayeredConfiguration.load(
                flags: [:], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil, environment: wrong)
            #expect(throws: ConfigurationError.self) { try ServerConfiguration(layered) }
        }
    }

    @Test func backoffIsExponentialWithFullJitterAndGivesUp() {
        let settings = PushSettings(backoffBase: 10, backoffCap: 3600, giveUpAfter: 86_400)
        #expect(settings.backoff(failures: 1, random: 1) == 10)
        #expect(settings.backoff(failures: 2, random: 1) == 20)
        #expect(settings.backoff(failures: 5, random: 1) == 160)
        #expect(settings.backoff(failures: 30, random: 1) == 3600)
        #expect(settings.backoff(failures: 5, random: 0) == 0)
        #expect(settings.backoff(failures: 5, random: 0.5) == 80)
        let start = Date()
        #expect(
            settings.nextAttempt(failures: 3, firstFailureAt: start, now: start.addingTimeInterval(3600), random: 1)
                == start.addingTimeInterval(3600 + 40))
        #expect(
            settings.nextAttempt(failures: 90, firstFailureAt: start, now: start.addingTimeInterval(86_400), random: 1)
                == nil)
        // The defaults retry for longer than 24 hours.
        #expect(PushSettings().giveUpAfter >= 86_400)
    }
}
