import Crypto
import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import NIOSSL
import Testing

@testable import SyncServer

/// The consumer's TLS certificate is verified: against `handoff.pushCaFile` when given, else
/// against the system's trust store, which does not know the city's internal CA.
@Suite("Hand-off: push over TLS")
struct HandoffPushTLSTests {
    @Test func consumerCertificateIsVerifiedAgainstTheConfiguredCA() async throws {
        let directory = try StateDirectory.prepare(temporaryPath("push-tls"))
        let keys = try ServerKeys.loadOrCreate(in: directory)
        // The receiver's certificate, issued by a CA the system does not trust.
        let identity = try ServerTLSIdentity.loadOrCreate(
            keysDirectory: keys.directory, authority: keys.authority, hostnames: ["127.0.0.1", "localhost"])
        var tls = try identity.serverConfiguration()
        tls.certificateVerification = .none
        let secret = PushSecret.generate()
        let receiver = PushReceiver(
            consumer: ReferenceConsumer(
                procedure: .dms, key: .init(), serverKey: P256.Signing.PrivateKey().publicKey),
            secret: secret)
        let listener = try await RunningListener.start(receiver, tls: tls)
        let claim = PushClaim(
            dossierId: String(repeating: "a", count: 32), caseId: "case-1", consumer: "e-akte", position: 1,
            container: Array("not a dossier".utf8), endpoint: PushEndpoint(url: listener.httpsURL, secret: secret),
            attempts: 0, firstFailureAt: nil)

        try await withPushSender(fastPushSettings(caFile: keys.caCertificatePath)) { trusting in
            let answer = try await trusting.send(claim, now: Date())
            // Over TLS, signature checked, examined: a broken container is rejected with a reason.
            #expect(answer?.outcome == .rejected)
        }

        try await withPushSender(fastPushSettings()) { system in
            do {
                _ = try await system.send(claim, now: Date())
                Issue.record("an untrusted certificate was accepted")
            } catch {
                #expect(!String(describing: error).hasPrefix("HTTP"))
            }
        }
        await listener.stop()
        #expect(await receiver.deliveries.count == 1)
    }
}
