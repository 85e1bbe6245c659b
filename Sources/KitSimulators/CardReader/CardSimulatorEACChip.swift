import Foundation
import KitDrivers

/// The chip side of Terminal Authentication v2 and Chip Authentication v2 of the simulated German
/// ID card (BSI TR-03110-2 §3.3-3.4, commands TR-03110-3 §B.11.2-B.11.6 and §B.14, access rights
/// TR-03110-4 §2.2.3.2).
///
/// - the certificate chain is verified against the trust anchor (the CVCA certificate) by OpenPACE;
///   validity is checked against the chip's current date, which moves forward to the effective date
///   of each accepted certificate (TR-03110-3 §2.5);
/// - the effective rights are the CHAT of PACE ∩ terminal ∩ DV ∩ CVCA (none after PACE with the
///   CAN unless "CAN allowed" is among them);
/// - Chip Authentication uses a static brainpoolP256r1 key pair; after its answer secure messaging
///   continues with the new keys.
final class CardSimulatorEACChip {
    /// The trust anchor.
    private(set) var trustAnchor: NPACVCertificate?
    /// The trust anchor before the last link certificate.
    private(set) var previousTrustAnchor: NPACVCertificate?
    /// The CVCA references the card names after PACE: most recent, then previous.
    var trustAnchorReferences: [String] {
        [trustAnchor?.holderReference, previousTrustAnchor?.holderReference].compactMap { $0 }
    }
    /// The chip's current date (persistent).
    private(set) var currentDate: NPACVDate
    /// Key id of the chip authentication key in EF.CardAccess / EF.CardSecurity.
    static let keyID = 65
    private let chipKey: CardSimulatorECKey?
    private(set) var chipPublicKey: [UInt8] = []

    // Session state.
    private var context: NPAEACContext?
    private var chipPACEKey: [UInt8] = []
    private var paceCHAT: NPACertificateHolderAuthorization?
    private var pacePassword: NPAPACEPassword?
    private var taInitialized = false
    private var verificationKeyHolder: String?
    private var currentKeyHolder: String?
    private var link: NPACVCertificate?
    private var documentVerifier: NPACVCertificate?
    private var terminal: NPACVCertificate?
    private var compressedEphemeralKey: [UInt8]?
    private var challengeIssued = false
    private(set) var terminalAuthenticated = false
    private var chipAuthenticationSelected = false
    private(set) var chipAuthenticated = false
    private(set) var effectiveRights: NPAAuthenticationTerminalRights = []
    /// Set after the CA answer: the response still goes out under the PACE keys, then the keys switch.
    var switchKeysAfterResponse = false

    private let fault: CardSimulatorFault

    init(trustAnchor: NPACVCertificate?, fault: CardSimulatorFault = .none) {
        self.trustAnchor = trustAnchor
        previousTrustAnchor = nil
        self.fault = fault
        currentDate = trustAnchor?.effectiveDate ?? NPACVDate(.now)
        chipKey = try? CardSimulatorECKey()
        chipPublicKey = (try? chipKey?.publicPoint()) ?? []
    }

    /// PACE finished: TA may follow on this context.
    func startSession(
        context: NPAEACContext, chipPACEKey: [UInt8], chat: NPACertificateHolderAuthorization?,
        password: NPAPACEPassword
    ) {
        endSession()
        self.context = context
        self.chipPACEKey = chipPACEKey
        paceCHAT = chat
        pacePassword = password
    }

    /// Secure messaging ended or the card was reset.
    func endSession() {
        context = nil
        chipPACEKey = []
        paceCHAT = nil
        pacePassword = nil
        taInitialized = false
        currentKeyHolder = nil
        link = nil
        documentVerifier = nil
        terminal = nil
        compressedEphemeralKey = nil
        challengeIssued = false
        terminalAuthenticated = false
        chipAuthenticationSelected = false
        chipAuthenticated = false
        effectiveRights = []
        switchKeysAfterResponse = false
    }

    /// Whether data-group access `right` is granted now.
    func grants(_ right: NPAAuthenticationTerminalRights) -> Bool {
        chipAuthenticated && effectiveRights.contains(right)
    }

    /// Whether the chip handles `command` (MSE:Set DST/AT for TA or CA, PSO, GET CHALLENGE, EXTERNAL
    /// AUTHENTICATE, GENERAL AUTHENTICATE after MSE:Set AT for CA).
    func handles(_ command: ISO7816CommandAPDU) -> Bool {
        switch (command.ins, command.p1, command.p2) {
        case (0x22, 0x81, 0xB6), (0x22, 0x81, 0xA4), (0x22, 0x41, 0xA4), (0x2A, 0x00, 0xBE), (0x84, _, _),
            (0x82, _, _):
            return true
        case (0x86, _, _):
            return chipAuthenticationSelected
        default:
            return false
        }
    }

    /// Answers an EAC command (only inside secure messaging after PACE).
    func respond(to command: ISO7816CommandAPDU, secured: Bool) -> [UInt8] {
        guard secured, let context else { return CardSimulatorResponse.status(0x6982) }
        switch (command.ins, command.p1) {
        case (0x22, 0x81) where command.p2 == 0xB6: return setDST(command)
        case (0x2A, _): return verifyCertificate(command, context: context)
        case (0x22, 0x81): return setATForTerminalAuthentication(command)
        case (0x84, _): return getChallenge(command, context: context)
        case (0x82, _): return externalAuthenticate(command, context: context)
        case (0x22, 0x41): return setATForChipAuthentication(command, context: context)
        case (0x86, _): return chipAuthentication(command, context: context)
        default: return CardSimulatorResponse.status(0x6D00)
        }
    }

    private func objects(_ data: [UInt8]) -> [BERTLV]? {
        try? BERTLVDecoder(options: .init(maximumDepth: 3)).decodeAll(data)
    }

    private func setDST(_ command: ISO7816CommandAPDU) -> [UInt8] {
        guard let objects = objects(command.data), objects.count == 1,
            objects[0].tag == .context(3, constructed: false)
        else { return CardSimulatorResponse.status(0x6A80) }
        let name = String(decoding: objects[0].value, as: UTF8.self)
        let known = [trustAnchor?.holderReference, link?.holderReference, documentVerifier?.holderReference]
            .compactMap { $0 }
        guard known.contains(name) else { return CardSimulatorResponse.status(0x6A88) }
        verificationKeyHolder = name
        return CardSimulatorResponse.status(0x9000)
    }

    private func verifyCertificate(_ command: ISO7816CommandAPDU, context: NPAEACContext) -> [UInt8] {
        guard let trustAnchor, let keyHolder = verificationKeyHolder else {
            return CardSimulatorResponse.status(0x6985)
        }
        guard let parts = objects(command.data), parts.count == 2,
            let certificate = try? NPACVCertificate(body: parts[0], signature: parts[1]),
            certificate.authorityReference == keyHolder
        else { return CardSimulatorResponse.status(0x6A80) }
        let role = certificate.holderAuthorization.role
        let documentVerifierRoles = [NPATerminalRole.officialDomesticDocumentVerifier, .foreignDocumentVerifier]
        let expectedRole: Bool
        if keyHolder == trustAnchor.holderReference {
            expectedRole = documentVerifierRoles.contains(role) || (role == .cvca && link == nil)
        } else if keyHolder == link?.holderReference {
            expectedRole = documentVerifierRoles.contains(role)
        } else {
            expectedRole = role == .terminal && documentVerifier != nil
        }
        guard expectedRole else { return CardSimulatorResponse.status(0x6A80) }
        // Expired by the chip's date: TR-03110-3 §2.5 (a terminal certificate is checked, not trusted).
        guard certificate.expirationDate >= currentDate else { return CardSimulatorResponse.status(0x6300) }
        if !taInitialized {
            guard (try? context.initializeTerminalAuthentication(certificate: trustAnchor.encoded)) != nil else {
                return CardSimulatorResponse.status(0x6F00)
            }
            taInitialized = true
        }
        guard context.importCertificate(certificate.encoded) else { return CardSimulatorResponse.status(0x6300) }
        if certificate.effectiveDate > currentDate { currentDate = certificate.effectiveDate }
        verificationKeyHolder = nil
        if role == .cvca {
            link = certificate
        } else if role == .terminal {
            terminal = certificate
        } else {
            documentVerifier = certificate
            terminal = nil
        }
        return CardSimulatorResponse.status(0x9000)
    }

    private func setATForTerminalAuthentication(_ command: ISO7816CommandAPDU) -> [UInt8] {
        guard let terminal, paceCHAT != nil else { return CardSimulatorResponse.status(0x6985) }
        guard let objects = objects(command.data),
            let algorithm = objects.first(where: { $0.tag == .context(0, constructed: false) }),
            let holder = objects.first(where: { $0.tag == .context(3, constructed: false) }),
            let key = objects.first(where: { $0.tag == .context(17, constructed: false) }), !key.value.isEmpty
        else { return CardSimulatorResponse.status(0x6A80) }
        guard algorithm.value == terminal.publicKey.algorithm.contentBytes,
            holder.value == Array(terminal.holderReference.utf8)
        else { return CardSimulatorResponse.status(0x6A88) }
        compressedEphemeralKey = key.value
        challengeIssued = false
        return CardSimulatorResponse.status(0x9000)
    }

    private func getChallenge(_ command: ISO7816CommandAPDU, context: NPAEACContext) -> [UInt8] {
        guard compressedEphemeralKey != nil, command.ne == 8 else { return CardSimulatorResponse.status(0x6985) }
        guard let nonce = try? context.terminalAuthenticationNonce() else {
            return CardSimulatorResponse.status(0x6F00)
        }
        challengeIssued = true
        return CardSimulatorResponse.data(nonce)
    }

    private func externalAuthenticate(_ command: ISO7816CommandAPDU, context: NPAEACContext) -> [UInt8] {
        guard challengeIssued, let compressed = compressedEphemeralKey, let terminal, let documentVerifier,
            let trustAnchor, let paceCHAT
        else { return CardSimulatorResponse.status(0x6985) }
        challengeIssued = false
        let verified = try? context.verifyTerminalSignature(
            command.data, compressedEphemeralKey: compressed, chipPACEKey: chipPACEKey)
        guard verified == true else { return CardSimulatorResponse.status(0x6300) }
        terminalAuthenticated = true
        let anchor = link ?? trustAnchor
        effectiveRights = paceCHAT.rights.intersection(terminal.holderAuthorization.rights)
            .intersection(documentVerifier.holderAuthorization.rights)
            .intersection(anchor.holderAuthorization.rights)
        if let link {
            previousTrustAnchor = trustAnchor
            self.trustAnchor = link
            self.link = nil
        }
        // PACE with the CAN opens the eID data only to terminals with "CAN allowed" (TR-03110-4 §2.2.3.2).
        if pacePassword == .can && !effectiveRights.contains(.canAllowed) { effectiveRights = [] }
        return CardSimulatorResponse.status(0x9000)
    }

    private func setATForChipAuthentication(_ command: ISO7816CommandAPDU, context: NPAEACContext) -> [UInt8] {
        guard terminalAuthenticated else { return CardSimulatorResponse.status(0x6985) }
        guard let objects = objects(command.data),
            let oid = objects.first(where: { $0.tag == .context(0, constructed: false) }),
            oid.value == CardSimulatorNPACard.chipAuthenticationInfo.protocolIdentifier.contentBytes
        else { return CardSimulatorResponse.status(0x6A80) }
        if let reference = objects.first(where: { $0.tag == .context(4, constructed: false) }) {
            guard (try? reference.integerValue()) == Self.keyID else { return CardSimulatorResponse.status(0x6A88) }
        }
        guard let chipKey, let secret = try? chipKey.pkcs8(),
            (try? context.setChipAuthenticationKey(privateKey: secret, publicKey: chipPublicKey)) != nil
        else { return CardSimulatorResponse.status(0x6F00) }
        chipAuthenticationSelected = true
        return CardSimulatorResponse.status(0x9000)
    }

    private func chipAuthentication(_ command: ISO7816CommandAPDU, context: NPAEACContext) -> [UInt8] {
        chipAuthenticationSelected = false
        guard let compressed = compressedEphemeralKey, !command.isChained,
            let template = try? BERTLV(bytes: command.data, options: .init(maximumDepth: 3)),
            template.tag == .application(28),
            let key = template.child(.context(0, constructed: false))?.value
        else { return CardSimulatorResponse.status(0x6A80) }
        guard (try? context.checkTerminalEphemeralKey(key, compressed: compressed)) == true else {
            return CardSimulatorResponse.status(0x6A80)
        }
        guard let answer = try? context.chipAuthenticationAnswer(terminalKey: key) else {
            return CardSimulatorResponse.status(0x6A80)
        }
        chipAuthenticated = true
        switchKeysAfterResponse = true
        var token = answer.token
        if fault == .wrongChipAuthenticationToken, !token.isEmpty { token[0] ^= 0x01 }
        var objects: [BERTLV] = [.primitive(.context(1, constructed: false), answer.nonce)]
        if fault != .missingChipAuthenticationToken {
            objects.append(.primitive(.context(2, constructed: false), token))
        }
        return CardSimulatorResponse.data(BERTLV.constructed(.application(28), objects).encoded)
    }
}
