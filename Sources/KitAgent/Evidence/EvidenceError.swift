import KitCore
import KitDrivers

/// Why a device result did not become an outbox transaction. In every case nothing was written:
/// the outbox holds either the whole, sealed evidence or none of it.
public enum EvidenceError: Error, CustomStringConvertible {
    /// The kit cannot seal yet (locked, or no server data key).
    case notReady(String)
    /// The case is not checked out on this kit (or the kit is locked).
    case caseUnavailable(CaseStoreError)
    /// The captured signature is bound to another text than the one shown.
    case bindingBroken
    /// The signature record could not be packed or read back.
    case signatureRecord(SignatureRecordError)
    /// The signature pad failed or was unplugged; the signing must be repeated.
    case signaturePad(STUPadError)
    /// No signature pad is connected.
    case noSignaturePad
    /// The fingerprint capture stopped; `fingersDone` were captured before and are discarded.
    case fingerprintCapture(FingerprintCaptureError)
    /// No fingerprint scanner is connected (or none can capture images).
    case noFingerprintScanner
    /// The fingerprint scanner failed before the procedure started.
    case fingerprintScanner(FingerprintScannerError)
    /// A finger set with neither a kept nor a skipped finger.
    case emptyFingerprintSet
    /// The finger set could not be serialised.
    case fingerprintEncoding(String)
    /// The ID card session failed (wrong CAN, card pulled, terminal certificate refused, …).
    case idCard(NPAEACError)
    /// The ID-card reader is not usable (pcscd stopped, no reader, no card).
    case cardReader(CardReaderError)
    /// The kit has no Änderungsterminal certificates configured (`card.terminalCredentials`).
    case noTerminalCredentials
    /// The card's DG17 did not read back as written.
    case addressNotWritten
    /// Writing to the outbox failed.
    case outbox(OutboxError)
    /// The address step without an identity check that matched the case's citizen (nil: none
    /// recorded; `.mismatched`: the last card did not match; `.overridden`: an override never
    /// allows writing to the card).
    case identityNotConfirmed(IdentityStanding?)
    /// The card on the reader at the address step is not the case's citizen's (read inside the
    /// secure channel before writing): nothing was written.
    case cardHolderDiffers(mismatches: [String])
    /// An override needs a documented reason.
    case overrideReasonMissing
    /// An override after a matching identity check: nothing to override.
    case identityAlreadyConfirmed
    /// Another address step of the case was recorded meanwhile (transaction `seq`).
    case addressAlreadyRecorded(seq: UInt64)
    /// The kit's own records could not be read.
    case storage(String)
    /// The clerk cancelled the device step while it waited; the device was cleared, nothing recorded.
    case cancelledByClerk(step: String)
    /// The agent stops (SIGTERM) while the device waited; the device was cleared, nothing recorded.
    case stoppedForShutdown(step: String)
    /// The step outlived its wait of the ``DeviceWaitPolicy``; the device was cleared, nothing recorded.
    case deviceWaitOver(step: String, seconds: Int)

    public var description: String {
        switch self {
        case .notReady(let reason): return "the kit cannot record evidence yet: \(reason)"
        case .caseUnavailable(let error): return error.description
        case .bindingBroken:
            return "the signature was captured for another text than the one to be signed; "
                + "nothing was stored, please let the citizen sign again"
        case .signatureRecord(let error): return "the signature could not be stored (\(error)); please sign again"
        case .signaturePad(let error):
            return "the signature pad stopped (\(error)); nothing was stored, check the pad and sign again"
        case .noSignaturePad: return "no signature pad is connected; plug in the pad (Wacom STU-430/530/540)"
        case .fingerprintCapture(let error):
            return "\(error.description) Nothing was stored; start the finger set again."
        case .noFingerprintScanner:
            return "no fingerprint scanner is connected; plug in the scanner and check `kit-agent doctor`"
        case .fingerprintScanner(let error): return "the fingerprint scanner is not ready: \(error)"
        case .emptyFingerprintSet: return "the finger set holds no finger, neither captured nor skipped"
        case .fingerprintEncoding(let reason): return "the finger set could not be stored: \(reason)"
        case .idCard(let error):
            if let reader = error.cardReaderError { return "\(reader.clerkMessage) (\(error))" }
            return error.description
        case .cardReader(let error): return "\(error.clerkMessage) (the ID-card reader is not ready: \(error))"
        case .noTerminalCredentials:
            return "this kit has no Änderungsterminal certificates: set card.terminalCredentials to their folder"
        case .addressNotWritten:
            return "the new address did not read back from the ID card; nothing was recorded, please try again"
        case .outbox(let error): return error.description
        case .identityNotConfirmed(.none):
            return "Zuerst den Ausweis prüfen: Die Anschrift wird nur auf den geprüften Ausweis der Person dieses "
                + "Vorgangs geschrieben. (no identity check recorded for the case; nothing written to the card)"
        case .identityNotConfirmed(.some(.overridden)):
            return "Nach einer dokumentierten Abweichung wird nichts auf einen Ausweis geschrieben. Prüfen Sie den "
                + "Ausweis der Person dieses Vorgangs erneut. (identity overridden: an override never allows the "
                + "chip write; nothing written to the card)"
        case .identityNotConfirmed(.some):
            return "Der zuletzt geprüfte Ausweis gehört nicht zu diesem Vorgang. Prüfen Sie den richtigen Ausweis "
                + "erneut. (the last identity check did not match the case; nothing written to the card)"
        case .cardHolderDiffers(let mismatches):
            return "Der Ausweis auf dem Lesegerät gehört nicht zur Person dieses Vorgangs. Es wurde nichts auf den "
                + "Ausweis geschrieben und nichts gespeichert. (card holder differs in "
                + mismatches.joined(separator: ", ") + "; DG17 not written)"
        case .overrideReasonMissing:
            return "Bitte den Grund der Abweichung dokumentieren (mindestens "
                + "\(IdentityStation.minimumOverrideReasonLength) Zeichen). (override reason missing)"
        case .identityAlreadyConfirmed:
            return "Der Ausweis wurde bereits erfolgreich geprüft; eine Abweichung ist nicht zu dokumentieren. "
                + "(identity already matched)"
        case .addressAlreadyRecorded(let seq):
            return "Die Anschrift dieses Vorgangs ist bereits geändert (Vorgang \(seq)); es wurde nichts erneut "
                + "gespeichert. (address change already recorded as seq \(seq))"
        case .storage(let reason): return "the kit's records cannot be read: \(reason)"
        case .cancelledByClerk(let step):
            return "the \(step) step was cancelled by the clerk while the device waited; nothing was recorded"
        case .stoppedForShutdown(let step):
            return "the \(step) step was ended because kit-agent is stopping; the device was cleared, nothing recorded"
        case .deviceWaitOver(let step, let seconds):
            return "the \(step) step waited \(seconds) s for the device (the limit); the device was cleared, "
                + "nothing recorded"
        }
    }
}
