import Foundation
import KitCore

/// Records a completed step of a checked-out case as one outbox transaction. The step's base
/// version is the case version the kit holds (for an address change: the register version), so
/// the server's conflict rules can judge it. Returns only after the transaction is on disk.
public struct StepRecorder: Sendable {
    let runtime: KitRuntime

    public init(runtime: KitRuntime) {
        self.runtime = runtime
    }

    /// A step as the local API receives it: its kind and the facts the server's rules need.
    public struct Step: Codable, Sendable {
        public var caseId: String
        public var kind: TransactionKind
        /// JSON facts (see ``StepPayload``); `{}` for evidence-only steps.
        public var facts: [String: String]?
        public var amountCents: Int?
        public var approved: Bool?

        public init(
            caseId: String, kind: TransactionKind, facts: [String: String]? = nil, amountCents: Int? = nil,
            approved: Bool? = nil
        ) {
            self.caseId = caseId
            self.kind = kind
            self.facts = facts
            self.amountCents = amountCents
            self.approved = approved
        }
    }

    /// The shortest witness note or free-text reason accepted: a sentence, not a tick.
    public static let minimumNoteLength = 10
    /// The longest: a note, not a document (the payload is sealed and sent over a thin link).
    public static let maximumNoteLength = 1000

    /// Steps that only the ID card may record: through ``IdentityStation``, never from a form.
    public static let cardSteps: Set<TransactionKind> = [.identityChecked, .addressChanged]

    public func record(_ step: Step) async throws(StepError) -> Outbox.Receipt {
        // Identity binds the card: an identity check or an address change without the card would
        // let an address reach the register that no card check backs.
        guard !Self.cardSteps.contains(step.kind) else { throw .needsCard(step.kind) }
        guard let outbox = runtime.outbox else { throw .notReady(runtime.outboxProblem ?? "outbox unavailable") }
        // Only the outbox itself writes tombstones, for envelopes it found damaged; only the camera
        // (PhotoStation) records a photo, so no image from elsewhere can take its place (#22); a
        // hand-over of the kit is recorded by the unlock of another clerk.
        guard step.kind != .transactionLost, step.kind != .photoCaptured, step.kind != .kitHandedOver else {
            throw .notRecordable(step.kind)
        }
        // A cancellation is recorded by the cancel of a running device step, not from a form.
        guard step.kind != .stepCancelled else { throw .notRecordable(step.kind) }
        // A walk-in case is opened by the counter's "Vorsprache" (WalkInDesk), before its steps.
        guard step.kind != .caseOpened else { throw .notRecordable(step.kind) }
        let snapshot: CaseSnapshot
        do { snapshot = try await runtime.cases.snapshot(caseId: step.caseId) } catch { throw .caseUnavailable(error) }
        let baseVersion = snapshot.version
        let payload: [UInt8]
        do {
            switch step.kind {
            case .paymentOutcome:
                let fee = snapshot.fees.reduce(0) { $0 + $1.amountCents }
                payload = try StepPayload.compose(
                    facts: StepPayload.Payment(
                        approved: step.approved ?? true, amountCents: step.amountCents ?? fee,
                        trace: step.facts?["trace"]))
            case .signatureImpossible, .paymentDeferred, .visitImpossible:
                payload = try StepPayload.compose(facts: try Self.wayOutFacts(step, snapshot: snapshot))
            case .documentHandedOut:
                guard let document = step.facts?["documentId"] ?? snapshot.documents.first?.documentId else {
                    throw StepError.missingFacts("documentId")
                }
                payload = try StepPayload.compose(facts: StepPayload.DocumentHandOut(documentId: document))
            default:
                payload = try StepPayload.compose(facts: step.facts ?? [:])
            }
        } catch let error as StepError {
            throw error
        } catch {
            throw .missingFacts("\(error)")
        }
        do {
            return try outbox.enqueue(
                caseId: step.caseId, kind: step.kind.rawValue, baseVersion: baseVersion, payload: payload)
        } catch {
            throw .outbox(error)
        }
    }
}

/// Why a step could not be recorded.
public enum StepError: Error, CustomStringConvertible {
    case notReady(String)
    case caseUnavailable(CaseStoreError)
    case missingFacts(String)
    /// A fact the clerk fills in is missing or invalid: `what` names it in German.
    case factsInvalid(what: String, detail: String)
    case outbox(OutboxError)
    /// A kind only the kit itself records.
    case notRecordable(TransactionKind)
    /// The step is recorded only with the ID card on the reader (`identity`, `address`).
    case needsCard(TransactionKind)

    public var description: String {
        switch self {
        case .notReady(let reason): return "the kit cannot record steps yet: \(reason)"
        case .notRecordable(let kind): return "\(kind.rawValue) is recorded by the kit itself, not as a step"
        case .caseUnavailable(let error): return error.description
        case .missingFacts(let what): return "the step needs \(what)"
        case .factsInvalid(_, let detail): return "the step's facts are invalid: \(detail)"
        case .outbox(let error): return error.description
        case .needsCard(let kind):
            return "Dieser Schritt geht nur mit dem Ausweis auf dem Lesegerät. (\(kind.rawValue) is recorded only "
                + "through the ID-card steps: POST /v1/cases/{caseId}/identity or /address, kit-agent identity or address)"
        }
    }
}
