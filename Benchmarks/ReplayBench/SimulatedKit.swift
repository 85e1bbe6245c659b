import AsyncHTTPClient
import BenchmarkSupport
import Crypto
import Foundation
import KitAgent
import KitCore
import NIOCore
import NIOHTTP1
import SyncServer

/// A kit reduced to what ingest load needs: its state directory (keys, TLS identity after
/// enrollment) and envelopes sealed and signed by its real outbox ahead of time, so the timed part
/// is the server's ingest alone.
struct SimulatedKit: Sendable {
    let kitId: String
    let caseId: String
    let directory: StateDirectory
    let envelopes: [Data]

    /// Creates the kit's keys and enqueues `count` `identity.checked` transactions sealed to the
    /// server's data key (as after enrollment).
    static func generate(
        kitId: String, caseId: String, directory: String, count: Int, dataKey: P256.KeyAgreement.PublicKey
    ) throws -> SimulatedKit {
        let state = try StateDirectory.prepare(directory)
        let keys = try KitKeyStore(stateDirectory: state)
        try keys.installServerDataKey(dataKey)
        let outbox = Outbox(
            database: try AgentDatabase(path: state.appending("agent.sqlite")), kitId: kitId,
            sealer: EnvelopeSealer(signingKey: try keys.signingKey(), serverDataKey: dataKey))
        for _ in 0..<count {
            _ = try outbox.enqueue(
                caseId: caseId, kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                payload: Array("{}".utf8))
        }
        let envelopes = try outbox.envelopes(from: 1, limit: count).map { Data($0.bytes) }
        guard envelopes.count == count else { throw BenchFailure("\(kitId): outbox holds \(envelopes.count)") }
        return SimulatedKit(kitId: kitId, caseId: caseId, directory: state, envelopes: envelopes)
    }

    /// Registers the kit and its case on `store`, enrolls it over HTTPS (the one-time token, CSR,
    /// client certificate) and opens its mutual-TLS client.
    func enroll(store: any SyncStore, serverURL: URL, caPEM: String) async throws -> EnrolledKit {
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        try await store.upsertCase(CaseFixture.snapshot(caseId), assignedKit: kitId)
        let credentials = try await Enrollment.enroll(
            stateDirectory: directory, serverURL: serverURL, kitId: kitId, token: token, caCertificatePEM: caPEM)
        guard let identity = try KitTLSIdentity.load(from: try KitKeyStore(stateDirectory: directory)) else {
            throw BenchFailure("\(kitId): no TLS identity after enrollment")
        }
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: try identity.clientConfiguration()))
        return EnrolledKit(
            kit: self, apiToken: credentials.apiToken,
            baseURL: serverURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")), client: client)
    }
}

/// An enrolled simulated kit with its own mutual-TLS HTTP client (one connection, as a kit has).
struct EnrolledKit: Sendable {
    let kit: SimulatedKit
    let apiToken: String
    let baseURL: String
    let client: HTTPClient

    /// Opens the TLS connection (`GET /v1/version`), as the agent's link probe does before a sync.
    func connect() async throws {
        let response = try await client.execute(HTTPClientRequest(url: baseURL + "/v1/version"), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchFailure("\(kit.kitId): /v1/version HTTP \(response.status)") }
    }

    /// Sends envelopes `range` as one `POST /v1/ingest`, as `SyncClient` does (report included),
    /// and returns the request's latency. Anything but `applied` for every envelope is a failure.
    func send(_ range: Range<Int>) async throws -> Double {
        let report = KitReport(
            agentVersion: KitVersion.release, queueDepth: kit.envelopes.count - range.lowerBound,
            oldestWaitingAt: nil, lastSeq: UInt64(kit.envelopes.count), devices: [])
        let body = try WireCoding.encoder().encode(
            IngestBatch(kitId: kit.kitId, envelopes: Array(kit.envelopes[range]), report: report))
        var request = HTTPClientRequest(url: baseURL + "/v1/ingest")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(apiToken)")
        request.headers.add(name: "User-Agent", value: "kit-agent/\(KitVersion.release)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        let latency = (ContinuousClock.now - start).seconds
        guard response.status == .ok else { throw BenchFailure("\(kit.kitId): ingest HTTP \(response.status)") }
        let reply = try WireCoding.decoder().decode(IngestReply.self, from: Data(buffer.readableBytesView))
        let applied = reply.results.filter { $0.outcome == .applied }.count
        guard applied == range.count else {
            let other = reply.results.first { $0.outcome != .applied }
            throw BenchFailure(
                "\(kit.kitId): \(applied) of \(range.count) applied; first other: "
                    + "\(other?.outcome.rawValue ?? "missing") \(other?.reason ?? "")")
        }
        return latency
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}

/// The case every benchmark transaction is recorded against (assigned to the sending kit).
enum CaseFixture {
    static func snapshot(_ id: String) -> CaseSnapshot {
        CaseSnapshot(
            caseId: id, version: 1, title: "Ummeldung",
            citizen: .init(
                citizenId: "c-\(id)", givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1940-08-12",
                address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln")),
            steps: [.identify, .sign, .complete])
    }
}
