import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import KitTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SwiftASN1
import SyncServer
import Testing
import X509

/// Certificates and requests as a kit (or an attacker) makes them.
enum TestCertificates {
    static func request(kitId: String, key: P256.Signing.PrivateKey) throws -> String {
        try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(kitId) }, privateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256
        ).serializeAsPEM().pemString
    }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// An HTTPS client that trusts `authority` and presents `certificate` (if given).
    static func client(authority: Certificate, certificate: Certificate?, key: P256.Signing.PrivateKey?) throws
        -> HTTPClient
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: der(authority), format: .der)])
        if let certificate, let key {
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: der(certificate), format: .der))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der))
        }
        return HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    }
}

/// The kit CA and mutual TLS: certificate requests are checked, and a client without a valid kit
/// certificate, or a revoked kit, gets nothing from the kit endpoints of a real server over TLS.
@Suite("Mutual TLS: kit CA, enrollment, refusals", .serialized)
struct MutualTLSTests {
    @Test func certificateRequestsAreChecked() throws {
        let authority = try KitCertificateAuthority.loadOrCreate(keysDirectory: temporaryPath("ca"))
        let key = P256.Signing.PrivateKey()
        let issued = try authority.issueClientCertificate(
            csrPEM: try TestCertificates.request(kitId: "kit-a", key: key), kitId: "kit-a", validity: 86_400)
        #expect(KitCertificateAuthority.commonName(of: issued.subject) == "kit-a")
        #expect(issued.issuer == authority.certificate.subject)
        #expect(authority.certificate.publicKey.isValidSignature(issued.signature, for: issued))
        #expect(issued.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(try issued.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
        #expect(try issued.extensions.extendedKeyUsage?.contains(.serverAuth) == false)
        #expect(try issued.extensions.basicConstraints == .notCertificateAuthority)

        // Another kit's name in the request: refused.
        #expect(throws: CertificateIssuanceError.wrongSubject(expected: "kit-b", found: "kit-a")) {
            try authority.issueClientCertificate(
                csrPEM: try TestCertificates.request(kitId: "kit-a", key: key), kitId: "kit-b", validity: 86_400)
        }
        // A request whose signature does not verify (subject altered after signing): refused.
        let genuine = try CertificateSigningRequest(
            pemEncoded: try TestCertificates.request(kitId: "kit-a", key: key))
        let altered = try CertificateSigningRequest(
            version: .v1, subject: genuine.subject,
            publicKey: Certificate.PublicKey(P256.Signing.PrivateKey().publicKey),
            attributes: genuine.attributes, signatureAlgorithm: genuine.signatureAlgorithm, signature: genuine.signature
        )
        #expect(throws: CertificateIssuanceError.badSignature) {
            try authority.issueClientCertificate(
                csrPEM: try altered.serializeAsPEM().pemString, kitId: "kit-a", validity: 86_400)
        }
        #expect(throws: CertificateIssuanceError.malformedRequest) {
            try authority.issueClientCertificate(csrPEM: "not a request", kitId: "kit-a", validity: 86_400)
        }

        // The CA survives a restart unchanged; its key file is private.
        let directory = temporaryPath("ca-reload")
        let first = try KitCertificateAuthority.loadOrCreate(keysDirectory: directory)
        let second = try KitCertificateAuthority.loadOrCreate(keysDirectory: directory)
        #expect(first.certificate == second.certificate)
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/kit-ca.key")[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
    }

    @Test func serverCertificateFollowsTheConfiguredHostNames() throws {
        let directory = temporaryPath("server-tls")
        let authority = try KitCertificateAuthority.loadOrCreate(keysDirectory: directory)
        let first = try ServerTLSIdentity.loadOrCreate(
            keysDirectory: directory, authority: authority, hostnames: ["localhost", "127.0.0.1"])
        let again = try ServerTLSIdentity.loadOrCreate(
            keysDirectory: directory, authority: authority, hostnames: ["localhost", "127.0.0.1"])
        #expect(first.certificate == again.certificate)
        #expect(try first.certificate.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try first.certificate.extensions.extendedKeyUsage?.contains(.clientAuth) == false)
        #expect(authority.certificate.publicKey.isValidSignature(first.certificate.signature, for: first.certificate))
        let renamed = try ServerTLSIdentity.loadOrCreate(
            keysDirectory: directory, authority: authority, hostnames: ["sync.vpn", "10.8.0.1"])
        #expect(renamed.certificate != first.certificate)
        #expect(renamed.certificate.publicKey == first.certificate.publicKey)
        let names = try #require(try renamed.certificate.extensions.subjectAlternativeNames)
        #expect(Array(names) == [.dnsName("sync.vpn"), .ipAddress(ASN1OctetString(contentBytes: [10, 8, 0, 1]))])
        // The TLS key is its own file, private, and not the CA key.
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/tls-server.key")[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
        #expect(
            try String(contentsOfFile: directory + "/tls-server.key", encoding: .utf8)
                != String(contentsOfFile: directory + "/kit-ca.key", encoding: .utf8))
    }

    @Test(arguments: StoreBackend.available)
    func kitEndpointsRefuseWhatIsNotAValidKitCertificate(backend: StoreBackend) async throws {
        let location = try await StoreLocation.fresh(backend)
        let stateDirectory = temporaryPath("mtls-server")
        var configuration = ServerConfiguration(port: 0, stateDirectory: stateDirectory)
        if backend == .postgresql {
            configuration.storage = .postgresql
            configuration.postgres = location.postgres
        }
        let application = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
        let store = try await application.openStore()
        defer { Task { await store.close() } }
        let authority = keys.authority.certificate
        var tokens: [String: String] = [:]
        for kitId in ["kit-a", "kit-b", "kit-r"] {
            let token = BearerToken.generate()
            try await store.createEnrollment(
                kitId: kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
            tokens[kitId] = token
        }
        try await store.upsertCase(
            CaseSnapshot(
                caseId: "case-a", version: 1, title: "Ummeldung",
                citizen: .init(
                    citizenId: "c-1", givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1940-08-12",
                    address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln")),
                steps: [.identify, .complete]),
            assignedKit: "kit-a")

        try await whileServing(application) { port in
            let base = "https://127.0.0.1:\(port)"
            let anonymous = try TestCertificates.client(authority: authority, certificate: nil, key: nil)
            defer { Task { try? await anonymous.shutdown() } }

            // Enrollment works without a client certificate, over TLS.
            var kits: [String: (key: P256.Signing.PrivateKey, certificate: Certificate, apiToken: String)] = [:]
            for kitId in ["kit-a", "kit-b", "kit-r"] {
                let key = P256.Signing.PrivateKey()
                let request = EnrollmentRequest(
                    kitId: kitId, token: tokens[kitId] ?? "",
                    signingKey: P256.Signing.PrivateKey().publicKey.x963Representation,
                    csr: try TestCertificates.request(kitId: kitId, key: key))
                let (status, body) = try await send(anonymous, .POST, base + "/v1/enroll", json: try wire(request))
                #expect(status == 200)
                let reply = try WireCoding.decoder().decode(EnrollmentReply.self, from: body)
                kits[kitId] = (key, try Certificate(pemEncoded: reply.clientCertificate), reply.apiToken)
            }
            let kitA = try #require(kits["kit-a"])
            let kitB = try #require(kits["kit-b"])
            let kitR = try #require(kits["kit-r"])
            // A request naming another kit in its certificate request: refused, token not spent.
            let spare = BearerToken.generate()
            try await store.createEnrollment(
                kitId: "kit-c", tokenHash: BearerToken.hash(spare), expiresAt: Date().addingTimeInterval(600))
            let wrongName = EnrollmentRequest(
                kitId: "kit-c", token: spare, signingKey: P256.Signing.PrivateKey().publicKey.x963Representation,
                csr: try TestCertificates.request(kitId: "kit-a", key: P256.Signing.PrivateKey()))
            #expect(try await send(anonymous, .POST, base + "/v1/enroll", json: try wire(wrongName)).status == 400)

            let batchA = IngestBatch(kitId: "kit-a", envelopes: [])
            func kitEndpoints(_ client: HTTPClient, token: String) async throws -> [Int] {
                let auth = [("Authorization", "Bearer \(token)")]
                return [
                    try await send(client, .POST, base + "/v1/ingest", json: try wire(batchA), headers: auth).status,
                    try await send(client, .GET, base + "/v1/kits/kit-a/cases", headers: auth).status,
                ]
            }

            // The genuine kit gets its cases.
            let clientA = try TestCertificates.client(
                authority: authority, certificate: kitA.certificate, key: kitA.key)
            defer { Task { try? await clientA.shutdown() } }
            #expect(try await kitEndpoints(clientA, token: kitA.apiToken) == [200, 200])
            let (_, page) = try await send(
                clientA, .GET, base + "/v1/kits/kit-a/cases", headers: [("Authorization", "Bearer \(kitA.apiToken)")])
            #expect(try WireCoding.decoder().decode(CheckoutPage.self, from: page).cases.map(\.caseId) == ["case-a"])

            // No client certificate, even with the right API token: nothing.
            #expect(try await kitEndpoints(anonymous, token: kitA.apiToken) == [401, 401])
            // Health, version and enrollment stay reachable without one.
            #expect(try await send(anonymous, .GET, base + "/v1/version").status == 200)
            #expect(try await send(anonymous, .GET, base + "/healthz").status == 200)

            // A certificate for kit-a from another CA: the handshake fails.
            let foreignCA = try KitCertificateAuthority.loadOrCreate(keysDirectory: temporaryPath("foreign-ca"))
            let foreignKey = P256.Signing.PrivateKey()
            let foreign = try foreignCA.issueClientCertificate(
                csrPEM: try TestCertificates.request(kitId: "kit-a", key: foreignKey), kitId: "kit-a",
                validity: 86_400)
            let foreignClient = try TestCertificates.client(
                authority: authority, certificate: foreign, key: foreignKey)
            defer { Task { try? await foreignClient.shutdown() } }
            await expectRefusedInHandshake(foreignClient, base, token: kitA.apiToken)

            // An expired certificate from the right CA: the handshake fails.
            let serverCA = keys.authority
            let expiredKey = P256.Signing.PrivateKey()
            let expired = try serverCA.issueClientCertificate(
                csrPEM: try TestCertificates.request(kitId: "kit-a", key: expiredKey), kitId: "kit-a", validity: 3600,
                now: Date().addingTimeInterval(-3 * 86_400))
            let expiredClient = try TestCertificates.client(
                authority: authority, certificate: expired, key: expiredKey)
            defer { Task { try? await expiredClient.shutdown() } }
            await expectRefusedInHandshake(expiredClient, base, token: kitA.apiToken)

            // Kit B's certificate with kit A's token, and kit B acting as kit A: refused.
            let clientB = try TestCertificates.client(
                authority: authority, certificate: kitB.certificate, key: kitB.key)
            defer { Task { try? await clientB.shutdown() } }
            #expect(try await kitEndpoints(clientB, token: kitA.apiToken) == [403, 403])
            #expect(try await kitEndpoints(clientB, token: kitB.apiToken) == [403, 403])

            // A revoked kit with a still valid certificate: nothing.
            let clientR = try TestCertificates.client(
                authority: authority, certificate: kitR.certificate, key: kitR.key)
            defer { Task { try? await clientR.shutdown() } }
            let authR = [("Authorization", "Bearer \(kitR.apiToken)")]
            #expect(try await send(clientR, .GET, base + "/v1/kits/kit-r/cases", headers: authR).status == 200)
            try await store.setKitActive(kitId: "kit-r", active: false)
            #expect(try await send(clientR, .GET, base + "/v1/kits/kit-r/cases", headers: authR).status == 401)
            #expect(
                try await send(
                    clientR, .POST, base + "/v1/ingest", json: try wire(IngestBatch(kitId: "kit-r", envelopes: [])),
                    headers: authR
                ).status == 401)

            // A client that does not pin this server's CA does not talk to it.
            let strangerCA = try KitCertificateAuthority.loadOrCreate(keysDirectory: temporaryPath("stranger-ca"))
            let stranger = try TestCertificates.client(
                authority: strangerCA.certificate, certificate: kitA.certificate, key: kitA.key)
            defer { Task { try? await stranger.shutdown() } }
            await #expect(throws: (any Error).self) {
                _ = try await send(stranger, .GET, base + "/v1/version")
            }
        }
    }

    func expectRefusedInHandshake(_ client: HTTPClient, _ base: String, token: String) async {
        let auth = [("Authorization", "Bearer \(token)")]
        await #expect(throws: (any Error).self) {
            _ = try await send(
                client, .POST, base + "/v1/ingest", json: try wire(IngestBatch(kitId: "kit-a", envelopes: [])),
                headers: auth)
        }
        await #expect(throws: (any Error).self) {
            _ = try await send(client, .GET, base + "/v1/kits/kit-a/cases", headers: auth)
        }
    }

    func send(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, json: Data? = nil,
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: json))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(buffer: body))
    }

    func wire(_ value: some Encodable) throws -> Data {
        try WireCoding.encoder().encode(value)
    }
}
