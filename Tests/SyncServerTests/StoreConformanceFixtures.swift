import Crypto
import Foundation
import KitCore
import KitTestSupport
import Logging
import SyncServer
import Testing

/// The store implementations the conformance suite runs against.
enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    /// SQLite always; PostgreSQL when installed, or when CI is set (then a missing PostgreSQL fails).
    static var available: [StoreBackend] {
        PostgresCluster.shouldRun ? [.sqlite, .postgresql] : [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// A fresh, empty database for one test: a SQLite file in a temporary folder, or a new database
/// on the shared throwaway PostgreSQL cluster. ``open()`` may be called again for the same place
/// (a server restart, or a second server process on PostgreSQL).
struct StoreLocation: Sendable {
    let backend: StoreBackend
    let sqlitePath: String
    var postgres: PostgresSyncStore.Configuration

    static func fresh(_ backend: StoreBackend) async throws -> StoreLocation {
        switch backend {
        case .sqlite:
            return StoreLocation(
                backend: backend, sqlitePath: temporaryPath("store") + ".sqlite", postgres: .init())
        case .postgresql:
            let endpoint = try await PostgresCluster.shared.start()
            let database = try await PostgresCluster.shared.createDatabase(prefix: "store")
            return StoreLocation(
                backend: backend, sqlitePath: "",
                postgres: .init(
                    host: endpoint.host, port: endpoint.port, username: endpoint.username, database: database,
                    tls: .disable, maximumConnections: 4))
        }
    }

    func open() async throws -> any SyncStore {
        switch backend {
        case .sqlite:
            return try SQLiteSyncStore(path: sqlitePath)
        case .postgresql:
            return try await PostgresSyncStore.open(configuration: postgres, logger: quietLogger())
        }
    }

    func remove() {
        guard backend == .sqlite else { return }
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: sqlitePath + suffix)
        }
    }
}

/// Opens a fresh store, runs `body` and closes the store again, also when `body` throws.
func withFreshStore(
    _ backend: StoreBackend, _ body: (any SyncStore, StoreLocation) async throws -> Void
) async throws {
    let location = try await StoreLocation.fresh(backend)
    let store = try await location.open()
    do {
        try await body(store, location)
    } catch {
        await store.close()
        location.remove()
        throw error
    }
    await store.close()
    location.remove()
}

/// The server side of the envelope keys: its data key and the ingest engine that opens with it.
struct ServerFixture {
    var dataKey = P256.KeyAgreement.PrivateKey()
    var engine: IngestEngine { IngestEngine(opener: EnvelopeOpener(dataKey: dataKey)) }
}

/// A kit as the server sees it: a signing key, an API token and its chain of sealed envelopes.
struct TestKit {
    let kitId: String
    let signingKey = P256.Signing.PrivateKey()
    let serverDataKey: P256.KeyAgreement.PublicKey
    let apiToken = Array(UUID().uuidString.utf8)
    private(set) var seq: UInt64 = 0
    private(set) var lastHash = TransactionHeader.genesisHash
    /// How far this kit's wall clock is off (the header's `wallMillis`); the server must not care.
    var clockOffsetMillis: Int64 = 0
    /// The envelope format this kit seals (1: software from before the proof form).
    var formatVersion = TransactionEnvelope.currentFormatVersion

    init(_ kitId: String, server: ServerFixture) {
        self.kitId = kitId
        serverDataKey = server.dataKey.publicKey
    }

    var apiTokenHash: [UInt8] { Array(SHA256.hash(data: apiToken)) }

    /// Enrols the kit through the store's API, as the enrollment route does.
    func enrol(in store: any SyncStore, now: Date = Date()) async throws {
        let token = Array(SHA256.hash(data: Data("enrol \(kitId) \(UUID())".utf8)))
        try await store.createEnrollment(kitId: kitId, tokenHash: token, expiresAt: now.addingTimeInterval(3600))
        let redeemed = try await store.redeemEnrollment(
            tokenHash: token, kitId: kitId, signingKey: Array(signingKey.publicKey.x963Representation),
            apiTokenHash: apiTokenHash, now: now)
        #expect(redeemed, "enrolment of \(kitId)")
    }

    /// The next envelope of the chain, sealed and signed; the chain moves on.
    mutating func next(
        _ kind: TransactionKind, caseId: String, baseVersion: UInt64 = 1, payload: [UInt8] = Array("{}".utf8),
        txId: UUID = UUID()
    ) throws -> Data {
        try next(kind: kind.rawValue, caseId: caseId, baseVersion: baseVersion, payload: payload, txId: txId)
    }

    /// The next envelope with any kind text, optionally sealed to another server's key.
    mutating func next(
        kind: String, caseId: String, baseVersion: UInt64 = 1, payload: [UInt8] = Array("{}".utf8),
        txId: UUID = UUID(), sealedTo dataKey: P256.KeyAgreement.PublicKey? = nil
    ) throws -> Data {
        let envelope = try seal(
            kind: kind, caseId: caseId, seq: seq + 1, prevHash: lastHash, baseVersion: baseVersion,
            payload: payload, txId: txId, sealedTo: dataKey)
        seq += 1
        lastHash = envelope.hash
        return Data(envelope.encoded())
    }

    /// The next envelope carrying JSON facts (payment, address change, document hand-out).
    mutating func next(
        _ kind: TransactionKind, caseId: String, baseVersion: UInt64 = 1, facts: some Encodable
    ) throws -> Data {
        try next(kind, caseId: caseId, baseVersion: baseVersion, payload: try StepPayload.compose(facts: facts))
    }

    /// A matching identity check that binds the card `binding` to the case, as the kit's ID-card
    /// step seals it.
    mutating func identityCheck(caseId: String, binding: String = "card-binding-1") throws -> Data {
        try next(
            .identityChecked, caseId: caseId,
            facts: StepPayload.IdentityCheck(
                matchesCase: true, mismatches: [], chipAuthenticated: true, terminal: "DETESTTERM00001",
                cardBinding: binding))
    }

    /// An address change written to the card `binding` (nil: one that names no card).
    mutating func addressChange(
        caseId: String, citizenId: String, to address: CaseSnapshot.Address, baseVersion: UInt64 = 1,
        binding: String? = "card-binding-1"
    ) throws -> Data {
        try next(
            .addressChanged, caseId: caseId, baseVersion: baseVersion,
            facts: StepPayload.AddressChange(citizenId: citizenId, newAddress: address, cardBinding: binding))
    }

    /// An envelope with any header fields, signed with `key` (default: the kit's), for forgeries.
    func seal(
        kind: String, caseId: String, seq: UInt64, prevHash: [UInt8], baseVersion: UInt64 = 1,
        payload: [UInt8] = Array("{}".utf8), txId: UUID = UUID(), key: P256.Signing.PrivateKey? = nil,
        sealedTo dataKey: P256.KeyAgreement.PublicKey? = nil
    ) throws -> TransactionEnvelope {
        let header = TransactionHeader(
            kitId: kitId, seq: seq, txId: txId, caseId: caseId, baseVersion: baseVersion, kind: kind,
            monotonicNanos: seq * 1_000_000, wallMillis: 1_780_000_000_000 + Int64(seq) + clockOffsetMillis,
            prevHash: prevHash, formatVersion: formatVersion)
        let sealer = EnvelopeSealer(signingKey: key ?? signingKey, serverDataKey: dataKey ?? serverDataKey)
        return try sealer.seal(header: header, payload: payload)
    }
}

/// A case for a kit, with the citizen's register record.
func makeCase(
    _ caseId: String, version: UInt64 = 1, citizenId: String = "citizen-1", registerVersion: UInt64 = 1,
    steps: [CaseStep] = [.identify, .sign, .complete], feeCents: Int = 0, documents: [String] = []
) -> CaseSnapshot {
    CaseSnapshot(
        caseId: caseId, version: version, title: "Ummeldung",
        citizen: .init(
            citizenId: citizenId, givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1964-08-12",
            address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln"), registerVersion: registerVersion),
        steps: steps, textsToSign: ["Ich melde mich um."],
        fees: feeCents > 0 ? [.init(label: "Gebühr", amountCents: feeCents)] : [],
        documents: documents.map { .init(documentId: $0, title: "Meldebescheinigung") })
}

extension IngestReply {
    /// Outcomes in order, for compact expectations.
    var outcomes: [IngestOutcome] { results.map(\.outcome) }
}
