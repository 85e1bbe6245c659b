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
