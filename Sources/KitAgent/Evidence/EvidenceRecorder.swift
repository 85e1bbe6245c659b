import Crypto
import GRDB
import KitCore
import KitDrivers

/// Turns what a device produced for a case into exactly one sealed outbox transaction: a signature
/// bound to its text (`signature.captured`, ISO/IEC 19794-7 + PNG) or a finger set
/// (`fingerprints.captured`, ISO/IEC 19794-4 with WSQ, BSI TR-03121-3). Everything is checked
/// before the single `enqueue`, so a failure leaves the outbox as it was.
public struct EvidenceRecorder: Sendable {
    let runtime: KitRuntime

    public init(runtime: KitRuntime) {
        self.runtime = runtime
    }

    /// Records a captured signature after checking that it is bound to `signedText`.
    public func recordSignature(
        caseId: String, signedText: String, capture: SignatureRecordCapture, padModel: String? = nil
    ) async throws(EvidenceError) -> Outbox.Receipt {
        let digest = Array(SHA256.hash(data: Array(signedText.utf8)))
        guard capture.documentSHA256 == digest else { throw .bindingBroken }
        for representation in capture.record.representations {
            guard SignatureRecordCapture.embeddedDigest(in: representation.extendedData) == digest else {
                throw .bindingBroken
            }
        }
        let attachment: [UInt8]
        do {
            attachment = try capture.sealingPayload()
            // What the server will read must read back here, before it is sealed for good.
            _ = try SignatureRecordCapture(sealingPayload: attachment)
        } catch {
            throw .signatureRecord(error)
        }
        let facts = StepPayload.Signature(
            documentSHA256: Hex.encode(digest),
            sampleCount: capture.record.representations.reduce(0) { $0 + $1.points.count }, padModel: padModel)
        return try await enqueue(caseId: caseId, kind: .signatureCaptured, facts: facts, attachment: attachment)
    }

    /// Records a finger set (kept and skipped fingers) as one transaction.
    public func recordFingerprints(caseId: String, set: FingerprintSet) async throws(EvidenceError) -> Outbox.Receipt {
        guard !set.entries.isEmpty else { throw .emptyFingerprintSet }
        let attachment: [UInt8]
        do { attachment = try set.payload() } catch { throw .fingerprintEncoding("\(error)") }
        let facts = StepPayload.FingerprintSet(
            kept: set.keptFingers.map {
                .init(
                    position: String(describing: $0.position), score: $0.quality.score,
                    meetsThreshold: $0.meetsQualityThreshold)
            },
            skipped: set.skippedFingers.map {
                .init(position: String(describing: $0.position), reason: $0.reason.rawValue)
            },
            scanner: set.scanner.map { "\($0.backend)/\($0.driver)" })
        return try await enqueue(caseId: caseId, kind: .fingerprintsCaptured, facts: facts, attachment: attachment)
    }

    private func enqueue(
        caseId: String, kind: TransactionKind, facts: some Encodable, attachment: [UInt8]
    ) async throws(EvidenceError) -> Outbox.Receipt {
        let snapshot: CaseSnapshot
        do { snapshot = try await runtime.cases.snapshot(caseId: caseId) } catch { throw .caseUnavailable(error) }
        return try await enqueue(
            caseId: caseId, kind: kind, baseVersion: snapshot.version, facts: facts, attachment: attachment)
    }

    /// Seals `facts` (and an optional binary attachment) as one transaction of `kind`; `alongside`
    /// runs in the same write transaction (local notes that must commit with it or not at all) and
    /// may refuse by throwing an ``EvidenceError``: then nothing is recorded.
    func enqueue(
        caseId: String, kind: TransactionKind, baseVersion: UInt64, facts: some Encodable, attachment: [UInt8] = [],
        alongside: (Database, Outbox.Receipt) throws -> Void = { _, _ in }
    ) async throws(EvidenceError) -> Outbox.Receipt {
        guard let outbox = runtime.outbox else { throw .notReady(runtime.outboxProblem ?? "outbox unavailable") }
        let payload: [UInt8]
        do {
            payload = try StepPayload.compose(facts: facts, attachment: attachment)
        } catch {
            throw .fingerprintEncoding("\(error)")
        }
        var refusal: EvidenceError?
        do {
            return try outbox.enqueue(
                caseId: caseId, kind: kind.rawValue, baseVersion: baseVersion, payload: payload
            ) { db, receipt in
                do {
                    try alongside(db, receipt)
                } catch let error as EvidenceError {
                    refusal = error
                    throw error
                }
            }
        } catch {
            throw refusal ?? .outbox(error)
        }
    }
}
