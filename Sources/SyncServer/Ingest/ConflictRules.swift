import KitCore

/// What the server knows about a case when a transaction for it arrives: the inputs of the
/// conflict rules. Loaded by the store inside the ingest database transaction.
public struct CaseState: Sendable, Equatable {
    public var caseId: String
    public var version: UInt64
    public var assignedKit: String?
    public var open: Bool
    public var feeCents: Int
    public var feePaid: Bool
    /// Steps the case needs before it can be completed.
    public var requiredSteps: [CaseStep]
    /// Kinds of transactions already applied to this case.
    public var appliedKinds: Set<String>
    /// Card bindings of the applied identity checks of this case that matched its citizen.
    public var verifiedCardBindings: Set<String>

    public init(
        caseId: String, version: UInt64, assignedKit: String?, open: Bool, feeCents: Int, feePaid: Bool,
        requiredSteps: [CaseStep], appliedKinds: Set<String>, verifiedCardBindings: Set<String> = []
    ) {
        self.verifiedCardBindings = verifiedCardBindings
        self.caseId = caseId
        self.version = version
        self.assignedKit = assignedKit
        self.open = open
        self.feeCents = feeCents
        self.feePaid = feePaid
        self.requiredSteps = requiredSteps
        self.appliedKinds = appliedKinds
    }
}

/// The rules' other inputs, looked up by what the payload names.
public struct RuleLookups: Sendable, Equatable {
    /// Register record version of the citizen an address change names (nil: unknown citizen).
    public var registerVersion: UInt64?
    /// Whether the document a hand-out names was already handed out (by any kit).
    public var documentAlreadyIssued: Bool
    /// For a `case.opened`: the register record the kit named (found online), if it exists.
    public var namedRecord: RegisterRecord?
    /// For a `case.opened`: the register record with the walk-in's name and date of birth.
    public var personRecord: RegisterRecord?
    /// The services a walk-in case may be opened for.
    public var catalogue: ServiceCatalogue

    public init(
        registerVersion: UInt64? = nil, documentAlreadyIssued: Bool = false, namedRecord: RegisterRecord? = nil,
        personRecord: RegisterRecord? = nil, catalogue: ServiceCatalogue = .city
    ) {
        self.registerVersion = registerVersion
        self.documentAlreadyIssued = documentAlreadyIssued
        self.namedRecord = namedRecord
        self.personRecord = personRecord
        self.catalogue = catalogue
    }
}

/// The change a transaction makes when applied.
public enum RuleEffect: Sendable, Equatable {
    /// Evidence recorded (identity, signature, fingerprints, payment intent, declined payment).
    case recordOnly
    /// An identity check that matched the case's citizen: the card binding is kept for the case.
    case verifyIdentity(cardBinding: String)
    /// The fee is paid.
    case markFeePaid
    /// The register record gets a new address and version + 1.
    case changeAddress(citizenId: String, address: CaseSnapshot.Address)
    /// The document is handed out.
    case issueDocument(documentId: String)
    /// The case is closed.
    case closeCase
    /// A walk-in case opened at the counter is created, assigned to the kit that opened it.
    case openCase(CaseSnapshot)
}

/// The verdict for one transaction.
public enum RuleDecision: Sendable, Equatable {
    case apply(RuleEffect)
    case conflict(ConflictReason, currentVersion: UInt64, reason: String)
    /// Applied, and a conflict opened beside it for the back office (a walk-in case whose citizen
    /// the register knows otherwise: the case and its steps are kept, the data is disputed).
    case applyDisputed(RuleEffect, ConflictReason, reason: String)
    case reject(String)
}

/// The server's conflict rules (ARCHITECTURE.md, "Conflict rules"): deterministic, a pure
/// function of the transaction and the stored state. No wall clock goes in, so a kit whose
/// clock is wrong gets the same decisions.
public enum ConflictRules {
    /// Transaction kinds that only record evidence. A cancelled device step and a visit that could
    /// not take place change nothing: the case stays open for the back office to plan again.
    static let evidence: Set<TransactionKind> = [
        .signatureCaptured, .fingerprintsCaptured, .paymentIntent, .signatureImpossible, .stepCancelled,
        .visitImpossible,
    ]

    /// The step a kind proves, for "case completed needs all mandatory steps".
    static let proves: [TransactionKind: CaseStep] = [
        .identityChecked: .identify, .signatureCaptured: .sign, .paymentOutcome: .pay,
        .fingerprintsCaptured: .fingerprints, .addressChanged: .updateAddress, .documentHandedOut: .handOutDocument,
        // A citizen who cannot sign: the reason and a witness note stand in for the signature.
        .signatureImpossible: .sign,
        .photoCaptured: .photo,
    ]

    public static func decide(
        header: TransactionHeader, payload: [UInt8], state: CaseState?, lookups: RuleLookups
    ) -> RuleDecision {
        guard let kind = TransactionKind(rawValue: header.kind) else {
            return .reject("unknown transaction kind \(header.kind)")
        }
        if kind == .transactionLost {
            // Whatever the case's state: the back office must learn that a step is lost.
            let lost = try? StepPayload.facts(StepPayload.TransactionLost.self, from: payload)
            return .conflict(
                .damagedOnKit, currentVersion: state?.version ?? 0,
                reason:
                    "transaction \(header.seq) (\(lost?.originalKind ?? "unknown kind")) was damaged in the kit's queue "
                    + "and is lost: \(lost?.damage ?? "no detail"); redo the step or document it")
        }
        if kind == .kitHandedOver {
            // About the kit, not a case: who had it from when (issue #17).
            guard header.caseId == TransactionKind.kitCaseId(header.kitId),
                (try? StepPayload.facts(StepPayload.HandOver.self, from: payload)) != nil
            else { return .reject("a hand-over names kit:\(header.kitId) as its case and says to whom") }
            return .apply(.recordOnly)
        }
        if kind == .caseOpened {
            return decideCaseOpened(header: header, payload: payload, state: state, lookups: lookups)
        }
        guard let state else { return .reject("case \(header.caseId) is unknown to the server") }
        guard state.assignedKit == header.kitId else {
            return .reject("case \(header.caseId) is not assigned to kit \(header.kitId)")
        }
        guard state.open else {
            return .conflict(
                .caseClosed, currentVersion: state.version, reason: "the case was closed before this step arrived")
        }
        if evidence.contains(kind) { return .apply(.recordOnly) }
        switch kind {
        case .photoCaptured:
            // Evidence like a finger set, but only with the image its signed facts name.
            if let problem = StepPayload.Photo.bindingProblem(payload: payload) { return .reject(problem) }
            return .apply(.recordOnly)
        case .paymentOutcome:
            guard let payment = try? StepPayload.facts(StepPayload.Payment.self, from: payload) else {
                return .reject("payment outcome payload cannot be read")
            }
            guard payment.approved else { return .apply(.recordOnly) }
            guard !state.feePaid else {
                return .conflict(
                    .doublePayment, currentVersion: state.version,
                    reason:
                        "the fee was already paid: refund \(payment.amountCents) cents (trace \(payment.trace ?? "?"))")
            }
            return .apply(.markFeePaid)
        case .paymentDeferred:
            guard let deferred = try? StepPayload.facts(StepPayload.PaymentDeferred.self, from: payload),
                StepPayload.PaymentDeferred.methods.contains(deferred.method)
            else {
                return .reject("payment deferral payload cannot be read")
            }
            guard !state.feePaid else {
                return .conflict(
                    .doublePayment, currentVersion: state.version,
                    reason:
                        "the fee was already paid by card: do not send the \(deferred.method) over "
                        + "\(deferred.amountCents) cents")
            }
            return .apply(.recordOnly)
        case .identityChecked:
            guard let check = try? StepPayload.facts(StepPayload.IdentityCheck.self, from: payload),
                let binding = check.verifiedCardBinding
            else {
                // A mismatch, an override or an older kit's check: evidence, but no card is bound.
                return .apply(.recordOnly)
            }
            return .apply(.verifyIdentity(cardBinding: binding))
        case .addressChanged:
            guard let change = try? StepPayload.facts(StepPayload.AddressChange.self, from: payload) else {
                return .reject("address change payload cannot be read")
            }
            guard let binding = change.cardBinding, state.verifiedCardBindings.contains(binding) else {
                return .conflict(
                    .identityUnverified, currentVersion: state.version,
                    reason: change.cardBinding == nil
                        ? "the address change names no ID card: no matching identity check binds it to the citizen"
                        : "no applied identity check of this case matched the citizen with the card written to")
            }
            guard !state.appliedKinds.contains(TransactionKind.addressChanged.rawValue) else {
                return .conflict(
                    .addressAlreadyChanged, currentVersion: state.version,
                    reason: "the address of this case was already changed; a second change is not applied")
            }
            guard let current = lookups.registerVersion else {
                return .reject("citizen \(change.citizenId) is not in the register")
            }
            guard current == header.baseVersion else {
                return .conflict(
                    .staleBase, currentVersion: current,
                    reason:
                        "the register record changed meanwhile (version \(current), the kit saw \(header.baseVersion))")
            }
            return .apply(.changeAddress(citizenId: change.citizenId, address: change.newAddress))
        case .documentHandedOut:
            guard let handOut = try? StepPayload.facts(StepPayload.DocumentHandOut.self, from: payload) else {
                return .reject("document hand-out payload cannot be read")
            }
            guard !lookups.documentAlreadyIssued else {
                return .conflict(
                    .doubleIssuance, currentVersion: state.version,
                    reason: "document \(handOut.documentId) was already handed out")
            }
            return .apply(.issueDocument(documentId: handOut.documentId))
        case .caseCompleted:
            let done = Set(state.appliedKinds.compactMap { TransactionKind(rawValue: $0).flatMap { proves[$0] } })
            let missing = state.requiredSteps.filter { step in
                switch step {
                case .complete: return false
                // A declined payment is recorded but does not pay the fee; a fee notice or an
                // invoice (payment.deferred) settles the step, the cash office collects.
                case .pay:
                    return
                        !(state.feePaid || state.feeCents == 0
                        || state.appliedKinds.contains(TransactionKind.paymentDeferred.rawValue))
                default: return !done.contains(step)
                }
            }
            guard missing.isEmpty else {
                return .conflict(
                    .incomplete, currentVersion: state.version,
                    reason: "mandatory steps missing: " + missing.map(\.rawValue).joined(separator: ", "))
            }
            return .apply(.closeCase)
        case .signatureCaptured, .fingerprintsCaptured, .paymentIntent, .transactionLost, .signatureImpossible,
            .stepCancelled, .visitImpossible, .kitHandedOver, .caseOpened:
            return .apply(.recordOnly)
        }
    }
}
