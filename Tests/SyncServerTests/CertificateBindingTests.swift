import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import KitTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SwiftASN1
import SyncServer
import Testing
import X509

/// Kit routes accept only the kit's current certificate (recorded at enrollment and renewal); the
/// renewal endpoint issues a new one atomically and recovers an interrupted renewal; hostile
/// requests get a clear 4xx. On SQLite and PostgreSQL.
@Suite("Kit certificates: binding, renewal, recovery", .serialized)
struct CertificateBindingTests {
    let tls = MutualTLSTests()

    struct EnrolledKit {
        var key: P256.Signing.PrivateKey
        var certificate: Certificate
        var apiToken: String
        var auth: [(String, String)] { [("Authorization", "Bearer \(apiToken)")] }
    }

    /// The state directory of the test's server (a new suite instance, and so folder, per test).
    let serverState = temporaryPath("binding-server")

    /// A server with TLS on `backend`, its store and its kit CA.
    func withServer(
        _ backend: StoreBackend,
        _ body: (_ base: String, _ store: any SyncStore, _ authority: KitCertificateAuthority) async throws -> Void
    ) async throws {
        let location = try await StoreLocation.fresh(backend)
        var configuration = ServerConfiguration(port: 0, stateDirectory: serverState)
        if backend == .postgresql {
            configuration.storage = .postgresql
            configuration.postgres = location.postgres
        }
        let application = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
        let store = try await application.openStore()
        do {
            try await whileServing(application) { port in
                try await body("https://127.0.0.1:\(port)", store, keys.authority)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func enroll(_ kitId: String, base: String, store: any SyncStore, authority: KitCertificateAuthority)
        async throws -> EnrolledKit
    {
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        let key = P256.Signing.PrivateKey()
        let anonymous = try TestCertificates.client(authority: authority.certificate, certificate: nil, key: nil)
        defer { Task { try? await anonymous.shutdown() } }
        let request = EnrollmentRequest(
            kitId: kitId, token: token, signingKey: P256.Signing.PrivateKey().publicKey.x963Representation,
            csr: try TestCertificates.request(kitId: kitId, key: key))
        let (status, body) = try await tls.send(anonymous, .POST, base + "/v1/enroll", json: try tls.wire(request))
        try #require(status == 200)
        let reply = try WireCoding.decoder().decode(EnrollmentReply.self, from: body)
        return EnrolledKit(
            key: key, certificate: try Certificate(pemEncoded: reply.clientCertificate), apiToken: reply.apiToken)
    }

    /// GET the kit's cases presenting `certificate` (with `key`) and the token: status and message.
    func cases(
        _ kitId: String, base: String, authority: KitCertificateAuthority, certificate: Certificate?,
        key: P256.Signing.PrivateKey?, token: String
    ) async throws -> (status: Int, message: String) {
        let client = try TestCertificates.client(authority: authority.certificate, certificate: certificate, key: key)
        defer { Task { try? await client.shutdown() } }
        let (status, body) = try await tls.send(
            client, .GET, base + "/v1/kits/\(kitId)/cases", headers: [("Authorization", "Bearer \(token)")])
        return (status, String(decoding: body, as: UTF8.self))
    }

    /// POST a renewal request body presenting `certificate` (with `key`).
    func renew(
        _ kitId: String, base: String, authority: KitCertificateAuthority, certificate: Certificate?,
        key: P256.Signing.PrivateKey?, token: String, body: Data
    ) async throws -> (status: Int, body: Data) {
        let client = try TestCertificates.client(authority: authority.certificate, certificate: certificate, key: key)
        defer { Task { try? await client.shutdown() } }
        return try await tls.send(
            client, .POST, base + "/v1/kits/\(kitId)/certificate", json: body,
            headers: [("Authorization", "Bearer \(token)")])
    }

    func renewalBody(kitId: String, key: P256.Signing.PrivateKey) throws -> Data {
        try tls.wire(CertificateRenewalRequest(csr: try TestCertificates.request(kitId: kitId, key: key)))
    }

    func serial(_ certificate: Certificate) -> String {
        certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
    }

    @Test(arguments: StoreBackend.available)
    func theCertificateFromBeforeAReEnrollmentIsRefused(backend: StoreBackend) async throws {
        try await withServer(backend) { base, store, authority in
            let first = try await enroll("kit-a", base: base, store: store, authority: authority)
            let firstAnswer = try await cases(
                "kit-a", base: base, authority: authority, certificate: first.certificate, key: first.key,
                token: first.apiToken)
            #expect(firstAnswer.status == 200)

            // IT enrolls the kit again (new token, new key, new certificate).
            let second = try await enroll("kit-a", base: base, store: store, authority: authority)
            let recorded = try await store.kitCertificates(kitId: "kit-a", serial: serial(first.certificate))
            #expect(recorded.count == 2)
            #expect(recorded.first(where: \.isCurrent)?.serial == serial(second.certificate))
            #expect(recorded.first { !$0.isCurrent }?.replacedBy == serial(second.certificate))

            // The old certificate, still valid and from the right CA, with the current token: refused.
            let old = try await cases(
                "kit-a", base: base, authority: authority, certificate: first.certificate, key: first.key,
                token: second.apiToken)
            #expect(old.status == 401)
            #expect(old.message.contains("serial \(serial(first.certificate))"), "\(old.message)")
            #expect(old.message.contains("was replaced on"), "\(old.message)")
            #expect(old.message.contains("by a re-enrollment"), "\(old.message)")
            #expect(old.message.contains("kit-agent enroll"), "\(old.message)")
            #expect(!old.message.contains(second.apiToken))
            // The new one works; the refusal was counted.
            let current = try await cases(
                "kit-a", base: base, authority: authority, certificate: second.certificate, key: second.key,
                token: second.apiToken)
            #expect(current.status == 200)
            let anonymous = try TestCertificates.client(authority: authority.certificate, certificate: nil, key: nil)
            defer { Task { try? await anonymous.shutdown() } }
            let adminToken = try String(contentsOfFile: serverState + "/keys/admin.token", encoding: .utf8)
            #expect(try await tls.send(anonymous, .GET, base + "/metrics").status == 401)
            let metrics = String(
                decoding: try await tls.send(
                    anonymous, .GET, base + "/metrics", headers: [("Authorization", "Bearer \(adminToken)")]
                ).body, as: UTF8.self)
            #expect(metrics.contains("sync_kit_certificate_refusals_total{reason=\"replaced\"} 1"), "\(metrics)")

            // Revoking still works for the current certificate.
            try await store.setKitActive(kitId: "kit-a", active: false)
            let revoked = try await cases(
                "kit-a", base: base, authority: authority, certificate: second.certificate, key: second.key,
                token: second.apiToken)
            #expect(revoked.status == 401)
        }
    }

    @Test(arguments: StoreBackend.available)
    func renewalIssuesANewCertificateAndRefusesTheOldOne(backend: StoreBackend) async throws {
        try await withServer(backend) { base, store, authority in
            let kit = try await enroll("kit-r", base: base, store: store, authority: authority)
            let nextKey = P256.Signing.PrivateKey()
            let (status, body) = try await renew(
                "kit-r", base: base, authority: authority, certificate: kit.certificate, key: kit.key,
                token: kit.apiToken, body: try renewalBody(kitId: "kit-r", key: nextKey))
            #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
            let reply = try WireCoding.decoder().decode(CertificateRenewalReply.self, from: body)
            #expect(!reply.recovered)
            let renewed = try Certificate(pemEncoded: reply.clientCertificate)
            #expect(renewed.publicKey == Certificate.PublicKey(nextKey.publicKey))
            #expect(serial(renewed) != serial(kit.certificate))
            #expect(KitCertificateAuthority.commonName(of: renewed.subject) == "kit-r")
            #expect(authority.certificate.publicKey.isValidSignature(renewed.signature, for: renewed))
            #expect(try renewed.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
            #expect(renewed.notValidAfter > Date().addingTimeInterval(300 * 86_400))
            let recorded = try await store.kitCertificates(kitId: "kit-r", serial: "")
            #expect(recorded.map(\.serial) == [serial(renewed)])
            #expect(recorded.first?.origin == .renewal)

            // From now on: the old certificate is refused, the new one accepted (same token).
            let old = try await cases(
                "kit-r", base: base, authority: authority, certificate: kit.certificate, key: kit.key,
                token: kit.apiToken)
            #expect(old.status == 401)
            #expect(old.message.contains("by a renewal"), "\(old.message)")
            let new = try await cases(
                "kit-r", base: base, authority: authority, certificate: renewed, key: nextKey, token: kit.apiToken)
            #expect(new.status == 200, "\(new.message)")

            // The old certificate cannot renew with a key of its own choosing.
            let stolen = try await renew(
                "kit-r", base: base, authority: authority, certificate: kit.certificate, key: kit.key,
                token: kit.apiToken, body: try renewalBody(kitId: "kit-r", key: P256.Signing.PrivateKey()))
            #expect(stolen.status == 401)
            #expect(String(decoding: stolen.body, as: UTF8.self).contains("was replaced on"))
            #expect(try await store.kitCertificates(kitId: "kit-r", serial: "").map(\.serial) == [serial(renewed)])

            // Recovery: the kit never stored the answer and asks again for the same key with the old
            // certificate; it gets the recorded certificate again, nothing new is issued.
            let recovery = try await renew(
                "kit-r", base: base, authority: authority, certificate: kit.certificate, key: kit.key,
                token: kit.apiToken, body: try renewalBody(kitId: "kit-r", key: nextKey))
            #expect(recovery.status == 200)
            let recovered = try WireCoding.decoder().decode(CertificateRenewalReply.self, from: recovery.body)
            #expect(recovered.recovered)
            #expect(try Certificate(pemEncoded: recovered.clientCertificate) == renewed)
            #expect(try await store.kitCertificates(kitId: "kit-r", serial: "").map(\.serial) == [serial(renewed)])

            // The new certificate renews again (same key is allowed too).
            let again = try await renew(
                "kit-r", base: base, authority: authority, certificate: renewed, key: nextKey, token: kit.apiToken,
                body: try renewalBody(kitId: "kit-r", key: nextKey))
            #expect(again.status == 200)
            // Two renewals on: the first certificate no longer recovers anything.
            let stale = try await renew(
                "kit-r", base: base, authority: authority, certificate: kit.certificate, key: kit.key,
                token: kit.apiToken, body: try renewalBody(kitId: "kit-r", key: nextKey))
            #expect(stale.status == 401)
        }
    }

    @Test(arguments: StoreBackend.available)
    func renewalRefusesOtherKitsMissingCertificatesAndHostileInput(backend: StoreBackend) async throws {
        try await withServer(backend) { base, store, authority in
            let kitA = try await enroll("kit-a", base: base, store: store, authority: authority)
            let kitB = try await enroll("kit-b", base: base, store: store, authority: authority)
            func renewA(_ body: Data, certificate: Certificate? = nil, key: P256.Signing.PrivateKey? = nil)
                async throws -> (status: Int, message: String)
            {
                let (status, reply) = try await renew(
                    "kit-a", base: base, authority: authority, certificate: certificate ?? kitA.certificate,
                    key: key ?? kitA.key, token: kitA.apiToken, body: body)
                return (status, String(decoding: reply, as: UTF8.self))
            }

            // A request naming another kit: refused, nothing recorded.
            let otherName = try await renewA(try renewalBody(kitId: "kit-b", key: P256.Signing.PrivateKey()))
            #expect(otherName.status == 400)
            #expect(otherName.message.contains("a kit can only renew its own certificate"), "\(otherName.message)")
            // Kit A asking for kit B's certificate route: refused.
            let (otherRoute, _) = try await renew(
                "kit-b", base: base, authority: authority, certificate: kitA.certificate, key: kitA.key,
                token: kitA.apiToken, body: try renewalBody(kitId: "kit-b", key: P256.Signing.PrivateKey()))
            #expect(otherRoute == 403)
            // Kit B's certificate with kit A's token: refused.
            let crossed = try await renewA(
                try renewalBody(kitId: "kit-a", key: P256.Signing.PrivateKey()), certificate: kitB.certificate,
                key: kitB.key)
            #expect(crossed.status == 403)

            // No client certificate, only the token: refused before anything is parsed.
            let (anonymous, _) = try await renew(
                "kit-a", base: base, authority: authority, certificate: nil, key: nil, token: kitA.apiToken,
                body: try renewalBody(kitId: "kit-a", key: P256.Signing.PrivateKey()))
            #expect(anonymous == 401)
            // A kit-CA certificate for kit-a that was never recorded (issued outside enrollment).
            let strayKey = P256.Signing.PrivateKey()
            let stray = try authority.issueClientCertificate(
                csrPEM: try TestCertificates.request(kitId: "kit-a", key: strayKey), kitId: "kit-a", validity: 86_400)
            let unrecorded = try await renewA(
                try renewalBody(kitId: "kit-a", key: P256.Signing.PrivateKey()), certificate: stray, key: strayKey)
            #expect(unrecorded.status == 401)
            #expect(unrecorded.message.contains("is not the certificate recorded for the kit"), "\(unrecorded.message)")

            // Hostile bodies: a clear 4xx each, and the kit's certificate is unchanged.
            let garbageCSR = try await renewA(try tls.wire(CertificateRenewalRequest(csr: "-----BEGIN nonsense")))
            #expect(garbageCSR.status == 400)
            #expect(garbageCSR.message.contains("not a PEM-encoded PKCS#10 request"), "\(garbageCSR.message)")
            let notJSON = try await renewA(Data("{\"csr\": 42".utf8))
            #expect(notJSON.status == 400)
            #expect(notJSON.message.contains("not a certificate renewal request"), "\(notJSON.message)")
            let oversized = try await renewA(
                try tls.wire(CertificateRenewalRequest(csr: String(repeating: "A", count: 64 * 1024))))
            #expect(oversized.status == 413)
            let current = try await store.kitCertificates(kitId: "kit-a", serial: "")
            #expect(current.map(\.serial) == [serial(kitA.certificate)])
            // And the kit still works.
            let works = try await cases(
                "kit-a", base: base, authority: authority, certificate: kitA.certificate, key: kitA.key,
                token: kitA.apiToken)
            #expect(works.status == 200)
        }
    }

    @Test(arguments: StoreBackend.available)
    func theStoreReplacesACertificateOnlyFromTheCurrentOne(backend: StoreBackend) async throws {
        let store = try await StoreLocation.fresh(backend).open()
        let now = Date()
        func record(_ serial: String, origin: KitCertificateRecord.Origin) -> KitCertificateRecord {
            KitCertificateRecord(
                kitId: "kit-s", serial: serial, publicKeySHA256: Array(repeating: 7, count: 32), notValidBefore: now,
                notValidAfter: now.addingTimeInterval(86_400), issuedAt: now, origin: origin,
                certificatePEM: "PEM \(serial)")
        }
        // Unknown kit: nothing to replace.
        #expect(
            try await !store.replaceKitCertificate(kitId: "kit-s", replacing: nil, with: record("01", origin: .renewal))
        )
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-s", tokenHash: BearerToken.hash(token), expiresAt: now.addingTimeInterval(600))
        #expect(
            try await store.redeemEnrollment(
                tokenHash: BearerToken.hash(token), kitId: "kit-s", signingKey: [4], apiTokenHash: [1, 2],
                certificate: record("0a", origin: .enrollment), now: now))
        // Replacing from a stale serial (a racing renewal won): refused, nothing changed.
        #expect(
            try await !store.replaceKitCertificate(
                kitId: "kit-s", replacing: "ff", with: record("0b", origin: .renewal)))
        #expect(
            try await !store.replaceKitCertificate(kitId: "kit-s", replacing: nil, with: record("0b", origin: .renewal))
        )
        #expect(
            try await store.replaceKitCertificate(kitId: "kit-s", replacing: "0a", with: record("0b", origin: .renewal))
        )
        let both = try await store.kitCertificates(kitId: "kit-s", serial: "0a")
        #expect(Set(both.map(\.serial)) == ["0a", "0b"])
        let old = try #require(both.first { $0.serial == "0a" })
        #expect(old.replacedBy == "0b")
        #expect(old.replacedAt != nil)
        let current = try #require(both.first { $0.isCurrent })
        #expect(current.serial == "0b")
        #expect(current.certificatePEM == "PEM 0b")
        #expect(current.publicKeySHA256 == Array(repeating: 7, count: 32))
        #expect(abs(current.notValidAfter.timeIntervalSince(now.addingTimeInterval(86_400))) < 1)
        // A revoked kit cannot renew.
        try await store.setKitActive(kitId: "kit-s", active: false)
        #expect(
            try await !store.replaceKitCertificate(
                kitId: "kit-s", replacing: "0b", with: record("0c", origin: .renewal)))
        #expect(try await store.auditLog(limit: 20).contains { $0.action == "certificate-renewal" })
        await store.close()
    }
}
