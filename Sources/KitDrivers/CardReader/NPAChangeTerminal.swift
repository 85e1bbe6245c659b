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
        if password == .can, !credentials.grantedRights.contains(.canAllowed) {
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
                chat: credentials.terminal.holderAuthorization)
        } catch {
            if case .transport(let transportError) = error, transportError.isCardRemoved { throw .cardRemoved }
            throw .pace(error)
        }
        try await NPATerminalAuthentication.run(over: channel, credentials: credentials)
        try await NPAChipAuthentication.run(over: channel, cardAccess: cardAccess)
        return NPAAuthenticatedCard(
            channel: channel, effectiveRights: credentials.grantedRights,
            terminalHolder: credentials.terminal.holderReference)
    }
}

/// Terminal Authentication v2, terminal side (BSI TR-03110-2 §3.3; TR-03110-3 §B.11.4 MSE:Set DST,
/// §B.11.5 PSO:Verify Certificate, §B.11.1 MSE:Set AT, GET CHALLENGE, EXTERNAL AUTHENTICATE).
public enum NPATerminalAuthentication {
    /// Sends the DV and terminal certificates, then proves possession of the terminal key.
    public static func run(over channel: NPASecureChannel, credentials: NPATerminalCredentials)
        async throws(NPAEACError)
    {
        let chain = [credentials.documentVerifier, credentials.terminal]
        // OpenPACE checks the chain on our side too: a broken configuration fails before the card sees it.
        // OpenPACE's terminal role takes the key and the terminal certificate (for the signature
        // algorithm); the chain itself is verified by the card.
        let compressed = try await channel.withContext { (context) throws(NPAEACError) -> [UInt8] in
            try context.initializeTerminalAuthentication(
                certificate: credentials.terminal.encoded, privateKey: credentials.privateKey)
            return try context.generateChipAuthenticationEphemeralKey()
        }
        for certificate in chain {
            let dst = try await send(
                channel,
                { () throws(ISO7816APDUError) in
                    try .npaMSESetDST(authorityReference: certificate.authorityReference)
                })
            guard dst.statusWord == .success else {
                throw .certificateRejectedByCard(holder: certificate.holderReference, status: dst.statusWord)
            }
            let verify = try await send(
                channel,
                { () throws(ISO7816APDUError) in
                    try .npaPSOVerifyCertificate(certificate)
                })
            guard verify.statusWord == .success else {
                throw .certificateRejectedByCard(holder: certificate.holderReference, status: verify.statusWord)
            }
        }
        let setAT = try await send(
            channel,
            { () throws(ISO7816APDUError) in
                try .npaMSESetATForTerminalAuthentication(
                    algorithm: credentials.terminal.publicKey.algorithm,
                    holderReference: credentials.terminal.holderReference, compressedEphemeralKey: compressed)
            })
        guard setAT.statusWord == .success else {
            throw .terminalAuthenticationRefused(step: "MSE:Set AT", status: setAT.statusWord)
        }
        let challenge = try await send(channel, { () throws(ISO7816APDUError) in try .getChallenge() })
        guard challenge.statusWord == .success, challenge.data.count == 8 else {
            if challenge.statusWord != .success {
                throw .terminalAuthenticationRefused(step: "GET CHALLENGE", status: challenge.statusWord)
            }
            throw .malformedResponse(step: "GET CHALLENGE", reason: "\(challenge.data.count) bytes instead of 8")
        }
        let chipKey = channel.chipPACEKey
        let signature = try await channel.withContext { (context) throws(NPAEACError) -> [UInt8] in
            try context.setTerminalAuthenticationNonce(challenge.data)
            return try context.terminalSignature(compressedEphemeralKey: compressed, chipPACEKey: chipKey)
        }
        let external = try await send(
            channel,
            { () throws(ISO7816APDUError) in
                try .externalAuthenticate(signature: signature)
            })
        guard external.statusWord == .success else {
            throw .terminalAuthenticationRefused(step: "EXTERNAL AUTHENTICATE", status: external.statusWord)
        }
    }

    static func send(
        _ channel: NPASecureChannel, _ build: () throws(ISO7816APDUError) -> ISO7816CommandAPDU
    ) async throws(NPAEACError) -> ISO7816ResponseAPDU {
        let command: ISO7816CommandAPDU
        do {
            command = try build()
        } catch {
            throw .transport(.apdu(error))
        }
        do {
            return try await channel.send(command)
        } catch {
            throw .from(error)
        }
    }
}

/// Chip Authentication v2, terminal side (BSI TR-03110-2 §3.4; TR-03110-3 §B.11.2 MSE:Set AT,
/// §B.14 GENERAL AUTHENTICATE): key agreement between the terminal's ephemeral key (announced in
/// TA) and the chip's static key from EF.CardSecurity, new session keys, token check.
public enum NPAChipAuthentication {
    /// Runs CA after ``NPATerminalAuthentication/run(over:credentials:)`` and restarts secure messaging.
    public static func run(over channel: NPASecureChannel, cardAccess: NPACardAccess) async throws(NPAEACError) {
        guard let info = cardAccess.chipAuthenticationInfos.first(where: { $0.version == 2 }) else {
            throw .chipAuthenticationUnavailable(reason: "EF.CardAccess has no ChipAuthenticationInfo version 2")
        }
        let cardSecurity: [UInt8]
        do {
            _ = try await channel.sendExpectingSuccess(try .selectFile(0x3F00))
            cardSecurity = try await channel.readFile(NPAFile.cardSecurity.fid, limit: 8192)
        } catch let error as CardReaderError {
            throw .from(error)
        } catch {
            throw .malformedResponse(step: "reading EF.CardSecurity", reason: "\(error)")
        }
        let chipKey = try NPACardSecurity.chipAuthenticationPublicKey(in: cardSecurity, keyID: info.keyID)
        let ephemeralKey = try await channel.withContext { (context) throws(NPAEACError) -> [UInt8] in
            try context.chipAuthenticationEphemeralKey()
        }
        let setAT = try await NPATerminalAuthentication.send(
            channel,
            { () throws(ISO7816APDUError) in
                try .npaMSESetATForChipAuthentication(protocol: info.protocolIdentifier, keyID: info.keyID)
            })
        guard setAT.statusWord == .success else { throw .chipAuthenticationRefused(status: setAT.statusWord) }
        let response = try await NPATerminalAuthentication.send(
            channel,
            { () throws(ISO7816APDUError) in
                try .generalAuthenticate(dynamicAuthenticationData: [
                    .primitive(.context(0, constructed: false), ephemeralKey)
                ])
            })
        guard response.statusWord == .success else { throw .chipAuthenticationRefused(status: response.statusWord) }
        let nonce: [UInt8]
        let token: [UInt8]
        do {
            nonce = try NPAPACESession.dynamicAuthenticationObject(response.data, tag: 1, step: "chip authentication")
            token = try NPAPACESession.dynamicAuthenticationObject(response.data, tag: 2, step: "chip authentication")
        } catch {
            throw .malformedResponse(step: "chip authentication", reason: "\(error)")
        }
        let verified = try await channel.withContext { (context) throws(NPAEACError) -> Bool in
            try context.completeChipAuthentication(chipKey: chipKey, nonce: nonce, token: token)
        }
        guard verified else { throw .chipAuthenticationFailed }
        try await channel.switchToChipAuthenticationKeys()
    }
}
