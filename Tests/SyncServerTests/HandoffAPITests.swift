import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import NIOCore
import NIOFoundationCompat
import SyncServer
import Testing

/// The pull API for receiving procedures: feed, container, ack; routing by case content; a
/// consumer sees only its own dossiers; a revoked one gets nothing.
@Suite("Hand-off: pull API")
struct HandoffAPITests {
    struct City {
        var city = HandoffCity()
        let store: any SyncStore
        let keys: ServerKeys
    }

    /// A server with its own keys, a kit and four consumers, and an address change case plus an
    /// ID card case completed.
    func makeCity() async throws -> City {
        let application = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: temporaryPath("handoff-api")),
            logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
        let store = try await application.openStore()
        var city = HandoffCity()
        city.server = ServerFixture(dataKey: keys.dataKey)
        city.kit = TestKit("kit-handoff", server: city.server)
        try await city.prepare(store)
        try await store.upsertCase(HandoffCity.idCardCase("case-ausweis"), assignedKit: city.kit.kitId)
        try await store.upsertCase(
            makeCase("case-umzug", citizenId: "citizen-9", steps: [.identify, .updateAddress, .complete]),
            assignedKit: city.kit.kitId)
        var envelopes = try city.idCardApplication("case-ausweis")
        envelopes += [
            try city.kit.identityCheck(caseId: "case-umzug"),
            try city.kit.addressChange(
                caseId: "case-umzug", citizenId: "citizen-9",
                to: .init(street: "Neue Straße 1", zip: "55116", city: "Mainz")),
            try city.kit.next(.caseCompleted, caseId: "case-umzug"),
        ]
        let reply = try await store.ingest(envelopes: envelopes, kitId: city.kit.kitId, engine: city.server.engine)
        #expect(reply.outcomes.allSatisfy { $0 == .applied })
        return City(city: city, store: store, keys: keys)
    }

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)"]
    }

    static func feed(_ client: some TestClientProtocol, _ consumer: TestConsumer, after: String = "0") async throws
        -> DossierFeedPage
    {
        try await client.execute(
            uri: "/v1/handoff/dossiers?after=\(after)", method: .get, headers: bearer(consumer.token)
        ) { response in
            #expect(response.status == .ok)
            return try WireCoding.decoder().decode(DossierFeedPage.self, from: Data(buffer: response.body))
        }
    }

    @Test("routing, pull, verify, ack; another consumer's dossier is 403; a revoked consumer gets nothing")
    func pullAndAck() async throws {
        let setup = try await makeCity()
        let city = setup.city
        let app = Application(
            router: SyncServerApplication.router(
                store: setup.store, keys: setup.keys, requireClientCertificate: false, logger: quietLogger()))
        try await app.test(.router) { client in
            // Routing by content: address change → register; fingerprints → document authority;
            // the paid fee → cash office; both cases → DMS.
            let register = try await Self.feed(client, city.register)
            #expect(register.dossiers.map(\.caseId) == ["case-umzug"])
            let documents = try await Self.feed(client, city.documents)
            #expect(documents.dossiers.map(\.caseId) == ["case-ausweis"])
            let cash = try await Self.feed(client, city.cash)
            #expect(cash.dossiers.map(\.caseId) == ["case-ausweis"])
            let dms = try await Self.feed(client, city.dms)
            #expect(dms.dossiers.map(\.caseId).sorted() == ["case-ausweis", "case-umzug"])
            // The cursor continues behind the last entry.
            let rest = try await Self.feed(client, city.dms, after: try #require(dms.dossiers.first?.cursor))
            #expect(rest.dossiers.map(\.dossierId) == Array(dms.dossiers.dropFirst().map(\.dossierId)))
            #expect(try await Self.feed(client, city.dms, after: try #require(dms.nextCursor)).dossiers.isEmpty)

            let idCard = try #require(documents.dossiers.first)
            // The cash office may not fetch or confirm the document authority's dossier.
            try await client.execute(
                uri: "/v1/handoff/dossiers/\(idCard.dossierId)", method: .get, headers: Self.bearer(city.cash.token)
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/v1/handoff/dossiers/\(idCard.dossierId)/ack", method: .post,
                headers: Self.bearer(city.cash.token), body: ByteBuffer(string: #"{"outcome":"accepted"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
            // The document authority fetches, verifies and opens it.
            let container = try await client.execute(
                uri: "/v1/handoff/dossiers/\(idCard.dossierId)", method: .get,
                headers: Self.bearer(city.documents.token)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-tar")
                return Array(buffer: response.body)
            }
            #expect(Hex.encode(SHA256.hash(data: container)) == idCard.sha256)
            let verified = try DossierVerifier(serverKey: setup.keys.dossierSigningKey.publicKey).verify(container)
            let fingerprints = try #require(verified.manifest.steps.first { $0.kind == "fingerprints.captured" })
            #expect(
                try verified.open(fingerprints.payload, with: city.documents.key).firstRange(
                    of: HandoffCity.evidenceMarker) != nil)
            // Hostile acks are refused with a reason; nothing is recorded.
            for body in [#"{"outcome":"maybe"}"#, #"{"outcome":"rejected"}"#, "not json", ""] {
                try await client.execute(
                    uri: "/v1/handoff/dossiers/\(idCard.dossierId)/ack", method: .post,
                    headers: Self.bearer(city.documents.token), body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body)")
                }
            }
            try await client.execute(
                uri: "/v1/handoff/dossiers/not-a-dossier/ack", method: .post,
                headers: Self.bearer(city.documents.token), body: ByteBuffer(string: #"{"outcome":"accepted"}"#)
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/v1/handoff/dossiers?after=-1", method: .get, headers: Self.bearer(city.documents.token)
            ) { response in
                #expect(response.status == .badRequest)
            }
            // Accept (twice: a retry is fine); then a contradicting reject is 409.
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/v1/handoff/dossiers/\(idCard.dossierId)/ack", method: .post,
                    headers: Self.bearer(city.documents.token), body: ByteBuffer(string: #"{"outcome":"accepted"}"#)
                ) { response in
                    #expect(response.status == .noContent)
                }
            }
            try await client.execute(
                uri: "/v1/handoff/dossiers/\(idCard.dossierId)/ack", method: .post,
                headers: Self.bearer(city.documents.token),
                body: ByteBuffer(string: #"{"outcome":"rejected","reason":"zu spät"}"#)
            ) { response in
                #expect(response.status == .conflict)
            }
            // The register rejects its dossier: the back office sees the reason.
            let move = try #require(register.dossiers.first)
            try await client.execute(
                uri: "/v1/handoff/dossiers/\(move.dossierId)/ack", method: .post,
                headers: Self.bearer(city.register.token),
                body: ByteBuffer(string: #"{"outcome":"rejected","reason":"Hausnummer fehlt im Straßenverzeichnis"}"#)
            ) { response in
                #expect(response.status == .noContent)
            }
            let rejected = try await setup.store.dossiers(rejectedOnly: true)
            #expect(rejected.map(\.dossierId) == [move.dossierId])
            #expect(rejected.first?.reason == "Hausnummer fehlt im Straßenverzeichnis")
            let adminToken = try String(contentsOfFile: setup.keys.adminTokenPath, encoding: .utf8)
            try await client.execute(
                uri: "/v1/admin/dossiers?rejected=true", method: .get, headers: Self.bearer(adminToken)
            ) { response in
                #expect(response.status == .ok)
                let records = try WireCoding.decoder().decode([DossierRecord].self, from: Data(buffer: response.body))
                #expect(records.map(\.reason) == ["Hausnummer fehlt im Straßenverzeichnis"])
            }
            // Revoked: the token stops working, and nothing new is routed to it.
            try await setup.store.revokeConsumer(name: city.cash.name)
            try await client.execute(
                uri: "/v1/handoff/dossiers", method: .get, headers: Self.bearer(city.cash.token)
            ) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/handoff/dossiers", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
        await setup.store.close()
    }
}
