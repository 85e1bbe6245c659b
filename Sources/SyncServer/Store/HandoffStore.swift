import Foundation
import KitCore

/// The hand-off part of the sync server's storage (ARCHITECTURE.md, "Data flow" steps 9–10):
/// receiving procedures (consumers), the hand-off records written in the same database
/// transaction as a case's completion (transactional outbox), the built dossiers, their
/// confirmations and the evidence retention. Every ``SyncStore`` implements it.
public protocol HandoffStore: HandoffPushStore {
    /// Registers a consumer with its HPKE public key (X9.63) and the SHA-256 of its bearer token.
    func addConsumer(_ consumer: HandoffConsumer, tokenHash: [UInt8]) async throws(StoreError)
    /// All consumers, by name.
    func consumers() async throws(StoreError) -> [HandoffConsumer]
    /// Revokes a consumer: its token stops working and it is routed nothing new.
    func revokeConsumer(name: String) async throws(StoreError)
    /// Routes to the active consumer `name` the cases completed before it was registered (its
    /// procedure's cases with no open conflict whose evidence the server still holds); returns how
    /// many hand-off records were added. Idempotent; audited.
    func backfillHandoff(consumer name: String) async throws(StoreError) -> Int
    /// The active consumer whose token hashes to this value.
    func consumer(tokenHash: [UInt8]) async throws(StoreError) -> HandoffConsumer?

    /// Ids of hand-off records whose dossier is not built yet, oldest first.
    func dossiersAwaitingBuild(limit: Int) async throws(StoreError) -> [String]
    /// Everything the dossier builder needs for one record; nil when it is unknown or built.
    func dossierSources(dossierId: String) async throws(StoreError) -> DossierSources?
    /// Stores a built container unless another builder stored one first; returns the stored
    /// container either way (same id, same bytes), and gives it the next feed position.
    func storeBuiltDossier(dossierId: String, container: [UInt8], at: Date) async throws(StoreError) -> [UInt8]?
    /// The consumer's built dossiers after a feed position, in feed order.
    func dossierFeed(consumer: String, after: Int64, limit: Int) async throws(StoreError) -> [DossierRecord]
    /// One dossier with its container (nil once the evidence was deleted).
    func dossier(id: String) async throws(StoreError) -> (record: DossierRecord, container: [UInt8]?)?
    /// Records a consumer's confirmation.
    func acknowledgeDossier(
        id: String, consumer: String, acknowledgement: HandoffAcknowledgement, at: Date
    ) async throws(StoreError) -> AcknowledgementResult
    /// Hand-off records for the back office, newest first.
    func dossiers(rejectedOnly: Bool) async throws(StoreError) -> [DossierRecord]
    /// Deletes the evidence of cases whose every active consumer accepted, at least `retentionDays`
    /// ago: the envelopes' sealed payloads (header, chain hash and signature stay) and the dossier
    /// containers. Logs each case in the audit trail and then scrubs the freed space.
    func deleteExpiredEvidence(retentionDays: Int, now: Date) async throws(StoreError) -> EvidenceDeletion
}

/// A receiving specialist procedure that pulls dossiers (FIT-Connect's "Zustelldienst" receiver).
public struct HandoffConsumer: Sendable, Codable, Equatable {
    public var name: String
    public var procedure: HandoffProcedure
    /// HPKE P-256 public key, X9.63 uncompressed point.
    public var publicKey: [UInt8]
    public var active: Bool
    public var createdAt: Date

    public init(name: String, procedure: HandoffProcedure, publicKey: [UInt8], active: Bool, createdAt: Date) {
        self.name = name
        self.procedure = procedure
        self.publicKey = publicKey
        self.active = active
        self.createdAt = createdAt
    }

    /// Consumer names: like kit ids, 1 to 64 characters A-Z a-z 0-9 - _ .
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.".unicodeScalars.contains($0))
            }
    }
}

/// One hand-off record: a case for one consumer, and how far it got.
public struct DossierRecord: Sendable, Codable, Equatable {
    public var dossierId: String
    public var caseId: String
    public var consumer: String
    public var procedure: HandoffProcedure
    public var recordedAt: Date
    /// Feed position, set when the dossier was built.
    public var position: Int64?
    public var builtAt: Date?
    public var sha256: String?
    public var size: Int?
    public var outcome: HandoffOutcome?
    public var reason: String?
    public var acknowledgedAt: Date?
    public var evidenceDeletedAt: Date?

    public init(
        dossierId: String, caseId: String, consumer: String, procedure: HandoffProcedure, recordedAt: Date,
        position: Int64? = nil, builtAt: Date? = nil, sha256: String? = nil, size: Int? = nil,
        outcome: HandoffOutcome? = nil, reason: String? = nil, acknowledgedAt: Date? = nil,
        evidenceDeletedAt: Date? = nil
    ) {
        self.dossierId = dossierId
        self.caseId = caseId
        self.consumer = consumer
        self.procedure = procedure
        self.recordedAt = recordedAt
        self.position = position
        self.builtAt = builtAt
        self.sha256 = sha256
        self.size = size
        self.outcome = outcome
        self.reason = reason
        self.acknowledgedAt = acknowledgedAt
        self.evidenceDeletedAt = evidenceDeletedAt
    }
}

/// A stored transaction as the dossier builder reads it.
public struct StoredTransaction: Sendable, Equatable {
    public var kitId: String
    public var seq: UInt64
    public var kind: String
    public var outcome: String
    /// The envelope as received; empty after the evidence was deleted.
    public var envelope: [UInt8]
    public var prevHash: [UInt8]
    /// The chain hash (``TransactionEnvelope/hash``; for a tombstone the lost envelope's hash).
    public var chainHash: [UInt8]
    public init(
        kitId: String, seq: UInt64, kind: String, outcome: String, envelope: [UInt8], prevHash: [UInt8],
        chainHash: [UInt8]
    ) {
        self.kitId = kitId
        self.seq = seq
        self.kind = kind
        self.outcome = outcome
        self.envelope = envelope
        self.prevHash = prevHash
        self.chainHash = chainHash
    }
}

/// What one dossier is built from, read in one database snapshot.
public struct DossierSources: Sendable {
    public var record: DossierRecord
    public var consumerKey: [UInt8]
    public var caseVersion: UInt64
    /// The case snapshot JSON as the back office saved it.
    public var caseSnapshot: [UInt8]
    /// Registered signing keys (X9.63) of the kits that recorded the steps.
    public var kitSigningKeys: [String: [UInt8]]
    /// The applied transactions of the case, by kit and seq.
    public var steps: [StoredTransaction]
    /// Each kit's chain from the case's first to its last transaction (all cases), by kit and seq.
    public var chain: [StoredTransaction]

    public init(
        record: DossierRecord, consumerKey: [UInt8], caseVersion: UInt64, caseSnapshot: [UInt8],
        kitSigningKeys: [String: [UInt8]], steps: [StoredTransaction], chain: [StoredTransaction]
    ) {
        self.record = record
        self.consumerKey = consumerKey
        self.caseVersion = caseVersion
        self.caseSnapshot = caseSnapshot
        self.kitSigningKeys = kitSigningKeys
        self.steps = steps
        self.chain = chain
    }
}

/// The answer to a confirmation.
public enum AcknowledgementResult: Sendable, Equatable {
    case recorded
    /// The same outcome was recorded before (a retry).
    case alreadyRecorded
    /// Another outcome was recorded before; it stands.
    case conflicting(HandoffOutcome)
    /// The dossier belongs to another consumer.
    case foreign
    case notFound
    /// Not built yet, so the consumer cannot have seen it.
    case notBuilt
}

/// What one retention run deleted.
public struct EvidenceDeletion: Sendable, Equatable {
    public var cases: [String]
    public var transactions: Int
    public var dossiers: Int
    public init(cases: [String] = [], transactions: Int = 0, dossiers: Int = 0) {
        self.cases = cases
        self.transactions = transactions
        self.dossiers = dossiers
    }
}
