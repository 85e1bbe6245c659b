/// Why PACE with a German ID card failed (BSI TR-03110-2 §3.2; status words of
/// TR-03110-3 §B.11.1 and TR-03127: 63Cx wrong password with x tries left, 6983 blocked,
/// 6984 deactivated).
public enum NPAPACEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The password does not have the form the card expects.
    case invalidPasswordFormat(NPAPACEPassword, reason: String)
    /// EF.CardAccess could not be decoded.
    case cardAccess(NPACardAccessError)
    /// EF.CardAccess names no PACE variant the kit supports.
    case noSupportedPACEInfo
    /// OpenPACE failed at `step` (bad parameters from the card, or out of memory).
    case library(step: String)
    /// Reading or talking to the card failed.
    case transport(CardReaderError)
    /// A GENERAL AUTHENTICATE answer is not a well-formed 7C template with the expected object.
    case malformedResponse(step: String, reason: String)
    /// The card rejected the password. For CAN the card gives no counter (`remainingTries` nil);
    /// for PIN 63Cx carries the tries left (1 means suspended: next attempt needs the CAN first).
    case wrongPassword(NPAPACEPassword, remainingTries: Int?)
    /// The PIN is suspended (63C1 at MSE:Set AT): run PACE with the CAN first, then with the PIN.
    case passwordSuspended(NPAPACEPassword)
    /// The password is blocked (63C0 / 6983): unblock the PIN with the PUK.
    case passwordBlocked(NPAPACEPassword)
    /// The password is deactivated (6984), e.g. the transport PIN was already changed or the eID is off.
    case passwordDeactivated(NPAPACEPassword)
    /// The card refused a step with `status`.
    case cardRefused(step: String, status: ISO7816StatusWord)
    /// The card's authentication token is wrong: not a genuine card for this password, or tampering.
    case cardAuthenticationFailed

    public var description: String {
        switch self {
        case .invalidPasswordFormat(let kind, let reason):
            return "The \(Self.name(kind)) is not valid: \(reason)."
        case .cardAccess(let error):
            return "The card's EF.CardAccess cannot be read: \(error)"
        case .noSupportedPACEInfo:
            return "The card offers no PACE variant the kit supports; it is probably not a German ID card."
        case .library(let step):
            return "PACE failed in OpenPACE while trying to \(step); the card sent unusable parameters."
        case .transport(let error):
            return "PACE was interrupted: \(error)"
        case .malformedResponse(let step, let reason):
            return "The card's answer during PACE (\(step)) is malformed: \(reason)."
        case .wrongPassword(let kind, let remaining):
            if let remaining {
                return "The \(Self.name(kind)) is wrong; \(remaining) attempt(s) left"
                    + (remaining == 1 ? " — the next attempt needs the CAN first." : ".")
            }
            return "The \(Self.name(kind)) is wrong. Check the number printed on the card and try again."
        case .passwordSuspended(let kind):
            return "The \(Self.name(kind)) is suspended after two wrong attempts: enter the CAN first, then the PIN."
        case .passwordBlocked(let kind):
            return "The \(Self.name(kind)) is blocked; the citizen must unblock it with the PUK."
        case .passwordDeactivated(let kind):
            return
                "The \(Self.name(kind)) is deactivated on this card (online ID function switched off or transport PIN already changed)."
        case .cardRefused(let step, let status):
            return "The card refused \(step) with status \(status)"
        case .cardAuthenticationFailed:
            return "The card's PACE answer does not verify; it may not be a genuine card. Do not continue."
        }
    }

    static func name(_ kind: NPAPACEPassword) -> String {
        switch kind {
        case .mrz: return "MRZ"
        case .can: return "card access number (CAN)"
        case .pin: return "PIN"
        case .puk: return "PUK"
        }
    }
}

/// Why a secure-messaging exchange failed (BSI TR-03110-3 §F; ISO/IEC 7816-4:2013 §10).
/// After any of these the session keys are unusable: run PACE again.
public enum NPASecureMessagingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// OpenPACE failed at `step`.
    case library(step: String)
    /// The protected response is not valid TLV or lacks a mandatory object (`reason`).
    case malformed(reason: String)
    /// The response MAC does not verify: tampering, or terminal and card are out of step.
    case macMismatch
    /// The padding of the decrypted data is invalid.
    case badPadding
    /// The card answered in plain with `status` (e.g. 6987, 6988): it dropped secure messaging.
    case cardDroppedSecureMessaging(ISO7816StatusWord)
    /// The command cannot be protected (`reason`).
    case unprotectableCommand(reason: String)
    /// The session ended after an earlier error; run PACE again.
    case sessionClosed

    public var description: String {
        switch self {
        case .library(let step):
            return "Secure messaging failed in OpenPACE while trying to \(step)."
        case .malformed(let reason):
            return "The card's protected answer is malformed: \(reason). Run PACE again."
        case .macMismatch:
            return "The card's answer fails its MAC check; the channel may be tampered with. Run PACE again."
        case .badPadding:
            return "The decrypted answer has invalid padding. Run PACE again."
        case .cardDroppedSecureMessaging(let status):
            return "The card left secure messaging with status \(status). Run PACE again."
        case .unprotectableCommand(let reason):
            return "The command cannot be sent under secure messaging: \(reason)."
        case .sessionClosed:
            return "The secure-messaging session was closed after an error. Run PACE again."
        }
    }
}
