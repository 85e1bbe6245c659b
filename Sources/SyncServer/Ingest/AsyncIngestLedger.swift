import Crypto
import Foundation
import KitCore

/// ``IngestLedger`` for stores whose database driver is asynchronous (PostgreSQL): the same
/// operations, all inside one database transaction that the store opens.
///
/// Lookups that a decision rests on lock what they read (`FOR UPDATE`), so two server processes
/// deciding about the same kit, case, register record or document take turns.
public protocol AsyncIngestLedger {
    func chainState(kitId: String) async throws -> KitChainState?
    func answer(kitId: String, seq: UInt64) async throws -> StoredAnswer?
    func answer(txId: String) async throws -> StoredAnswer?
    func caseState(caseId: String) async throws -> CaseState?
    func registerVersion(citizenId: String) async throws -> UInt64?
    /// The register record with this id (walk-in cases, issue #20).
    func registerRecord(citizenId: String) async throws -> RegisterRecord?
    /// The register record of a person by ``WalkInCitizen/personKey`` (walk-in cases, issue #20).
    func registerRecord(personKey: String) async throws -> RegisterRecord?
    func documentIssued(documentId: String) async throws -> Bool
    /// Stores the transaction with its answer and moves the kit's chain head.
    func record(envelope: TransactionEnvelope, bytes: [UInt8], hash: [UInt8], result: IngestResult) async throws
    /// Applies an effect of an applied transaction.
    func apply(_ effect: RuleEffect, header: TransactionHeader) async throws
    /// Opens a conflict for back office.
    func openConflict(header: TransactionHeader, reason: ConflictReason, detail: String) async throws
    /// Records which clerk the kit says recorded the step (issue #17; from the sealed facts).
    func noteRecordedBy(_ clerk: Clerk, header: TransactionHeader) async throws
}

extension IngestEngine {
    /// The same orchestration as ``process(bytes:authenticatedKit:ledger:)`` (the synchronous
    /// one) for an ``AsyncIngestLedger``, step for step: decode, kit check, dedupe by seq then
    /// txId, gap check, signature and chain, open, rules, record. The decisions themselves are
    /// the shared pure pieces (``ConflictRules/decide(header:payload:state:lookups:)``,
    /// ``duplicate(of:)``, ``EnvelopeVerifier``, ``opener``); both stores run the same
    /// conformance tests, which keep the two orchestrations equal.
    public func process(bytes: [UInt8], authenticatedKit: String, ledger: some AsyncIngestLedger) async throws -> (
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
        guard let chain = try await ledger.chainState(kitId: header.kitId), chain.active else {
            return refused("kit \(header.kitId) is not enrolled or was revoked")
        }
        if let stored = try await ledger.answer(kitId: header.kitId, seq: header.seq) {
            return Self.answer(stored: stored, header: header, txId: txId, bytes: bytes)
        }
        if let stored = try await ledger.answer(txId: txId) {
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
            let state = try await ledger.caseState(caseId: header.caseId)
            let keys = Self.lookupKeys(kind: header.kind, payload: payload)
            var lookups = RuleLookups()
            if let citizenId = keys.citizenId {
                lookups.registerVersion = try await ledger.registerVersion(citizenId: citizenId)
            }
            if let documentId = keys.documentId {
                lookups.documentAlreadyIssued = try await ledger.documentIssued(documentId: documentId)
            }
            lookups.catalogue = catalogue
            if let opened = Self.caseOpenedFacts(kind: header.kind, payload: payload) {
                if let citizenId = opened.citizenId, citizenId.count <= 100 {
                    lookups.namedRecord = try await ledger.registerRecord(citizenId: citizenId)
                }
                lookups.personRecord = try await ledger.registerRecord(personKey: opened.citizen.personKey)
            }
            let decision = ConflictRules.decide(header: header, payload: payload, state: state, lookups: lookups)
            switch decision {
            case .apply(let effect): try await ledger.apply(effect, header: header)
            case .applyDisputed(let effect, let reason, let detail):
                try await ledger.apply(effect, header: header)
                try await ledger.openConflict(header: header, reason: reason, detail: detail)
            case .conflict(let reason, _, let detail):
                try await ledger.openConflict(header: header, reason: reason, detail: detail)
            case .reject: break
            }
            result = Self.result(for: decision, seq: header.seq, txId: txId)
        } catch let error as EnvelopeError {
            if header.kind == TransactionKind.transactionLost.rawValue {
                return refused("the tombstone for seq \(header.seq) cannot be opened: \(error.description)")
            }
            result = IngestResult(seq: header.seq, txId: txId, outcome: .rejected, reason: error.description)
        }
        try await ledger.record(envelope: envelope, bytes: bytes, hash: hash, result: result)
        if let recordedBy { try await ledger.noteRecordedBy(recordedBy, header: header) }
        return (result, true)
    }
}
