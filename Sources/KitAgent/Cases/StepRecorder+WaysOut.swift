import Foundation
import KitCore

extension StepRecorder {
    /// The facts of a way out of a visit (issue #20), checked: `signature.impossible` (reason and a
    /// witness note), `payment.deferred` (fee notice or invoice over the case's fees),
    /// `visit.impossible` (reason, a note for `other`). What the clerk must fix is named in German.
    static func wayOutFacts(_ step: Step, snapshot: CaseSnapshot) throws(StepError) -> any Encodable & Sendable {
        switch step.kind {
        case .signatureImpossible:
            let reason = step.facts?["reason"] ?? ""
            let witness = (step.facts?["witnessNote"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard StepPayload.SignatureImpossible.reasons.contains(reason) else {
                throw .factsInvalid(
                    what: "Grund", detail: "reason must be one of cannot-write, cannot-read, other")
            }
            guard (Self.minimumNoteLength...Self.maximumNoteLength).contains(witness.count) else {
                throw .factsInvalid(
                    what: "Zeugenvermerk (\(Self.minimumNoteLength) bis \(Self.maximumNoteLength) Zeichen)",
                    detail: "witnessNote needs \(Self.minimumNoteLength) to \(Self.maximumNoteLength) characters")
            }
            return StepPayload.SignatureImpossible(reason: reason, witnessNote: witness)
        case .paymentDeferred:
            let method = step.facts?["method"] ?? ""
            guard StepPayload.PaymentDeferred.methods.contains(method) else {
                throw .factsInvalid(
                    what: "Zahlungsart", detail: "method must be fee-notice or invoice")
            }
            let fee = snapshot.fees.reduce(0) { $0 + $1.amountCents }
            guard fee > 0 else {
                throw .factsInvalid(what: "Gebühr", detail: "the case lists no fee to defer")
            }
            return StepPayload.PaymentDeferred(method: method, amountCents: fee)
        case .visitImpossible:
            let reason = step.facts?["reason"] ?? ""
            let note = step.facts?["note"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard StepPayload.VisitImpossible.reasons.contains(reason) else {
                throw .factsInvalid(
                    what: "Grund",
                    detail: "reason must be one of "
                        + StepPayload.VisitImpossible.reasons.sorted().joined(separator: ", "))
            }
            guard (note?.count ?? 0) <= Self.maximumNoteLength else {
                throw .factsInvalid(
                    what: "Vermerk (höchstens \(Self.maximumNoteLength) Zeichen)",
                    detail: "the note has more than \(Self.maximumNoteLength) characters")
            }
            guard reason != "other" || (note?.count ?? 0) >= Self.minimumNoteLength else {
                throw .factsInvalid(
                    what: "Vermerk (mindestens \(Self.minimumNoteLength) Zeichen)",
                    detail: "reason other needs a note of at least \(Self.minimumNoteLength) characters")
            }
            return StepPayload.VisitImpossible(reason: reason, note: note?.isEmpty == true ? nil : note)
        default:
            throw .notRecordable(step.kind)
        }
    }
}
