import Crypto
import Foundation
import KitCore

/// What the server stores per kit to check its chain.
public struct KitChainState: Sendable, Equatable {
    public var kitId: String
    /// The kit's signing public key (x9.63 bytes), registered at enrollment.
    public var signingKey: [UInt8]
    public var lastSeq: UInt64
    public var lastHash: [UInt8]
    public var active: Bool

    public init(kitId: String, signingKey: [UInt8], lastSeq: UInt64, lastHash: [UInt8], active: Bool) {
        self.kitId = kitId
        self.signingKey = signingKey
        self.lastSeq = lastSeq
        self.lastHash = lastHash
        self.active = active
    }
}

/// A stored answer, returned again for duplicates.
public struct StoredAnswer: Sendable, Equatable {
    public var kitId: String
    public var seq: UInt64
    public var txId: String
    public var result: IngestResult
    /// The envelope's bytes as received: a retry must send exactly these again. Empty once
    /// retention deleted the evidence; then ``chainHash`` (SHA-256 of those bytes) decides.
    public var envelope: [UInt8]
    /// SHA-256 of the envelope as received, kept after retention (nil for rows from before it).
    public var chainHash: [UInt8]? = nil
}

/// The database operations one ingest needs, all inside one database transaction (the store
/// opens it). Implemented by each store over its own connection type.
public protocol IngestLedger {
    func chainState(kitId: String) throws -> KitChainState?
    func answer(kitId: String, seq: UInt64) throws -> StoredAnswer?
    func answer(txId: String) throws -> StoredAnswer?
    func caseState(caseId: String) throws -> CaseState?
    func registerVersion(citizenId: String) throws -> UInt64?
    /// The register record with this id (walk-in cases, issue #20).
    func registerRecord(citizenId: String) throws -> RegisterRecord?
    /// The register record of a person by ``WalkInCitizen/personKey`` (walk-in cases, issue #20).
    func registerRecord(personKey: String) throws -> RegisterRecord?
    func documentIssued(documentId: String) throws -> Bool
    /// Stores the transaction with its answer and moves the kit's chain head.
    func record(envelope: TransactionEnvelope, bytes: [UInt8], hash: [UInt8], result: IngestResult) throws
    /// Applies an effect of an applied transaction.
    func apply(_ effect: RuleEffect, header: TransactionHeader) throws
    /// Opens a conflict for back office.
    func openConflict(header: TransactionHeader, reason: ConflictReason, detail: String) throws
    /// Records which clerk the kit says recorded the step (issue #17; from the sealed facts).
    func noteRecordedBy(_ clerk: Clerk, header: TransactionHeader) throws
}

/// Verifies, deduplicates and decides one envelope (ARCHITECTURE.md, "Data flow" step 6). The
/// caller runs it inside one database transaction, so the answer and the effect commit together:
/// a retry after a lost answer finds the stored answer and changes nothing.
public struct IngestEngine: Sendable {
    public let opener: EnvelopeOpener
    /// The services walk-in cases may be opened for (``ConflictRules/decideCaseOpened``).
    public let catalogue: ServiceCatalogue

    public init(opener: EnvelopeOpener, catalogue: ServiceCatalogue = .city) {
        self.opener = opener
        self.catalogue = catalogue
    }

    /// The result for one envelope; `continueBatch` is false when the kit must re-send from the
    /// expected seq (nothing after a refused envelope is looked at).
    public func process(bytes: [UInt8], authenticatedKit: String, ledger: some IngestLedger) throws -> (
        result: IngestResult, continueBatch: Bool
    ) {
        let envelope: TransactionEnvelope
        do {
            envelope = try TransactionEnvelope(decoding: bytes)
        } catch {
            return (IngestResult(seq: 0, txId: nil, outcome: .refused, reason: error.description), false)
        }
        let header = envelope.header
        let txId = header.txId.uuidString.lowercased()
        func refused(_ reason: String) -> (IngestResult, Bool) {
            (IngestResult(seq: header.seq, txId: txId, outcome: .refused, reason: reason), false)
        }
        guard header.kitId == authenticatedKit else {
            return refused("envelope of kit \(header.kitId) sent by kit \(authenticatedKit)")
        }
        guard let chain = try ledger.chainState(kitId: header.kitId), chain.active else {
            return refused("kit \(header.kitId) is not enrolled or was revoked")
        }
        if let stored = try ledger.answer(kitId: header.kitId, seq: header.seq) {
            return Self.answer(stored: stored, header: header, txId: txId, bytes: bytes)
        }
        if let stored = try ledger.answer(txId: txId) {
            return Self.answer(stored: stored, header: header, txId: txId, bytes: bytes)
        }
        if let reason = Self.chainRefusal(envelope, chain: chain) {
            return refused(reason)
        }
        var hash = envelope.hash
        let result: IngestResult
        var recordedBy: Clerk?
        do {
            let payload = try opener.open(envelope)
            recordedBy = StepPayload.recordedBy(payload)
            if header.kind == TransactionKind.transactionLost.rawValue {
                // The chain goes on from the lost envelope's hash, which the tombstone names.
                guard let original = Self.tombstoneChainHash(payload) else {
                    return refused("the tombstone for seq \(header.seq) does not name the lost envelope's hash")
                }
                hash = original
            }
            let state = try ledger.caseState(caseId: header.caseId)
            let keys = Self.lookupKeys(kind: header.kind, payload: payload)
            var lookups = RuleLookups()
            if let citizenId = keys.citizenId {
                lookups.registerVersion = try ledger.registerVersion(citizenId: citizenId)
            }
            if let documentId = keys.documentId {
                lookups.documentAlreadyIssued = try ledger.documentIssued(documentId: documentId)
            }
            lookups.catalogue = catalogue
            if let opened = Self.caseOpenedFacts(kind: header.kind, payload: payload) {
                if let citizenId = opened.citizenId, citizenId.count <= 100 {
                    lookups.namedRecord = try ledger.registerRecord(citizenId: citizenId)
                }
                lookups.personRecord = try ledger.registerRecord(personKey: opened.citizen.personKey)
            }
            let decision = ConflictRules.decide(header: header, payload: payload, state: state, lookups: lookups)
            switch decision {
            case .apply(let effect): try ledger.apply(effect, header: header)
            case .applyDisputed(let effect, let reason, let detail):
                try ledger.apply(effect, header: header)
                try ledger.openConflict(header: header, reason: reason, detail: detail)
            case .conflict(let reason, _, let detail):
                try ledger.openConflict(header: header, reason: reason, detail: detail)
            case .reject: break
            }
            result = Self.result(for: decision, seq: header.seq, txId: txId)
        } catch let error as EnvelopeError {
            if header.kind == TransactionKind.transactionLost.rawValue {
                return refused("the tombstone for seq \(header.seq) cannot be opened: \(error.description)")
            }
            result = IngestResult(seq: header.seq, txId: txId, outcome: .rejected, reason: error.description)
        }
        try ledger.record(envelope: envelope, bytes: bytes, hash: hash, result: result)
        if let recordedBy { try ledger.noteRecordedBy(recordedBy, header: header) }
        return (result, true)
    }

    /// The answer for an envelope whose seq or txId is already stored (pure): the stored answer as
    /// a duplicate when it is the very same envelope again, otherwise a refusal, since a txId or a
    /// seq reused for other content is a replayed or forged envelope, never a retry.
    static func answer(stored: StoredAnswer, header: TransactionHeader, txId: String, bytes: [UInt8]) -> (
        result: IngestResult, continueBatch: Bool
    ) {
        func refused(_ reason: String) -> (IngestResult, Bool) {
            (IngestResult(seq: header.seq, txId: txId, outcome: .refused, reason: reason), false)
        }
        guard stored.txId == txId else {
            return refused("seq \(header.seq) already holds another transaction: replayed or forged envelope")
        }
        guard stored.kitId == header.kitId, stored.seq == header.seq else {
            return refused(
                "txId \(txId) already belongs to transaction seq \(stored.seq) of kit \(stored.kitId): "
                    + "a txId cannot be used again (replayed or forged envelope)")
        }
        // A tombstone for an envelope that did reach the server (its answer was lost, then the
        // kit's copy was damaged): nothing is lost, the stored answer stands.
        let sameBytes =
            stored.envelope.isEmpty
            ? stored.chainHash == TransactionEnvelope.chainHash(ofEncoded: bytes) : stored.envelope == bytes
        guard sameBytes || header.kind == TransactionKind.transactionLost.rawValue else {
            return refused(
                "txId \(txId) (seq \(header.seq)) was received before with other content: "
                    + "a retry must send the same envelope (replayed or forged envelope)")
        }
        return (duplicate(of: stored), true)
    }

    static func duplicate(of stored: StoredAnswer) -> IngestResult {
        var result = stored.result
        result.originalOutcome = stored.result.outcome
        result.outcome = .duplicate
        return result
    }
}

extension IngestEngine {
    /// Gap, signature and chain checks against the kit's stored chain head (pure): the reason
    /// to refuse, or nil when the envelope may be decided.
    static func chainRefusal(_ envelope: TransactionEnvelope, chain: KitChainState) -> String? {
        let header = envelope.header
        guard header.seq == chain.lastSeq + 1 else {
            return "expected seq \(chain.lastSeq + 1), got \(header.seq)"
        }
        guard let key = try? P256.Signing.PublicKey(x963Representation: chain.signingKey) else {
            return "the kit's registered signing key is damaged"
        }
        do {
            try EnvelopeVerifier(kitSigningKey: key).verify(envelope, previousHash: chain.lastHash)
        } catch {
            return error.description
        }
        return nil
    }

    /// The chain hash a `transaction.lost` tombstone names for the envelope it replaces (pure):
    /// nil when the facts are unreadable or the hash is not a SHA-256.
    static func tombstoneChainHash(_ payload: [UInt8]) -> [UInt8]? {
        guard let facts = try? StepPayload.facts(StepPayload.TransactionLost.self, from: payload),
            let hash = Hex.decode(facts.originalHash), hash.count == SHA256.byteCount
        else { return nil }
        return hash
    }

    /// What the rules need looked up for this payload (pure).
    static func lookupKeys(kind: String, payload: [UInt8]) -> (citizenId: String?, documentId: String?) {
        switch TransactionKind(rawValue: kind) {
        case .addressChanged:
            return ((try? StepPayload.facts(StepPayload.AddressChange.self, from: payload))?.citizenId, nil)
        case .documentHandedOut:
            return (nil, (try? StepPayload.facts(StepPayload.DocumentHandOut.self, from: payload))?.documentId)
        default:
            return (nil, nil)
        }
    }

    /// The facts of a readable, not oversized `case.opened` (pure); nil for other kinds.
    static func caseOpenedFacts(kind: String, payload: [UInt8]) -> StepPayload.CaseOpened? {
        guard kind == TransactionKind.caseOpened.rawValue, payload.count <= ConflictRules.maximumCaseOpenedBytes
        else { return nil }
        return try? StepPayload.facts(StepPayload.CaseOpened.self, from: payload)
    }

    /// The answer for a rule decision (pure).
    static func result(for decision: RuleDecision, seq: UInt64, txId: String) -> IngestResult {
        switch decision {
        case .apply:
            return IngestResult(seq: seq, txId: txId, outcome: .applied)
        case .applyDisputed(_, let reason, let detail):
            // The kit learns of the dispute; the case is on the server all the same.
            return IngestResult(seq: seq, txId: txId, outcome: .conflict, conflict: reason, reason: detail)
        case .conflict(let reason, let currentVersion, let detail):
            return IngestResult(
                seq: seq, txId: txId, outcome: .conflict, conflict: reason, currentVersion: currentVersion,
                reason: detail)
        case .reject(let reason):
            return IngestResult(seq: seq, txId: txId, outcome: .rejected, reason: reason)
        }
    }
}
