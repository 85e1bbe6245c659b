import KitCore

/// The home visit of one case as a state machine over its steps (identify, sign, pay, take
/// fingerprints, update the address on the card, hand out the document, complete).
///
/// There is no separate "workflow state" to lose in a crash: a step is done exactly when its
/// transaction is in the outbox (for a payment: an approved one), and that commit is atomic. After a
/// crash at any point the case therefore resumes at the first step whose transaction is missing —
/// a step interrupted half-way simply has none and runs again.
///
/// The order shown to the clerk is the case's order; the hard rules are the dependencies: the
/// address is changed and a document handed out only after the identity check, a document with
/// fees only after payment, and the case completes only when every other step is done.
///
/// Identity binds the card: the identity step is done only when the latest check matched the
/// case's citizen, or the clerk recorded a documented override. After a mismatch every later step
/// that rests on the identity waits; after an override they may follow, except writing the
/// address to the chip, which needs a matching card.
public struct CaseWorkflow: Sendable, Equatable, Codable {
    /// How a step stands.
    public enum Status: String, Codable, Sendable {
        /// Its transaction is recorded.
        case done
        /// The next step to do.
        case current
        /// Can be done now, but comes later in the case's order.
        case ready
        /// Waits for other steps (see `waitsFor`).
        case blocked
        /// A payment was sent to the terminal and its outcome is not yet known: never pay again.
        case awaitingTerminal = "awaiting-terminal"
    }

    /// One step of the case.
    public struct Step: Codable, Sendable, Equatable {
        public var step: CaseStep
        public var status: Status
        /// The outbox seq of the transaction that completed it.
        public var seq: UInt64?
        /// The steps it waits for.
        public var waitsFor: [CaseStep]
    }

    /// What the outbox and the payment ledger say about one case.
    public struct Record: Sendable, Equatable {
        /// Recorded transactions of the case: kind and seq, oldest first.
        public var transactions: [(kind: String, seq: UInt64)]
        /// Payment outcomes that were not approved (their seqs), from the payment ledger.
        public var unapprovedPaymentOutcomes: Set<UInt64>
        /// A payment intent whose outcome is unknown.
        public var paymentPending: Bool
        /// How each identity check came out, by seq (a check without an entry proves nothing).
        public var identityOutcomes: [UInt64: IdentityStanding]

        public init(
            transactions: [(kind: String, seq: UInt64)], unapprovedPaymentOutcomes: Set<UInt64> = [],
            paymentPending: Bool = false, identityOutcomes: [UInt64: IdentityStanding] = [:]
        ) {
            self.identityOutcomes = identityOutcomes
            self.transactions = transactions
            self.unapprovedPaymentOutcomes = unapprovedPaymentOutcomes
            self.paymentPending = paymentPending
        }

        public static func == (lhs: Record, rhs: Record) -> Bool {
            lhs.transactions.map(\.kind) == rhs.transactions.map(\.kind)
                && lhs.transactions.map(\.seq) == rhs.transactions.map(\.seq)
                && lhs.unapprovedPaymentOutcomes == rhs.unapprovedPaymentOutcomes
                && lhs.paymentPending == rhs.paymentPending && lhs.identityOutcomes == rhs.identityOutcomes
        }
    }

    public let caseId: String
    public let steps: [Step]
    /// How the citizen's identity stands after the latest identity check (nil: none yet).
    public let identity: IdentityStanding?
    /// The visit was recorded as impossible (`visit.impossible`): no further step on this visit.
    public let visitImpossible: Bool

    enum CodingKeys: String, CodingKey {
        case caseId, steps, identity, visitImpossible
    }

    /// The next step to do, nil when the case is completed.
    public var current: CaseStep? { steps.first { $0.status == .current }?.step }
    public var isCompleted: Bool { steps.contains { $0.step == .complete && $0.status == .done } }

    /// The transaction kind that completes `step`.
    public static func kind(of step: CaseStep) -> TransactionKind {
        switch step {
        case .identify: return .identityChecked
        case .sign: return .signatureCaptured
        case .pay: return .paymentOutcome
        case .fingerprints: return .fingerprintsCaptured
        case .updateAddress: return .addressChanged
        case .handOutDocument: return .documentHandedOut
        case .complete: return .caseCompleted
        }
    }

    /// The step a transaction kind belongs to (`payment.intent` belongs to none: it starts `pay`).
    /// The ways out stand in for their step: "cannot sign" with a witness note for the signature,
    /// a fee notice or invoice (`payment.deferred`) for the card payment.
    public static func step(of kind: TransactionKind) -> CaseStep? {
        switch kind {
        case .signatureImpossible: return .sign
        case .paymentDeferred: return .pay
        default: return CaseStep.allCases.first { Self.kind(of: $0) == kind }
        }
    }

    public init(snapshot: CaseSnapshot, record: Record) {
        caseId = snapshot.caseId
        let hasFees = snapshot.fees.contains { $0.amountCents > 0 }
        var doneSeq: [CaseStep: UInt64] = [:]
        for transaction in record.transactions {
            guard let kind = TransactionKind(rawValue: transaction.kind), let step = Self.step(of: kind) else {
                continue
            }
            if step == .pay, record.unapprovedPaymentOutcomes.contains(transaction.seq) { continue }
            if step == .identify { continue }
            if doneSeq[step] == nil { doneSeq[step] = transaction.seq }
        }
        // The latest identity check decides; one without a recorded outcome proves nothing.
        let latestCheck = record.transactions.last { $0.kind == TransactionKind.identityChecked.rawValue }
        let identity = latestCheck.map { record.identityOutcomes[$0.seq] ?? .mismatched }
        if let latestCheck, identity != .mismatched { doneSeq[.identify] = latestCheck.seq }
        self.identity = identity
        let ended = record.transactions.contains { $0.kind == TransactionKind.visitImpossible.rawValue }
        visitImpossible = ended
        let listed = snapshot.steps
        func prerequisites(_ step: CaseStep) -> [CaseStep] {
            switch step {
            case .identify, .sign, .pay, .fingerprints: return []
            case .updateAddress: return [.identify].filter(listed.contains)
            case .handOutDocument: return ([.identify] + (hasFees ? [.pay] : [])).filter(listed.contains)
            case .complete: return listed.filter { $0 != .complete }
            }
        }
        var result: [Step] = []
        var currentTaken = false
        for step in listed {
            if let seq = doneSeq[step] {
                result.append(Step(step: step, status: .done, seq: seq, waitsFor: []))
                continue
            }
            var missing = prerequisites(step).filter { doneSeq[$0] == nil }
            // An override never unlocks writing to the chip.
            if step == .updateAddress, identity == .overridden { missing = [.identify] }
            let status: Status
            if ended {
                status = .blocked
            } else if step == .pay && record.paymentPending {
                status = .awaitingTerminal
            } else if !missing.isEmpty {
                status = .blocked
            } else if !currentTaken {
                status = .current
                currentTaken = true
            } else {
                status = .ready
            }
            result.append(Step(step: step, status: status, seq: nil, waitsFor: missing))
        }
        steps = result
    }

    /// Whether a transaction of `kind` may be recorded now; the refusal says what to do first.
    public func mayRecord(_ kind: TransactionKind) -> WorkflowRefusal? {
        if visitImpossible, kind != .stepCancelled, kind != .transactionLost { return .visitEnded }
        guard let step = Self.step(of: kind) else { return nil }
        guard let entry = steps.first(where: { $0.step == step }) else {
            return .notInCase(step: step)
        }
        switch entry.status {
        case .done, .current, .ready: return nil
        case .awaitingTerminal: return .paymentPending
        case .blocked:
            if step == .updateAddress, identity == .overridden { return .identityOverridden }
            if entry.waitsFor.contains(.identify), identity == .mismatched { return .identityMismatch(step: step) }
            return .waitsFor(step: step, missing: entry.waitsFor)
        }
    }
}

/// Why the workflow refuses a step now, in words for the clerk.
public enum WorkflowRefusal: Error, Equatable, CustomStringConvertible {
    case notInCase(step: CaseStep)
    case waitsFor(step: CaseStep, missing: [CaseStep])
    case paymentPending
    /// The last ID card checked did not match the case's citizen.
    case identityMismatch(step: CaseStep)
    /// The identity was overridden by the clerk: nothing is written to a chip.
    case identityOverridden
    /// The visit was recorded as impossible: the back office plans a new one.
    case visitEnded

    public var description: String {
        switch self {
        case .notInCase(let step):
            return "this case has no step \"\(step.rawValue)\"; check the case in the back office"
        case .waitsFor(let step, let missing):
            return "\"\(step.rawValue)\" comes after " + missing.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                + ": do that first"
        case .paymentPending:
            return "a card payment for this case is still open at the terminal; the kit is asking the terminal"
        case .identityMismatch(let step):
            return "Der geprüfte Ausweis gehört nicht zu diesem Vorgang: Prüfen Sie den richtigen Ausweis erneut oder "
                + "dokumentieren Sie die Abweichung. (\"\(step.rawValue)\" waits for a matching identity check)"
        case .visitEnded:
            return "the visit was recorded as impossible (visit.impossible): no further step on this visit"
        case .identityOverridden:
            return "Nach einer dokumentierten Abweichung wird nichts auf einen Ausweis geschrieben. Prüfen Sie den "
                + "Ausweis der Person dieses Vorgangs erneut. (identity overridden: no chip write)"
        }
    }
}
