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
        case .idCard(let error): return error.description
        case .cardReader(let error): return "the ID-card reader is not ready: \(error)"
        case .noTerminalCredentials:
            return "this kit has no Änderungsterminal certificates: set card.terminalCredentials to their folder"
        case .addressNotWritten:
            return "the new address did not read back from the ID card; nothing was recorded, please try again"
        case .outbox(let error): return error.description
        }
    }
}
