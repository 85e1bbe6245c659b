/// PACE on the terminal side (BSI TR-03110-2 §3.2, commands of TR-03110-3 §B.11.1 and §B.14):
/// MSE:Set AT, four chained GENERAL AUTHENTICATE commands (encrypted nonce, mapping, key
/// agreement, mutual authentication) — cryptography by OpenPACE — and the resulting
/// ``NPASecureChannel``.
///
/// Passwords are never logged or kept: the digits go straight into OpenPACE, which wipes them.
public enum NPAPACESession {
    /// Runs PACE with `password` over `transport`.
    ///
    /// - Parameters:
    ///   - transport: the card connection, or an ``NPASecureChannel`` (PIN after CAN for a suspended PIN).
    ///   - cardAccess: EF.CardAccess if already read; otherwise it is read (SELECT 011C, READ BINARY).
    ///   - chat: the rights asked for, sent in MSE:Set AT when Terminal Authentication follows.
    public static func establish(
        over transport: any CardReaderAPDUTransport, password: NPAPACEPassword, digits: String,
        cardAccess: [UInt8]? = nil, chat: NPACertificateHolderAuthorization? = nil
    ) async throws(NPAPACEError) -> NPASecureChannel {
        try validate(password, digits)
        let channel = ISO7816CardChannel(transport: transport)
        let fileBytes: [UInt8]
        if let cardAccess {
            fileBytes = cardAccess
        } else {
            do {
                fileBytes = try await channel.readFile(NPAFile.cardAccess.fid, limit: 4096)
            } catch {
                throw .transport(error)
            }
        }
        let file: NPACardAccess
        do {
            file = try NPACardAccess(bytes: fileBytes)
        } catch {
            throw .cardAccess(error)
        }
        guard let info = file.preferredPACEInfo else { throw .noSupportedPACEInfo }
        let context = try NPAEACContext(cardAccess: fileBytes)
        let secret = try NPAPACEPasswordSecret(password, digits: digits)
        let insideSecureChannel = transport is NPASecureChannel

        // MSE:Set AT announces protocol and password; 63Cx here reports the retry counter.
        let mse: ISO7816CommandAPDU
        do {
            mse = try .npaMSESetATForPACE(
                protocol: info.protocolIdentifier, password: password, certificateHolderAuthorizationTemplate: chat?.tlv
            )
        } catch {
            throw .transport(.apdu(error))
        }
        let mseStatus = try await exchange(channel, mse, step: "MSE:Set AT").statusWord
        switch mseStatus.rawValue {
        case 0x9000, 0x63C2, 0x63C3:
            break
        case 0x63C1 where insideSecureChannel:
            break
        case 0x63C1:
            throw .passwordSuspended(password)
        case 0x63C0, 0x6983:
            throw .passwordBlocked(password)
        case 0x6984:
            throw .passwordDeactivated(password)
        default:
            throw .cardRefused(step: "MSE:Set AT", status: mseStatus)
        }

        // Step 1: encrypted nonce.
        let nonce = try await generalAuthenticate(channel, [], last: false, expecting: 0, step: "encrypted nonce")
        try context.decryptNonce(nonce, password: secret)

        // Step 2: generic mapping.
        let terminalMapping = try context.generateMappingData()
        let chipMapping = try await generalAuthenticate(
            channel, [.primitive(.context(1, constructed: false), terminalMapping)], last: false, expecting: 2,
            step: "mapping")
        try context.mapGenerator(otherMappingData: chipMapping)

        // Step 3: key agreement.
        let terminalKey = try context.generateEphemeralKey()
        let chipKey = try await generalAuthenticate(
            channel, [.primitive(.context(3, constructed: false), terminalKey)], last: false, expecting: 4,
            step: "key agreement")
        guard chipKey != terminalKey else {
            throw .malformedResponse(step: "key agreement", reason: "the card echoed the terminal's public key")
        }
        try context.computeSharedSecret(otherPublicKey: chipKey)
        try context.deriveKeys()

        // Step 4: mutual authentication; a wrong password shows here.
        let token = try context.authenticationToken(otherPublicKey: chipKey)
        let command: ISO7816CommandAPDU
        do {
            command = try .generalAuthenticate(
                dynamicAuthenticationData: [.primitive(.context(5, constructed: false), token)], isLastInChain: true)
        } catch {
            throw .transport(.apdu(error))
        }
        let response = try await exchange(channel, command, step: "mutual authentication")
        let status = response.statusWord
        if status != .success {
            switch (status.sw1, status.sw2) {
            case (0x63, 0x00): throw .wrongPassword(password, remainingTries: nil)
            case (0x63, 0xC0): throw .passwordBlocked(password)
            case (0x63, let sw2) where sw2 & 0xF0 == 0xC0:
                throw .wrongPassword(password, remainingTries: Int(sw2 & 0x0F))
            case (0x69, 0x83): throw .passwordBlocked(password)
            case (0x69, 0x84): throw .passwordDeactivated(password)
            default: throw .cardRefused(step: "mutual authentication", status: status)
            }
        }
        let chipToken = try dynamicAuthenticationObject(response.data, tag: 6, step: "mutual authentication")
        guard try context.verifyAuthenticationToken(chipToken) else { throw .cardAuthenticationFailed }
        try context.startPACESecureMessaging()
        let raw: any CardReaderAPDUTransport
        if let outer = transport as? NPASecureChannel {
            raw = outer.rawTransport
            await outer.supersede()
        } else {
            raw = transport
        }
        return NPASecureChannel(
            rawTransport: raw, context: context, chipPACEKey: chipKey,
            cardTrustAnchors: trustAnchors(in: response.data))
    }

    /// The certification authority references in the mutual-authentication answer: 87 (most recent)
    /// then 88 (previous), as printable text; anything unreadable is left out (the choice of chain
    /// then falls back to the newest valid one).
    public static func trustAnchors(in data: [UInt8]) -> [String] {
        guard let template = try? BERTLV(bytes: data, options: .init(maximumDepth: 4)),
            template.tag == .application(28)
        else { return [] }
        var anchors: [String] = []
        for tag: UInt32 in [7, 8] {
            guard let object = template.child(.context(tag, constructed: false)), (1...16).contains(object.value.count),
                object.value.allSatisfy({ (0x20...0x7E).contains($0) })
            else { continue }
            let name = String(decoding: object.value, as: UTF8.self)
            if !anchors.contains(name) { anchors.append(name) }
        }
        return anchors
    }

    /// Checks the password's form: CAN 6 digits, PIN 5 (transport PIN) or 6, PUK 10 (TR-03127 §4).
    static func validate(_ password: NPAPACEPassword, _ digits: String) throws(NPAPACEError) {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .invalidPasswordFormat(password, reason: "only the digits 0-9 are allowed")
        }
        let allowed: [Int]
        switch password {
        case .can: allowed = [6]
        case .pin: allowed = [5, 6]
        case .puk: allowed = [10]
        case .mrz: return
        }
        guard allowed.contains(digits.utf8.count) else {
            let counts = allowed.map(String.init).joined(separator: " or ")
            throw .invalidPasswordFormat(password, reason: "it must have \(counts) digits, not \(digits.utf8.count)")
        }
    }

    private static func exchange(
        _ channel: ISO7816CardChannel, _ command: ISO7816CommandAPDU, step: String
    ) async throws(NPAPACEError) -> ISO7816ResponseAPDU {
        do {
            return try await channel.send(command)
        } catch {
            throw .transport(error)
        }
    }

    private static func generalAuthenticate(
        _ channel: ISO7816CardChannel, _ objects: [BERTLV], last: Bool, expecting tag: UInt32, step: String
    ) async throws(NPAPACEError) -> [UInt8] {
        let command: ISO7816CommandAPDU
        do {
            command = try .generalAuthenticate(dynamicAuthenticationData: objects, isLastInChain: last)
        } catch {
            throw .transport(.apdu(error))
        }
        let response = try await exchange(channel, command, step: step)
        guard response.statusWord == .success else { throw .cardRefused(step: step, status: response.statusWord) }
        return try dynamicAuthenticationObject(response.data, tag: tag, step: step)
    }

    /// Extracts context tag `8x` from a `7C` dynamic authentication data template.
    static func dynamicAuthenticationObject(_ data: [UInt8], tag: UInt32, step: String) throws(NPAPACEError) -> [UInt8]
    {
        let template: BERTLV
        do {
            template = try BERTLV(bytes: data, options: .init(maximumDepth: 4))
        } catch {
            throw .malformedResponse(step: step, reason: "\(error)")
        }
        guard template.tag == .application(28) else {
            throw .malformedResponse(step: step, reason: "expected template 7C, found \(template.tag)")
        }
        guard let object = template.child(.context(tag, constructed: false)), !object.value.isEmpty else {
            throw .malformedResponse(step: step, reason: "object 8\(tag) missing or empty")
        }
        return object.value
    }
}
