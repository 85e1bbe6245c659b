import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import NIOCore
import NIOFoundationCompat
import SwiftASN1
import SyncServer
import Testing
import X509

/// The sync API end to end inside one process: enrollment, checkout, ingest with the conflict
/// rules, duplicates, refusals, conflicts and the fleet view.
@Suite("Sync API: enrollment, ingest, conflicts")
struct SyncFlowTests {
    /// A kit as the tests drive it: its keys, its chain head, its API token.
    final class TestKit: @unchecked Sendable {
        let kitId: String
        let signingKey = P256.Signing.PrivateKey()
        let tlsKey = P256.Signing.PrivateKey()
        var sealer: EnvelopeSealer
        var previousHash = TransactionHeader.genesisHash
        var seq: UInt64 = 0
        var apiToken = ""

        init(kitId: String, serverDataKey: P256.KeyAgreement.PublicKey) {
            self.kitId = kitId
            sealer = EnvelopeSealer(signingKey: signingKey, serverDataKey: serverDataKey)
        }

        func envelope(
            caseId: String, kind: TransactionKind, baseVersion: UInt64 = 1, payload: [UInt8] = Array("{}".utf8)
        )
            throws -> TransactionEnvelope
        {
            seq += 1
            let envelope = try sealer.seal(
                header: TransactionHeader(
                    kitId: kitId, seq: seq, txId: UUID(), caseId: caseId, baseVersion: baseVersion, kind: kind.rawValue,
                    monotonicNanos: seq, wallMillis: 0, prevHash: previousHash),
                payload: payload)
            previousHash = envelope.hash
            return envelope
        }
    }

    struct Server {
        let store: any SyncStore
        let keys: ServerKeys
        let adminToken: String
    }

    func makeServer() async throws -> Server {
        let application = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: temporaryPath("flow")), logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
        let adminToken = try String(contentsOfFile: keys.adminTokenPath, encoding: .utf8)
        return Server(store: try await application.openStore(), keys: keys, adminToken: adminToken)
    }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(data: try WireCoding.encoder().encode(value))
    }

    static func snapshot(
        _ caseId: String, citizen: String = "citizen-1", steps: [CaseStep], fee: Int = 0, document: String? = nil
    )
        -> CaseSnapshot
    {
        CaseSnapshot(
            caseId: caseId, version: 1, title: "Ummeldung",
            citizen: .init(
                citizenId: citizen, givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1940-08-12",
                address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln"), registerVersion: 4),
            steps: steps, fees: fee > 0 ? [.init(label: "Gebühr", amountCents: fee)] : [],
            documents: document.map { [.init(documentId: $0, title: "Meldebescheinigung")] } ?? [])
    }

    @Test func homeVisitFlowWithConflictsAndDuplicates() async throws {
        let server = try await makeServer()
        let app = Application(
            router: SyncServerApplication.router(
                store: server.store, keys: server.keys, requireClientCertificate: false))
        let kitA = TestKit(kitId: "kit-a", serverDataKey: server.keys.dataKey.publicKey)
        let kitB = TestKit(kitId: "kit-b", serverDataKey: server.keys.dataKey.publicKey)
        let admin: HTTPFields = [.authorization: "Bearer \(server.adminToken)"]

        try await app.test(.router) { client in
            // Enrollment: one-time tokens.
            for kit in [kitA, kitB] {
                let token = BearerToken.generate()
                try await server.store.createEnrollment(
                    kitId: kit.kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
                let request = EnrollmentRequest(
                    kitId: kit.kitId, token: token, signingKey: kit.signingKey.publicKey.x963Representation,
                    csr: try TestCertificates.request(kitId: kit.kitId, key: kit.tlsKey))
                try await client.execute(uri: "/v1/enroll", method: .post, body: try Self.json(request)) { response in
                    #expect(response.status == .ok)
                    let reply = try WireCoding.decoder().decode(EnrollmentReply.self, from: Data(buffer: response.body))
                    #expect(reply.serverDataKey == server.keys.dataKey.publicKey.pemRepresentation)
                    #expect(reply.caCertificate == server.keys.authority.certificatePEM)
                    let certificate = try Certificate(pemEncoded: reply.clientCertificate)
                    #expect(KitCertificateAuthority.commonName(of: certificate.subject) == kit.kitId)
                    #expect(certificate.publicKey == Certificate.PublicKey(kit.tlsKey.publicKey))
                    #expect(try certificate.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
                    #expect(try certificate.extensions.keyUsage?.digitalSignature == true)
                    kit.apiToken = reply.apiToken
                }
                // The token works once only.
                try await client.execute(uri: "/v1/enroll", method: .post, body: try Self.json(request)) { response in
                    #expect(response.status == .forbidden)
                }
            }
            // Back office creates cases: both kits will change the same citizen's address.
            for (caseId, kit) in [("case-a", kitA), ("case-b", kitB)] {
                let body = try Self.json(
                    [
                        "snapshot": AnyEncodable(
                            Self.snapshot(
                                caseId, steps: [.identify, .updateAddress, .pay, .complete], fee: 1250,
                                document: "doc-1")),
                        "assignedKit": AnyEncodable(kit.kitId),
                    ])
                try await client.execute(uri: "/v1/admin/cases", method: .post, headers: admin, body: body) {
                    response in
                    #expect(response.status == .created)
                }
            }
            // Checkout: each kit sees only its case; another kit's cases are forbidden.
            try await client.execute(
                uri: "/v1/kits/kit-a/cases", method: .get, headers: [.authorization: "Bearer \(kitA.apiToken)"]
            ) {
                response in
                let page = try WireCoding.decoder().decode(CheckoutPage.self, from: Data(buffer: response.body))
                #expect(page.cases.map(\.caseId) == ["case-a"])
                #expect(page.cases.first?.citizen.registerVersion == 4)
            }
            try await client.execute(
                uri: "/v1/kits/kit-b/cases", method: .get, headers: [.authorization: "Bearer \(kitA.apiToken)"]
            ) {
                response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/v1/kits/kit-a/cases", method: .get) { response in
                #expect(response.status == .unauthorized)
            }

            func ingest(_ kit: TestKit, _ envelopes: [TransactionEnvelope]) async throws -> IngestReply {
                let batch = IngestBatch(kitId: kit.kitId, envelopes: envelopes.map { Data($0.encoded()) })
                return try await client.execute(
                    uri: "/v1/ingest", method: .post, headers: [.authorization: "Bearer \(kit.apiToken)"],
                    body: try Self.json(batch)
                ) { response in
                    #expect(response.status == .ok)
                    return try WireCoding.decoder().decode(IngestReply.self, from: Data(buffer: response.body))
                }
            }

            let newAddress = try StepPayload.compose(
                facts: StepPayload.AddressChange(
                    citizenId: "citizen-1", newAddress: .init(street: "Rheinallee 1", zip: "55116", city: "Mainz"),
                    cardBinding: "card-1"))
            let matchingCard = try StepPayload.compose(
                facts: StepPayload.IdentityCheck(
                    matchesCase: true, mismatches: [], chipAuthenticated: true, terminal: "DETESTTERM00001",
                    cardBinding: "card-1"))
            let a1 = try kitA.envelope(caseId: "case-a", kind: .identityChecked, payload: matchingCard)
            let a2 = try kitA.envelope(caseId: "case-a", kind: .addressChanged, baseVersion: 4, payload: newAddress)
            let a3 = try kitA.envelope(
                caseId: "case-a", kind: .paymentOutcome,
                payload: try StepPayload.compose(
                    facts: StepPayload.Payment(approved: true, amountCents: 1250, trace: "000123")))
            let a4 = try kitA.envelope(
                caseId: "case-a", kind: .paymentOutcome,
                payload: try StepPayload.compose(
                    facts: StepPayload.Payment(approved: true, amountCents: 1250, trace: "000124")))
            let a5 = try kitA.envelope(
                caseId: "case-a", kind: .documentHandedOut,
                payload: try StepPayload.compose(facts: StepPayload.DocumentHandOut(documentId: "doc-1")))
            let reply = try await ingest(kitA, [a1, a2, a3, a4, a5])
            #expect(reply.results.map(\.outcome) == [.applied, .applied, .applied, .conflict, .applied])
            #expect(reply.results[3].conflict == .doublePayment)
            #expect(reply.expectedSeq == 6)

            // The same batch again: every answer is a duplicate carrying the original outcome.
            let again = try await ingest(kitA, [a1, a2, a3, a4, a5])
            #expect(again.results.map(\.outcome) == Array(repeating: .duplicate, count: 5))
            #expect(again.results.map(\.originalOutcome) == [.applied, .applied, .applied, .conflict, .applied])
            #expect(again.expectedSeq == 6)

            // Kit B changed the same citizen's address offline, against the old register version.
            let b0 = try kitB.envelope(caseId: "case-b", kind: .identityChecked, payload: matchingCard)
            let b1 = try kitB.envelope(caseId: "case-b", kind: .addressChanged, baseVersion: 4, payload: newAddress)
            let b2 = try kitB.envelope(
                caseId: "case-b", kind: .documentHandedOut,
                payload: try StepPayload.compose(facts: StepPayload.DocumentHandOut(documentId: "doc-1")))
            let b3 = try kitB.envelope(caseId: "case-b", kind: .caseCompleted)
            let replyB = try await ingest(kitB, [b0, b1, b2, b3])
            #expect(replyB.results.map(\.outcome) == [.applied, .conflict, .conflict, .conflict])
            #expect(replyB.results.map(\.conflict) == [nil, .staleBase, .doubleIssuance, .incomplete])
            #expect(replyB.results[1].currentVersion == 5)

            // A gap is refused with the expected seq; nothing after it is looked at.
            kitA.seq += 1  // skip seq 6
            let gap = try kitA.envelope(caseId: "case-a", kind: .caseCompleted)
            let gapReply = try await ingest(kitA, [gap])
            #expect(gapReply.results.map(\.outcome) == [.refused])
            #expect(gapReply.expectedSeq == 6)

            // A forged envelope (kit B's key, kit A's name and chain) is refused.
            let forger = TestKit(kitId: "kit-a", serverDataKey: server.keys.dataKey.publicKey)
            forger.seq = 5
            forger.previousHash = a5.hash
            let forged = try forger.envelope(caseId: "case-a", kind: .caseCompleted)
            let forgedReply = try await ingest(kitA, [forged])
            #expect(forgedReply.results.first?.outcome == .refused)
            #expect(forgedReply.results.first?.reason?.contains("signature") == true)

            // Back office sees the conflicts and resolves one.
            let conflicts = try await server.store.conflicts(openOnly: true)
            #expect(Set(conflicts.map(\.reason)) == [.doublePayment, .staleBase, .doubleIssuance, .incomplete])
            let stale = try #require(conflicts.first { $0.reason == .staleBase })
            try await client.execute(
                uri: "/v1/admin/conflicts/\(stale.id)/resolve", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"resolution":"revisit","by":"Sachbearbeiterin 3"}"#)
            ) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(
                uri: "/v1/kits/kit-b/cases", method: .get, headers: [.authorization: "Bearer \(kitB.apiToken)"]
            ) {
                response in
                let page = try WireCoding.decoder().decode(CheckoutPage.self, from: Data(buffer: response.body))
                #expect(page.resolutions.map(\.resolution) == [.revisit])
                // The register moved on: kit B now gets version 5 and the new address.
                #expect(page.cases.first?.citizen.registerVersion == 5)
                #expect(page.cases.first?.citizen.address.city == "Mainz")
            }
            try await client.execute(uri: "/v1/admin/fleet", method: .get, headers: admin) { response in
                let kits = try WireCoding.decoder().decode([KitRecord].self, from: Data(buffer: response.body))
                #expect(kits.map(\.kitId) == ["kit-a", "kit-b"])
                #expect(kits.map(\.lastSeq) == [5, 4])
            }
            try await client.execute(uri: "/v1/admin/fleet", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized, "metrics name kits: operators only")
            }
            try await client.execute(uri: "/metrics", method: .get, headers: admin) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("sync_ingest_transactions_total{outcome=\"applied\"} 5"))
                #expect(text.contains("sync_conflicts_open 3"))
            }
            let audit = try await server.store.auditLog(limit: 100)
            #expect(audit.contains { $0.action == "conflict-resolved" && $0.actor == "Sachbearbeiterin 3" })
            #expect(audit.filter { $0.action == "sync" }.count >= 5)
        }
    }

    @Test func garbageBodiesGetClearErrors() async throws {
        let server = try await makeServer()
        let app = Application(
            router: SyncServerApplication.router(
                store: server.store, keys: server.keys, requireClientCertificate: false))
        let kit = TestKit(kitId: "kit-g", serverDataKey: server.keys.dataKey.publicKey)
        let token = BearerToken.generate()
        try await server.store.createEnrollment(
            kitId: kit.kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(60))
        #expect(
            try await server.store.redeemEnrollment(
                tokenHash: BearerToken.hash(token), kitId: kit.kitId,
                signingKey: Array(kit.signingKey.publicKey.x963Representation),
                apiTokenHash: BearerToken.hash("kit-g-token"), now: Date()))
        try await app.test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer kit-g-token"]
            try await client.execute(
                uri: "/v1/ingest", method: .post, headers: auth, body: ByteBuffer(string: "{not json")
            ) { response in
                #expect(response.status == .badRequest)
            }
            let garbage = IngestBatch(kitId: "kit-g", envelopes: [Data([0x42, 0x4B, 0x54, 0x58, 0x01, 0xFF])])
            try await client.execute(uri: "/v1/ingest", method: .post, headers: auth, body: try Self.json(garbage)) {
                response in
                let reply = try WireCoding.decoder().decode(IngestReply.self, from: Data(buffer: response.body))
                #expect(reply.results.first?.outcome == .refused)
                #expect(reply.results.first?.reason?.contains("malformed") == true)
                #expect(reply.expectedSeq == 1)
            }
            let wrongKit = IngestBatch(kitId: "kit-other", envelopes: [])
            try await client.execute(uri: "/v1/ingest", method: .post, headers: auth, body: try Self.json(wrongKit)) {
                response in
                #expect(response.status == .forbidden)
            }
        }
    }
}

/// Wraps heterogeneous values for a JSON object in tests.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
