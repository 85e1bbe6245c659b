/// The kinds of transaction a home visit produces (ARCHITECTURE.md, "Conflict rules"). The
/// envelope carries the raw value, so a newer kit's kind reaches an older server as a clear
/// "unknown kind" rejection instead of a decoding failure.
public enum TransactionKind: String, Sendable, Codable, CaseIterable {
    /// The citizen was identified from the ID card.
    case identityChecked = "identity.checked"
    /// A signature was captured on the pad, bound to the signed text.
    case signatureCaptured = "signature.captured"
    /// A payment is about to be sent to the EC terminal (committed before 06 01).
    case paymentIntent = "payment.intent"
    /// The EC terminal answered a payment (approved, declined or aborted).
    case paymentOutcome = "payment.outcome"
    /// A finger set was captured (WSQ in ISO/IEC 19794-4 records).
    case fingerprintsCaptured = "fingerprints.captured"
    /// A biometric photo was taken by the kit's camera (ISO/IEC 19794-5 record; the SHA-256 of its
    /// image is in the signed facts, so no other image can take its place).
    case photoCaptured = "photo.captured"
    /// The address was changed on the ID card and in the register.
    case addressChanged = "address.changed"
    /// A document was handed out to the citizen.
    case documentHandedOut = "document.handed-out"
    /// The clerk completed the case.
    case caseCompleted = "case.completed"
    /// The clerk cancelled a running device step (the pad, scanner or card reader was cleared);
    /// nothing of the step was captured.
    case stepCancelled = "step.cancelled"
    /// The citizen cannot sign: the reason and a witness note instead of a signature.
    case signatureImpossible = "signature.impossible"
    /// The fee is not paid by card: a fee notice or an invoice follows (after a decline, say).
    case paymentDeferred = "payment.deferred"
    /// The visit could not take place (nobody at home, cancelled, …); the case stays open.
    case visitImpossible = "visit.impossible"
    /// The kit found a queued envelope damaged before sending it and sends this signed tombstone
    /// in its place (seq and chain position of the lost one); the server records a
    /// `damaged_on_kit` conflict for the back office (docs/envelope.md, "Tombstones").
    case transactionLost = "transaction.lost"
    /// The kit passed from one clerk to another (issue #17): who had kit 07 on Tuesday at 14:10.
    /// Not about a case: its case id is ``kitCaseId(_:)``.
    case kitHandedOver = "kit.handed-over"
    /// A walk-in case opened at the counter (issue #20, "Vorsprache"): the citizen and the
    /// service; it comes before the case's steps in the kit's chain.
    case caseOpened = "case.opened"
}

extension TransactionKind {
    /// The case id of a kit's own transactions (hand-overs): `kit:<kit id>`.
    public static func kitCaseId(_ kitId: String) -> String { "kit:\(kitId)" }
}
