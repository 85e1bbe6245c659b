import Foundation
import KitCore
import KitDrivers

// What the clerk reads for each error of the agent; the errors' `description` stays the English
// detail for IT (shown behind "Details für die IT", logged without personal data).

extension CaseStoreError {
    var clerkText: ClerkText {
        switch self {
        case .locked: return ClerkText(.caseLocked)
        case .noSuchCase: return ClerkText(.caseNotOnKit)
        case .damaged: return ClerkText(.caseDamaged)
        case .storage: return ClerkText(.storageFailed)
        }
    }
}

extension UnlockError {
    func clerkText(now: Date = Date(), timeZone: TimeZone = .current) -> ClerkText {
        switch self {
        case .locked: return ClerkText(.caseLocked)
        case .notInitialized: return ClerkText(.unlockNotInitialized)
        case .alreadyInitialized: return ClerkText(.unlockAlreadyInitialized)
        case .wrongSecret(_, let remaining):
            return remaining > 0
                ? ClerkText(.unlockWrongSecret, ["remaining": "\(remaining)"]) : ClerkText(.unlockWrongSecretWait)
        case .tooManyAttempts(let retryAfter):
            return ClerkText(
                .unlockLockedOut, ["until": ClerkText.localTime(retryAfter, now: now, timeZone: timeZone)])
        case .secretTooShort(let minimum): return ClerkText(.unlockSecretTooShort, ["minimum": "\(minimum)"])
        case .keyStore, .cryptoFailure: return ClerkText(.unlockKeyFailure)
        case .offlineTooLong(let last, let limit):
            return ClerkText(
                .unlockOfflineTooLong,
                ["since": UnlockError.germanDate(last), "limit": UnlockError.germanDuration(limit)])
        case .wiped: return ClerkText(.unlockWiped)
        case .unknownClerk(let id): return ClerkText(.unlockUnknownClerk, ["clerk": id])
        case .clerkExists(let id): return ClerkText(.unlockClerkExists, ["clerk": id])
        case .clerkRevoked(let id): return ClerkText(.unlockClerkRevoked, ["clerk": id])
        }
    }
}

extension WorkflowRefusal {
    var clerkText: ClerkText {
        switch self {
        case .notInCase(let step): return ClerkText(.workflowNotInCase, ["step": ClerkText.stepName(step)])
        case .waitsFor(let step, let missing):
            return ClerkText(
                .workflowWaitsFor,
                [
                    "step": ClerkText.stepName(step),
                    "missing": missing.map { "„" + ClerkText.stepName($0) + "“" }.joined(separator: ", "),
                ])
        case .paymentPending: return ClerkText(.workflowPaymentPending)
        case .identityMismatch: return ClerkText(.workflowIdentityMismatch)
        case .identityOverridden: return ClerkText(.workflowIdentityOverridden)
        case .visitEnded: return ClerkText(.workflowVisitEnded)
        }
    }
}

extension WorkflowError {
    var clerkText: ClerkText {
        switch self {
        case .caseUnavailable(let error): return error.clerkText
        case .storage: return ClerkText(.storageFailed)
        case .refused(let refusal): return refusal.clerkText
        }
    }
}

extension EvidenceError {
    var clerkText: ClerkText {
        switch self {
        case .notReady: return ClerkText(.notReadyToRecord)
        case .caseUnavailable(let error): return error.clerkText
        case .bindingBroken: return ClerkText(.signatureBindingBroken)
        case .signatureRecord: return ClerkText(.signatureNotStored)
        case .signaturePad(.cancelled): return ClerkText(.signatureCancelled)
        case .signaturePad: return ClerkText(.signaturePadFailed)
        case .noSignaturePad: return ClerkText(.signaturePadMissing)
        case .fingerprintCapture: return ClerkText(.fingerprintCaptureStopped)
        case .noFingerprintScanner: return ClerkText(.fingerprintScannerMissing)
        case .fingerprintScanner: return ClerkText(.fingerprintScannerNotReady)
        case .emptyFingerprintSet: return ClerkText(.fingerprintSetEmpty)
        case .fingerprintEncoding: return ClerkText(.fingerprintsNotStored)
        case .idCard(let error):
            if case .pace(.wrongPassword) = error { return ClerkText(.idCardWrongCAN) }
            if let reader = error.cardReaderError {
                return ClerkText(.cardReaderProblem, ["reader": reader.clerkMessage])
            }
            return ClerkText(.idCardFailed)
        case .cardReader(let error): return ClerkText(.cardReaderProblem, ["reader": error.clerkMessage])
        case .noTerminalCredentials: return ClerkText(.terminalCredentialsMissing)
        case .addressNotWritten: return ClerkText(.addressNotWritten)
        case .outbox: return ClerkText(.recordFailed)
        case .identityNotConfirmed(.none): return ClerkText(.identityNotChecked)
        case .identityNotConfirmed(.some(.overridden)): return ClerkText(.workflowIdentityOverridden)
        case .identityNotConfirmed(.some): return ClerkText(.identityMismatchedNoChipWrite)
        case .cardHolderDiffers: return ClerkText(.cardHolderDiffers)
        case .overrideReasonMissing:
            return ClerkText(.overrideReasonMissing, ["minimum": "\(IdentityStation.minimumOverrideReasonLength)"])
        case .identityAlreadyConfirmed: return ClerkText(.identityAlreadyConfirmed)
        case .addressAlreadyRecorded: return ClerkText(.addressAlreadyRecorded)
        case .storage: return ClerkText(.storageFailed)
        case .cancelledByClerk: return ClerkText(.deviceStepCancelled)
        case .stoppedForShutdown: return ClerkText(.deviceStepStoppedForShutdown)
        case .deviceWaitOver(_, let seconds): return ClerkText(.deviceStepWaitOver, ["seconds": "\(seconds)"])
        }
    }
}

extension PaymentError {
    var clerkText: ClerkText {
        switch self {
        case .noTerminal: return ClerkText(.paymentNoTerminal)
        case .notReady: return ClerkText(.notReadyToRecord)
        case .caseUnavailable(let error): return error.clerkText
        case .noAmount: return ClerkText(.paymentNoAmount)
        case .invalidAmount: return ClerkText(.paymentInvalidAmount)
        case .unresolvedPayment(_, let amountCents, _):
            return ClerkText(.paymentUnresolved, ["amount": ClerkText.euros(amountCents)])
        case .busy: return ClerkText(.paymentBusy)
        case .stopping: return ClerkText(.paymentAgentStopping)
        case .outbox: return ClerkText(.recordFailed)
        case .alreadyResolved: return ClerkText(.paymentAlreadyResolved)
        case .noSuchIntent: return ClerkText(.paymentNoSuchIntent)
        case .manualResolutionRefused: return ClerkText(.paymentManualRefused)
        }
    }
}

extension StepError {
    var clerkText: ClerkText {
        switch self {
        case .notReady: return ClerkText(.notReadyToRecord)
        case .caseUnavailable(let error): return error.clerkText
        case .missingFacts: return ClerkText(.stepMissingFacts)
        case .factsInvalid(let what, _): return ClerkText(.stepFactsInvalid, ["what": what])
        case .outbox: return ClerkText(.recordFailed)
        case .notRecordable: return ClerkText(.stepNotRecordable)
        case .needsCard: return ClerkText(.stepNeedsCard)
        }
    }
}

extension WalkInError {
    var clerkText: ClerkText {
        switch self {
        case .catalogueMissing: return ClerkText(.walkInCatalogueMissing)
        case .serviceUnknown: return ClerkText(.walkInServiceUnknown)
        case .citizenInvalid: return ClerkText(.walkInCitizenInvalid)
        case .addressNeeded: return ClerkText(.walkInAddressNeeded)
        case .notReady: return ClerkText(.notReadyToRecord)
        case .caseStore(let error): return error.clerkText
        case .outbox, .storage: return ClerkText(.storageFailed)
        }
    }
}
