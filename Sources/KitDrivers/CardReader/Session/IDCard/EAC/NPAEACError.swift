/// Why Terminal Authentication, Chip Authentication or a data-group access of the
/// Änderungsterminal failed (BSI TR-03110-2 §3.3-3.4, TR-03110-3 §B.11; status words of
/// TR-03110-3 Table B.5 ff.), in words a clerk can act on.
public enum NPAEACError: Error, Equatable, Sendable, CustomStringConvertible {
    /// PACE failed (wrong CAN, PIN with remaining tries, blocked …).
    case pace(NPAPACEError)
    /// The card was taken off the reader.
    case cardRemoved
    /// Talking to the card failed otherwise.
    case transport(CardReaderError)
    /// The configured terminal certificates or key are unusable (`reason`).
    case invalidTerminalCredentials(reason: String)
    /// The terminal certificate `holder` expired on `expiration` (or is not yet valid): renew it.
    case terminalCertificateExpired(holder: String, expiration: NPACVDate)
    /// The card trusts the CVCAs `cardTrustAnchors` and no configured chain (CVCAs `configured`) nor
    /// link certificate leads there.
    case noTerminalChainForCard(cardTrustAnchors: [String], configured: [String])
    /// The card refused certificate `holder` (PSO:Verify Certificate) with `status`: it does not
    /// trust the issuing CVCA/DV, or the certificate is expired by the card's date.
    case certificateRejectedByCard(holder: String, status: ISO7816StatusWord)
    /// The card refused Terminal Authentication at `step` with `status`.
    case terminalAuthenticationRefused(step: String, status: ISO7816StatusWord)
    /// The card refused Chip Authentication with `status`.
    case chipAuthenticationRefused(status: ISO7816StatusWord)
    /// The card's Chip Authentication answer does not verify: not a genuine chip, or tampering.
    case chipAuthenticationFailed
    /// EF.CardSecurity or EF.CardAccess lacks what Chip Authentication needs (`reason`).
    case chipAuthenticationUnavailable(reason: String)
    /// A card answer is malformed at `step`.
    case malformedResponse(step: String, reason: String)
    /// OpenPACE failed at `step`.
    case library(step: String)
    /// The terminal's effective rights do not include `right` (needed for `operation`).
    case notAllowed(operation: String, right: NPAAuthenticationTerminalRights)
    /// The card answered 6982 to `operation` although the terminal believed it had the right.
    case refusedByCard(operation: String, status: ISO7816StatusWord)
    /// A data group could not be decoded or encoded.
    case dataGroup(NPADataGroupError)

    public var description: String {
        switch self {
        case .pace(let error):
            return error.description
        case .cardRemoved:
            return "The ID card was taken off the reader. Put it back and start again."
        case .transport(let error):
            return "Talking to the ID card failed: \(error)"
        case .invalidTerminalCredentials(let reason):
            return "The terminal certificates or key of this kit are unusable (\(reason)); ask IT to reinstall them."
        case .terminalCertificateExpired(let holder, let expiration):
            return "The terminal certificate \(holder) is not valid today (expires \(expiration)); ask IT to renew it."
        case .noTerminalChainForCard(let anchors, let configured):
            return "The ID card trusts the CVCA \(anchors.joined(separator: " or ")); this kit's terminal certificates "
                + "are issued under \(configured.joined(separator: ", ")) and no link certificate leads there. "
                + "Ask IT to import the matching chain or CVCA link certificate (kit-agent terminal-certificates import)."
        case .certificateRejectedByCard(let holder, let status):
            return "The ID card does not accept the terminal certificate \(holder) (status \(status)): "
                + "it is expired or not issued by an authority the card trusts. Ask IT to check the certificates."
        case .terminalAuthenticationRefused(let step, let status):
            return "The ID card refused terminal authentication (\(step), status \(status))."
        case .chipAuthenticationRefused(let status):
            return "The ID card refused chip authentication (status \(status))."
        case .chipAuthenticationFailed:
            return "The ID card's chip authentication does not verify; it may not be a genuine card. Do not continue."
        case .chipAuthenticationUnavailable(let reason):
            return "The ID card does not offer chip authentication: \(reason)."
        case .malformedResponse(let step, let reason):
            return "The ID card's answer during \(step) is malformed: \(reason)."
        case .library(let step):
            return "The cryptographic library failed while trying to \(step)."
        case .notAllowed(let operation, let right):
            return "This terminal is not allowed to \(operation) (its certificate lacks \"\(right)\")."
        case .refusedByCard(let operation, let status):
            return "The ID card did not allow to \(operation) (status \(status))."
        case .dataGroup(let error):
            return "The data on the ID card cannot be used: \(error)"
        }
    }

    /// Maps a transport error, recognising a pulled card.
    static func from(_ error: CardReaderError) -> NPAEACError {
        error.isCardRemoved ? .cardRemoved : .transport(error)
    }
}

extension NPAEACError {
    /// The card-reader failure underneath, if the authentication failed in transport (PC/SC).
    public var cardReaderError: CardReaderError? {
        switch self {
        case .transport(let error): return error
        case .pace(.transport(let error)): return error
        default: return nil
        }
    }
}
