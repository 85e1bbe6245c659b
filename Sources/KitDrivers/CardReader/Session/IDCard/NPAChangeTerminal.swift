import Foundation

/// The Änderungsterminal (BSI TR-03127 §5, "change terminal") against a German ID card: PACE with
/// the CAN (or PIN) and the terminal's CHAT, Terminal Authentication v2 (TR-03110-2 §3.3, commands
/// TR-03110-3 §B.11.4-B.11.6), Chip Authentication v2 (§3.4, §B.11.2/§B.14) and then access to the
/// eID application's data groups under the new session keys.
public enum NPAChangeTerminal {
    /// Authenticates the terminal to the card and the card to the terminal.
    ///
    /// - Parameters:
    ///   - transport: the card connection (PC/SC or the simulator).
    ///   - password: `.can` (6 digits printed on the card) or `.pin`.
    ///   - credentials: the terminal's certificate chain and key.
    ///   - today: the date the terminal certificate must be valid on.
    public static func authenticate(
        over transport: any CardReaderAPDUTransport, password: NPAPACEPassword = .can, digits: String,
        credentials: NPATerminalCredentials, today: Date = Date()
    ) async throws(NPAEACError) -> NPAAuthenticatedCard {
        let date = NPACVDate(today)
        for certificate in [credentials.terminal, credentials.documentVerifier] where !certificate.isValid(on: date) {
            throw .terminalCertificateExpired(
                holder: certificate.holderReference, expiration: certificate.expirationDate)
        }
        return try await authenticate(
            over: transport, password: password, digits: digits,
            store: NPATerminalCredentialStore(single: credentials), today: today)
    }

    /// Authenticates with the chain of `store` that the card trusts: PACE with the CHAT of the
    /// longest-lasting valid chain, then the chain chosen by the trust anchor the card names in its
    /// PACE answer (with CVCA link certificates if it still trusts an older CVCA).
    public static func authenticate(
        over transport: any CardReaderAPDUTransport, password: NPAPACEPassword = .can, digits: String,
        store: NPATerminalCredentialStore, today: Date = Date()
    ) async throws(NPAEACError) -> NPAAuthenticatedCard {
        let date = NPACVDate(today)
        let preferred = try store.preferred(on: date).credentials
        if password == .can, !preferred.grantedRights.contains(.canAllowed) {
            throw .notAllowed(operation: "work with the CAN", right: .canAllowed)
        }
        let plain = ISO7816CardChannel(transport: transport)
        let cardAccessBytes: [UInt8]
        let selectMF: ISO7816CommandAPDU
        do {
            selectMF = try .selectFile(0x3F00)
        } catch {
            throw .transport(.apdu(error))
        }
        do {
            // From the MF: a previous session may have left the eID application selected.
            _ = try await plain.sendExpectingSuccess(selectMF)
            cardAccessBytes = try await plain.readFile(NPAFile.cardAccess.fid, limit: 4096)
        } catch {
            throw .from(error)
        }
        let cardAccess: NPACardAccess
        do {
            cardAccess = try NPACardAccess(bytes: cardAccessBytes)
        } catch {
            throw .pace(.cardAccess(error))
        }
        let channel: NPASecureChannel
        do {
            channel = try await NPAPACESession.establish(
                over: transport, password: password, digits: digits, cardAccess: cardAccessBytes,
                chat: preferred.terminal.holderAuthorization)
        } catch {
            if case .transport(let transportError) = error, transportError.isCardRemoved { throw .cardRemoved }
            throw .pace(error)
        }
        let selection = try store.select(cardTrustAnchors: channel.cardTrustAnchors, on: date)
        let credentials = selection.chain.credentials
        try await NPATerminalAuthentication.run(over: channel, credentials: credentials, links: selection.links)
        try await NPAChipAuthentication.run(over: channel, cardAccess: cardAccess)
        // The card grants the PACE CHAT ∩ the chain's rights (TR-03110-4 §2.2.3.2).
        return NPAAuthenticatedCard(
            channel: channel,
            effectiveRights: credentials.grantedRights.intersection(preferred.terminal.holderAuthorization.rights),
            terminalHolder: credentials.terminal.holderReference)
    }
}
