/// Terminal Authentication v2, terminal side (BSI TR-03110-2 §3.3; TR-03110-3 §B.11.4 MSE:Set DST,
/// §B.11.5 PSO:Verify Certificate, §B.11.1 MSE:Set AT, GET CHALLENGE, EXTERNAL AUTHENTICATE).
public enum NPATerminalAuthentication {
    /// Sends the CVCA link certificates (if the card trusts an older CVCA), the DV and the terminal
    /// certificate, then proves possession of the terminal key.
    public static func run(
        over channel: NPASecureChannel, credentials: NPATerminalCredentials, links: [NPACVCertificate] = []
    ) async throws(NPAEACError) {
        let chain = links + [credentials.documentVerifier, credentials.terminal]
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
