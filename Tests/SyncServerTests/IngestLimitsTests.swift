import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import Logging
import NIOFoundationCompat
import SyncServer
import Testing

/// The server's side of "the queue always drains" (issue #14): the announced request limit, 413
/// with a reason, the separate report route, tombstones, hostile bodies.
@Suite("Sync server: ingest limits, kit reports, tombstones")
struct IngestLimitsTests {
    typealias TestKit = SyncFlowTests.TestKit

    /// A server app with one enrolled kit (API token `kit-l-token`) and one open case.
    func withKit(
        limits: IngestLimits,
        _ body: @escaping @Sendable (any TestClientProtocol, TestKit, any SyncStore) async throws -> Void
    ) async throws {
        let application = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: temporaryPath("limits")),
            logger: quietLogger())
        let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
        let store = try await application.openStore()
        let kit = TestKit(kitId: "kit-l", serverDataKey: keys.dataKey.publicKey)
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: kit.kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(60))
        _ = try await store.redeemEnrollment(
            tokenHash: BearerToken.hash(token), kitId: kit.kitId,
            signingKey: Array(kit.signingKey.publicKey.x963Representation),
            apiTokenHash: BearerToken.hash("kit-l-token"), now: Date())
        try await store.upsertCase(SyncFlowTests.snapshot("case-l", steps: [.sign, .complete]), assignedKit: kit.kitId)
        let app = Application(
            router: SyncServerApplication.router(
                store: store, keys: keys, requireClientCertificate: false, ingestLimits: limits))
        try await app.test(.router) { client in try await body(client, kit, store) }
        await store.close()
    }

    let auth: HTTPFields = [.authorization: "Bearer kit-l-token"]

    @Test func versionAnnouncesTheLimitsAndIngestAnswersCarryThem() async throws {
        let limits = IngestLimits(maxRequestBytes: 3 << 20)
        try await withKit(limits: limits) { client, kit, _ in
            try await client.execute(uri: "/v1/version", method: .get) { response in
                let info = try WireCoding.decoder().decode(ServerVersionInfo.self, from: Data(buffer: response.body))
                #expect(info.limits == limits)
                #expect(info.limits?.maxEnvelopeBytes ?? 0 > 2_000_000)
            }
            let envelope = try kit.envelope(caseId: "case-l", kind: .signatureCaptured)
            try await client.execute(
                uri: "/v1/ingest", method: .post, headers: auth,
                body: try SyncFlowTests.json(IngestBatch(kitId: kit.kitId, envelopes: [Data(envelope.encoded())]))
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name(IngestLimits.headerName)!] == String(3 << 20))
            }
        }
    }

    @Test func aBodyOverTheLimitIsRefusedWith413AndAReason() async throws {
        try await withKit(limits: IngestLimits(maxRequestBytes: 64 << 10)) { client, kit, store in
            let envelope = try kit.envelope(
                caseId: "case-l", kind: .signatureCaptured, payload: Array(repeating: 0x41, count: 100_000))
            try await client.execute(
                uri: "/v1/ingest", method: .post, headers: auth,
                body: try SyncFlowTests.json(IngestBatch(kitId: kit.kitId, envelopes: [Data(envelope.encoded())]))
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("ingest.maxRequestBytes"))
            }
            // Nothing was recorded.
            #expect(try await store.kits().first?.lastSeq == 0)
        }
    }

    @Test func theReportRouteRecordsAJamAndRefusesHostileBodies() async throws {
        try await withKit(limits: .default) { client, kit, store in
            let problem = SyncProblem(
                kind: .tooLarge, seq: 7, reason: "transaction 7 has 3000000 bytes", since: Date(), attempts: 3)
            let report = KitReport(
                agentVersion: "9.9.9", queueDepth: 12, oldestWaitingAt: nil, lastSeq: 18, devices: [],
                syncProblem: problem)
            try await client.execute(
                uri: "/v1/kits/kit-l/report", method: .post, headers: auth, body: try SyncFlowTests.json(report)
            ) { response in
                #expect(response.status == .noContent)
            }
            let stored = try #require(try await store.kits().first?.report)
            #expect(stored.queueDepth == 12)
            #expect(stored.syncProblem?.kind == .tooLarge)
            #expect(stored.syncProblem?.seq == 7)
            // Another kit's report, garbage, a huge body, no token.
            try await client.execute(
                uri: "/v1/kits/kit-other/report", method: .post, headers: auth, body: try SyncFlowTests.json(report)
            ) { response in
                #expect(response.status == .forbidden)
            }
            for body in ["{", "[]", "{\"queueDepth\": \"many\"}", String(repeating: "x", count: 100_000)] {
                try await client.execute(
                    uri: "/v1/kits/kit-l/report", method: .post, headers: auth, body: ByteBuffer(string: body)
                ) { response in
                    #expect((400..<500).contains(response.status.code), "body \(body.prefix(20))")
                }
            }
            try await client.execute(
                uri: "/v1/kits/kit-l/report", method: .post, body: try SyncFlowTests.json(report)
            ) { response in
                #expect(response.status == .unauthorized)
            }
            #expect(try await store.kits().first?.report?.queueDepth == 12)
            _ = kit
        }
    }

    /// A tombstone moves the chain to the lost envelope's hash and opens a conflict; one with an
    /// unreadable hash is refused and moves nothing.
    @Test func tombstonesKeepTheChainAndOpenAConflict() async throws {
        try await withKit(limits: .default) { client, kit, store in
            let first = try kit.envelope(caseId: "case-l", kind: .signatureCaptured)
            // The lost one: the kit has its hash, the server never sees it.
            let lost = try kit.envelope(caseId: "case-l", kind: .signatureCaptured)
            let lostHash = lost.hash
            let afterLost = try kit.envelope(caseId: "case-l", kind: .signatureCaptured)
            func tombstone(hash: String) throws -> TransactionEnvelope {
                let facts = StepPayload.TransactionLost(
                    originalTxId: lost.header.txId.uuidString.lowercased(), originalKind: "signature.captured",
                    originalHash: hash, damage: "the stored envelope does not match its hash")
                return try kit.sealer.seal(
                    header: TransactionHeader(
                        kitId: kit.kitId, seq: 2, txId: lost.header.txId, caseId: "case-l", baseVersion: 0,
                        kind: TransactionKind.transactionLost.rawValue, monotonicNanos: 2, wallMillis: 0,
                        prevHash: first.hash),
                    payload: try WireCoding.encoder().encode(facts))
            }
            for badHash in ["zz", "00", ""] {
                let bad = try tombstone(hash: badHash)
                try await client.execute(
                    uri: "/v1/ingest", method: .post, headers: auth,
                    body: try SyncFlowTests.json(
                        IngestBatch(kitId: kit.kitId, envelopes: [Data(first.encoded()), Data(bad.encoded())]))
                ) { response in
                    let reply = try WireCoding.decoder().decode(IngestReply.self, from: Data(buffer: response.body))
                    #expect(reply.results.last?.outcome == .refused)
                    #expect(reply.expectedSeq == 2)
                }
            }
            let good = try tombstone(hash: Hex.encode(lostHash))
            try await client.execute(
                uri: "/v1/ingest", method: .post, headers: auth,
                body: try SyncFlowTests.json(
                    IngestBatch(kitId: kit.kitId, envelopes: [Data(good.encoded()), Data(afterLost.encoded())]))
            ) { response in
                let reply = try WireCoding.decoder().decode(IngestReply.self, from: Data(buffer: response.body))
                #expect(reply.results.map(\.outcome) == [.conflict, .applied])
                #expect(reply.results.first?.conflict == .damagedOnKit)
                #expect(reply.expectedSeq == 4)
            }
            // The kit's copy of seq 3 is damaged after the server applied it (the answer was lost):
            // its tombstone finds the stored answer, nothing is lost.
            let late = try kit.sealer.seal(
                header: TransactionHeader(
                    kitId: kit.kitId, seq: 3, txId: afterLost.header.txId, caseId: "case-l", baseVersion: 0,
                    kind: TransactionKind.transactionLost.rawValue, monotonicNanos: 3, wallMillis: 0,
                    prevHash: lostHash),
                payload: try WireCoding.encoder().encode(
                    StepPayload.TransactionLost(
                        originalTxId: afterLost.header.txId.uuidString.lowercased(), originalKind: "signature.captured",
                        originalHash: Hex.encode(afterLost.hash), damage: "the stored envelope does not match its hash")
                ))
            try await client.execute(
                uri: "/v1/ingest", method: .post, headers: auth,
                body: try SyncFlowTests.json(IngestBatch(kitId: kit.kitId, envelopes: [Data(late.encoded())]))
            ) { response in
                let reply = try WireCoding.decoder().decode(IngestReply.self, from: Data(buffer: response.body))
                #expect(reply.results.first?.outcome == .duplicate)
                #expect(reply.results.first?.originalOutcome == .applied)
            }
            let conflicts = try await store.conflicts(openOnly: true)
            #expect(conflicts.map(\.reason) == [.damagedOnKit])
            #expect(conflicts.first?.detail.contains("signature.captured") == true)
        }
    }

    @Test func hexDecodingRefusesHostileText() {
        #expect(Hex.decode("00ffAB") == [0x00, 0xFF, 0xAB])
        #expect(Hex.decode("") == [])
        for hostile in ["0", "0g", "zz", "０１", "0x00", " 00", "00\u{0}"] {
            #expect(Hex.decode(hostile) == nil, "\(hostile)")
        }
        let bytes: [UInt8] = (0..<64).map { UInt8($0 * 4 % 256) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
    }

    @Test func limitsArithmetic() {
        let limits = IngestLimits(maxRequestBytes: 1 << 20)
        // The largest envelope fits a request alone; one byte more does not.
        let alone = IngestLimits.requestOverhead + IngestLimits.encodedSize(ofEnvelope: limits.maxEnvelopeBytes)
        #expect(alone <= limits.maxRequestBytes)
        let over = IngestLimits.requestOverhead + IngestLimits.encodedSize(ofEnvelope: limits.maxEnvelopeBytes + 3)
        #expect(over > limits.maxRequestBytes)
        #expect(IngestLimits(maxRequestBytes: 10).maxEnvelopeBytes == 0)
        #expect(IngestLimits.default.maxEnvelopeBytes > 40_000_000)
    }
}
