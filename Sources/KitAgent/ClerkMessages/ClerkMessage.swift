/// Every text the kit agent shows a clerk, by key. The German wording is in
/// ``ClerkMessageCatalogue``; code names only keys (and the English detail for IT). A test checks
/// that every key has a text, every placeholder is filled and no key is unused.
public enum ClerkMessage: String, CaseIterable, Sendable, Codable {
    // The case on this kit
    case caseLocked
    case caseNotOnKit
    case caseDamaged
    case storageFailed
    // Unlocking the kit
    case unlockWrongSecret
    case unlockWrongSecretWait
    case unlockLockedOut
    case unlockNotInitialized
    case unlockAlreadyInitialized
    case unlockSecretTooShort
    case unlockKeyFailure
    case unlockOfflineTooLong
    case unlockWiped
    case unlockUnknownClerk
    case unlockClerkExists
    case unlockClerkRevoked
    // The order of the steps
    case workflowNotInCase
    case workflowWaitsFor
    case workflowPaymentPending
    case workflowIdentityMismatch
    case workflowIdentityOverridden
    // Step names (for the sentences above)
    case stepIdentify
    case stepSign
    case stepPay
    case stepFingerprints
    case stepPhoto
    case stepUpdateAddress
    case stepHandOutDocument
    case stepComplete
    // Devices and evidence
    case notReadyToRecord
    case recordFailed
    case signatureBindingBroken
    case signatureNotStored
    case signaturePadFailed
    case signaturePadMissing
    case signatureCancelled
    case cancelNothingRunning
    case deviceStepCancelled
    case deviceStepStoppedForShutdown
    case deviceStepWaitOver
    case paymentAgentStopping
    case fingerprintCaptureStopped
    case fingerprintScannerMissing
    case fingerprintScannerNotReady
    case fingerprintSetEmpty
    case fingerprintsNotStored
    case idCardWrongCAN
    case idCardFailed
    case cardReaderProblem
    case terminalCredentialsMissing
    case addressNotWritten
    case identityNotChecked
    case identityMismatchedNoChipWrite
    case cardHolderDiffers
    case overrideReasonMissing
    case identityAlreadyConfirmed
    case addressAlreadyRecorded
    // Payments
    case paymentNoTerminal
    case paymentNoAmount
    case paymentInvalidAmount
    case paymentUnresolved
    case paymentBusy
    case paymentAlreadyResolved
    case paymentNoSuchIntent
    case paymentManualRefused
    case paymentApproved
    case paymentDeclined
    case paymentAborted
    case paymentNotSent
    case paymentNotPaid
    case paymentUnknown
    case paymentSettledNotPaid
    // Steps recorded through the generic endpoint
    case stepMissingFacts
    case stepNotRecordable
    case stepNeedsCard
    case stepFactsInvalid
    case workflowVisitEnded
    // What the page sent
    case inputCANFormat
    case inputAddress
    case inputTextToSignEmpty
    case inputFingerUnknown
    case inputInvalid
    // Walk-in cases at the counter ("Vorsprache")
    case walkInCatalogueMissing
    case walkInServiceUnknown
    case walkInCitizenInvalid
    case walkInAddressNeeded
}
