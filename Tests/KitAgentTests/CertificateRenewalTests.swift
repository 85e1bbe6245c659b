import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import KitTestSupport
import NIOCore
import NIOHTTP1
import SwiftASN1
import SyncServer
import Testing
import X509

@testable import KitAgent

/// The kit's side of certificate renewal against a real TLS sync server: a new key and
/// certificate stored atomically, the old certificate refused afterwards, an interrupted renewal
/// recovered, an interrupted file move finished.
@Suite("Kit certificate renewal", .serialized)
struct CertificateRenewalTests {
    /// GET the kit's cases with `identity` and the kit's token: the HTTP status.
    func casesStatus(_ identity: KitTLSIdentity, credentials: KitCredentials) async throws -> Int {
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: try identity.clientConfiguration()))
        defer { Task { try? await client.shutdown() } }
        var request = HTTPClientRequest(url: credentials.serverURL + "/v1/kits/\(credentials.kitId)/cases")
        request.headers.add(name: "Authorization", value: "Bearer \(credentials.apiToken)")
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    func mode(_ path: String) throws -> Int? {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    func withEnrolledKit(_ body: (KitKeyStore, KitCredentials) async throws -> Void) async throws {
        let state = temporaryPath("renewal-server")
        let server = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: state), logger: quietLogger())
        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let keys = try await DoctorTLSTests().enrolledKit(serverState: state, port: port)
            let credentials = try #require(try KitCredentials.load(from: keys))
            try await body(keys, credentials)
        }
    }

    @Test func renewalStoresANewKeyAndCertificateAndTheOldOneIsRefused() async throws {
        try await withEnrolledKit { keys, credentials in
            let before = try #require(try KitTLSIdentity.load(from: keys))
            #expect(try await casesStatus(before, credentials: credentials) == 200)
            let connection = ServerConnection(keys: keys)
            var renewal = CertificateRenewal(keys: keys, connection: connection, logger: quietLogger())

            // A certificate valid for a year is not due within 30 days.
            let notDue = try await renewal.renewIfDue()
            #expect(notDue == .notDue(notValidAfter: before.clientCertificate.notValidAfter))
            #expect(try KitTLSIdentity.load(from: keys)?.clientCertificate == before.clientCertificate)

            // With a window wider than what is left it is due.
            renewal.renewBefore = 400 * 86_400
            let outcome = try await renewal.renewIfDue()
            guard case .renewed(let serial, let notValidAfter, let recovered) = outcome else {
                Issue.record("not renewed: \(outcome)")
                return
            }
            #expect(!recovered)
            let after = try #require(try KitTLSIdentity.load(from: keys))
            #expect(after.clientCertificate != before.clientCertificate)
            #expect(after.clientCertificate.notValidAfter == notValidAfter)
            #expect(serial == after.clientCertificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined())
            #expect(after.privateKey.rawRepresentation != before.privateKey.rawRepresentation, "a new key")
            #expect(after.clientCertificate.publicKey == Certificate.PublicKey(after.privateKey.publicKey))
            // Stored in place, private, no leftovers.
            #expect(try mode(KitTLSIdentity.keyPath(keys)) == 0o600)
            #expect(try mode(KitTLSIdentity.certificatePath(keys)) == 0o600)
            #expect(!FileManager.default.fileExists(atPath: KitTLSIdentity.nextKeyPath(keys)))
            #expect(!FileManager.default.fileExists(atPath: KitTLSIdentity.nextCertificatePath(keys)))
            #expect(!renewal.hasPendingRenewal)

            // The server accepts only the new certificate now.
            #expect(try await casesStatus(before, credentials: credentials) == 401)
            #expect(try await casesStatus(after, credentials: credentials) == 200)
            // The agent's own connection switched to it, too: a sync goes through.
            let probe = try await connection.client(for: credentials.serverURL)
            var request = HTTPClientRequest(url: credentials.serverURL + "/v1/kits/\(credentials.kitId)/cases")
            request.headers.add(name: "Authorization", value: "Bearer \(credentials.apiToken)")
            #expect(try await probe.execute(request, timeout: .seconds(10)).status == .ok)
            await connection.shutdown()
        }
    }

    @Test func aRenewalWhoseAnswerWasLostIsRecoveredByTheNextOne() async throws {
        try await withEnrolledKit { keys, credentials in
            let before = try #require(try KitTLSIdentity.load(from: keys))
            // The agent wrote its next key, sent the request, the server recorded the new
            // certificate — and the agent died before the answer was stored.
            let pending = P256.Signing.PrivateKey()
            try KitTLSIdentity.savePendingKey(pending, to: keys)
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: HTTPClient.Configuration(tlsConfiguration: try before.clientConfiguration()))
            var request = HTTPClientRequest(url: credentials.serverURL + "/v1/kits/\(credentials.kitId)/certificate")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(credentials.apiToken)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(
                ByteBuffer(
                    bytes: try WireCoding.encoder().encode(
                        CertificateRenewalRequest(
                            csr: try KitTLSIdentity.certificateRequest(kitId: credentials.kitId, key: pending)))))
            #expect(try await client.execute(request, timeout: .seconds(10)).status == .ok)
            try await client.shutdown()
            // The old certificate is refused: syncs fail from here on.
            #expect(try await casesStatus(before, credentials: credentials) == 401)
            #expect(try KitTLSIdentity.load(from: keys)?.clientCertificate == before.clientCertificate)

            let connection = ServerConnection(keys: keys)
            let renewal = CertificateRenewal(keys: keys, connection: connection, logger: quietLogger())
            #expect(renewal.hasPendingRenewal)
            // Due although the certificate has a year left: an interrupted renewal waits.
            let outcome = try await renewal.renewIfDue()
            guard case .renewed(_, _, let recovered) = outcome else {
                Issue.record("not renewed: \(outcome)")
                return
            }
            #expect(recovered)
            let after = try #require(try KitTLSIdentity.load(from: keys))
            #expect(after.privateKey.rawRepresentation == pending.rawRepresentation)
            #expect(try await casesStatus(after, credentials: credentials) == 200)
            #expect(!renewal.hasPendingRenewal)
            await connection.shutdown()
        }
    }

    @Test func theRunningAgentRenewsAfterASyncOnceTheCertificateIsDue() async throws {
        // Certificates valid for 20 days: inside the default 30-day window from the start.
        let state = temporaryPath("renewal-agent-server")
        var configuration = ServerConfiguration(port: 0, stateDirectory: state)
        configuration.clientCertificateDays = 20
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let keys = try await DoctorTLSTests().enrolledKit(serverState: state, port: port)
            let before = try #require(try KitTLSIdentity.load(from: keys))
            let agent = AgentDaemon(
                configuration: AgentConfiguration(
                    stateDirectory: (keys.directory as NSString).deletingLastPathComponent,
                    serverURL: try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)"), apiPort: 0,
                    probeInterval: 60, probeTimeout: 2),
                logger: quietLogger())
            let renewed = try await whileRunning({ ready in try await agent.run(onListening: ready) }) { _ in
                for _ in 0..<100 {
                    if let now = try? KitTLSIdentity.load(from: keys),
                        now.clientCertificate != before.clientCertificate
                    {
                        return Optional(now)
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                return nil
            }
            let after = try #require(renewed, "the agent did not renew within 20 s")
            #expect(after.privateKey.rawRepresentation != before.privateKey.rawRepresentation)
            let credentials = try #require(try KitCredentials.load(from: keys))
            #expect(try await casesStatus(after, credentials: credentials) == 200)
            #expect(try await casesStatus(before, credentials: credentials) == 401)
        }
    }

    @Test func aCrashWhileMovingTheRenewedFilesIsFinishedOnLoad() throws {
        let keys = try KitKeyStore(stateDirectory: try StateDirectory.prepare(temporaryPath("renewal-files")))
        let authority = try KitCertificateAuthority.loadOrCreate(keysDirectory: temporaryPath("renewal-ca"))
        func issue(_ key: P256.Signing.PrivateKey) throws -> Certificate {
            try authority.issueClientCertificate(
                csrPEM: try KitTLSIdentity.certificateRequest(kitId: "kit-f", key: key), kitId: "kit-f",
                validity: 86_400)
        }
        let oldKey = P256.Signing.PrivateKey()
        let newKey = P256.Signing.PrivateKey()
        let oldCertificate = try issue(oldKey)
        let newCertificate = try issue(newKey)
        try KitTLSIdentity(clientCertificate: oldCertificate, authority: authority.certificate, privateKey: oldKey)
            .save(to: keys)

        // Only the pending key is written: the old pair stays in use.
        try KitTLSIdentity.savePendingKey(newKey, to: keys)
        #expect(try KitTLSIdentity.load(from: keys)?.clientCertificate == oldCertificate)

        // The crash came after the key was moved but before the certificate was.
        try SecretFile.write(
            Array(newCertificate.serializeAsPEM().pemString.utf8), to: KitTLSIdentity.nextCertificatePath(keys))
        try SecretFile.move(KitTLSIdentity.nextKeyPath(keys), to: KitTLSIdentity.keyPath(keys))
        let loaded = try #require(try KitTLSIdentity.load(from: keys))
        #expect(loaded.clientCertificate == newCertificate)
        #expect(loaded.privateKey.rawRepresentation == newKey.rawRepresentation)
        #expect(!FileManager.default.fileExists(atPath: KitTLSIdentity.nextCertificatePath(keys)))
        let stored = try Certificate(
            pemEncoded: String(contentsOfFile: KitTLSIdentity.certificatePath(keys), encoding: .utf8))
        #expect(stored == newCertificate)

        // A renewed certificate for no key the kit holds is dropped; the kit keeps its pair.
        try SecretFile.write(
            Array(try issue(P256.Signing.PrivateKey()).serializeAsPEM().pemString.utf8),
            to: KitTLSIdentity.nextCertificatePath(keys))
        #expect(try KitTLSIdentity.load(from: keys)?.clientCertificate == newCertificate)
        #expect(!FileManager.default.fileExists(atPath: KitTLSIdentity.nextCertificatePath(keys)))
    }
}

@Suite("kit-agent doctor: the client certificate")
struct ClientCertificateCheckTests {
    @Test func warnsWithinThirtyDaysAndFailsOnceExpired() async throws {
        let keys = try KitKeyStore(stateDirectory: try StateDirectory.prepare(temporaryPath("doctor-certificate")))
        #expect(await ClientCertificateCheck(keys: keys).run().status == .skipped, "not enrolled yet")
        #expect(await ClientCertificateCheck(keys: nil).run().status == .skipped)
        let authority = try KitCertificateAuthority.loadOrCreate(keysDirectory: temporaryPath("doctor-ca"))
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.issueClientCertificate(
            csrPEM: try KitTLSIdentity.certificateRequest(kitId: "kit-d", key: key), kitId: "kit-d",
            validity: 365 * 86_400)
        try KitTLSIdentity(clientCertificate: certificate, authority: authority.certificate, privateKey: key)
            .save(to: keys)
        let expiry = certificate.notValidAfter

        let fresh = await ClientCertificateCheck(keys: keys, now: { expiry.addingTimeInterval(-200 * 86_400) }).run()
        #expect(fresh.status == .ok, "\(fresh)")
        #expect(fresh.detail.contains("199 days left") || fresh.detail.contains("200 days left"), "\(fresh.detail)")

        let soon = await ClientCertificateCheck(keys: keys, now: { expiry.addingTimeInterval(-10 * 86_400 - 60) }).run()
        #expect(soon.status == .warning, "\(soon)")
        #expect(soon.detail.contains("in 10 days"), "\(soon.detail)")
        #expect(soon.fix?.contains("kit-agent renew-certificate") == true)

        // The window follows the configuration.
        let narrow = await ClientCertificateCheck(
            keys: keys, warnBefore: 7 * 86_400, now: { expiry.addingTimeInterval(-10 * 86_400) }
        ).run()
        #expect(narrow.status == .ok)

        let expired = await ClientCertificateCheck(keys: keys, now: { expiry.addingTimeInterval(60) }).run()
        #expect(expired.status == .failure, "\(expired)")
        #expect(expired.detail.contains("expired on"), "\(expired.detail)")
        #expect(expired.fix?.contains("kit-agent enroll") == true)

        // In the kit's doctor, right after the server check.
        let names = Doctor.kit(stateDirectory: temporaryPath("x"), serverURL: nil, vpnInterface: nil, keys: keys)
            .checks.map(\.name)
        #expect(names.firstIndex(of: "tls-certificate") == (names.firstIndex(of: "server") ?? -2) + 1)
    }
}
