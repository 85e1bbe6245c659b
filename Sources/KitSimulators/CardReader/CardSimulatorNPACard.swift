import KitDrivers

/// The chip side of a German ID card (nPA) as far as the kit uses it (BSI TR-03110-2 §3.2,
/// TR-03110-3 §B.11.1 and §B.14, TR-03110-4 §2.2, TR-03127 §4 password handling):
///
/// - ATR of the test specimen, EF.CardAccess with a PACEInfo (ECDH-GM-AES-CBC-CMAC-128,
///   brainpoolP256r1), TerminalAuthenticationInfo and ChipAuthenticationInfo;
/// - PACE with CAN, PIN or PUK (OpenPACE's chip role), then secure messaging;
/// - PIN retry counter 3 → 63C2 → 63C1 (suspended: PIN only inside a CAN session) → 63C0
///   (blocked; RESET RETRY COUNTER after PACE with the PUK unblocks it);
/// - Terminal Authentication v2 against a trust anchor (a CVCA certificate) and Chip
///   Authentication v2 with a static key in EF.CardSecurity (``CardSimulatorEACChip``);
/// - the eID application with DG17 (place of residence) and DG18, readable and writable only after
///   Terminal and Chip Authentication with the matching rights in the effective CHAT (6982 otherwise);
///   a written DG17 stays for the life of the card object.
public final class CardSimulatorNPACard: CardSimulatorCard {
    public let atr: [UInt8] = CardSimulatorATR.germanIDCardTest

    /// The card's passwords.
    public struct Passwords: Sendable {
        /// Card access number.
        public var can: String
        /// PIN.
        public var pin: String
        /// PUK.
        public var puk: String

        /// Creates passwords.
        public init(can: String = "222222", pin: String = "111111", puk: String = "3333333333") {
            self.can = can
            self.pin = pin
            self.puk = puk
        }
    }

    /// The PACE variant the card offers: id-PACE-ECDH-GM-AES-CBC-CMAC-128 with brainpoolP256r1 (id 13).
    public static let paceInfo = NPAPACEInfo(
        protocolIdentifier: NPAObjectIdentifiers.pace.appending(2, 2), version: 2,
        parameterID: NPAStandardizedDomainParameters.brainpoolP256r1.rawValue)

    /// The identity of the test specimen: ERIKA MUSTERMANN, born 12 August 1964.
    public static let testIdentity = NPAIdentity(
        givenNames: "ERIKA", familyNames: "MUSTERMANN", dateOfBirth: "19640812")

    /// Chip Authentication v2 with id-CA-ECDH-AES-CBC-CMAC-128, key id 65.
    public static let chipAuthenticationInfo = NPAChipAuthenticationInfo(
        protocolIdentifier: NPAObjectIdentifiers.caECDH.appending(2), version: 2, keyID: 65)

    /// EF.CardAccess of the simulated card (TR-03110-3 §A.1.2).
    public static let cardAccess: [UInt8] = NPACardAccess(securityInfos: [
        .pace(paceInfo),
        .terminalAuthentication(NPATerminalAuthenticationInfo(version: 2)),
        .chipAuthentication(chipAuthenticationInfo),
        .chipAuthenticationDomainParameter(
            NPAChipAuthenticationDomainParameterInfo(
                protocolIdentifier: NPAObjectIdentifiers.caECDH,
                domainParameter: .standardized(.brainpoolP256r1), keyID: 65)),
    ]).encoded

    private let passwords: Passwords
    private let fault: CardSimulatorFault
    private var fileSystem: CardSimulatorFileSystem
    /// PIN tries left (3 … 0).
    public private(set) var pinRetryCounter = 3

    // Volatile state.
    private var pace: PACERun?
    private var secureMessaging: NPASecureMessaging?
    private var authenticatedWith: NPAPACEPassword?
    private var canAuthenticatedInSession = false
    private let eac: CardSimulatorEACChip

    private struct PACERun {
        var password: NPAPACEPassword
        var chat: NPACertificateHolderAuthorization?
        var context: NPAEACContext?
        var step = 0
        var terminalKey: [UInt8] = []
        var ownKey: [UInt8] = []
    }

    /// Creates the card with its address in DG17.
    ///
    /// The CVCA the card trusts now (it moves on when a terminal presents a valid CVCA link certificate).
    public var trustAnchorHolder: String? { eac.trustAnchor?.holderReference }

    /// - Parameter trustAnchor: the CVCA certificate the card trusts for Terminal Authentication
    ///   (``CardSimulatorTerminalPKI/cvca``); without one every terminal chain is refused.
    public init(
        passwords: Passwords = Passwords(), placeOfResidence: NPAPlaceOfResidence,
        identity: NPAIdentity = CardSimulatorNPACard.testIdentity, trustAnchor: NPACVCertificate? = nil,
        fault: CardSimulatorFault = .none
    ) {
        self.passwords = passwords
        self.fault = fault
        let eac = CardSimulatorEACChip(trustAnchor: trustAnchor, fault: fault)
        self.eac = eac
        let cardSecurity = NPACardSecurity.unsigned(securityInfos: [
            NPACardSecurity.chipAuthenticationPublicKeyInfo(
                point: eac.chipPublicKey, parameters: .brainpoolP256r1, keyID: CardSimulatorEACChip.keyID),
            NPASecurityInfo.chipAuthentication(Self.chipAuthenticationInfo).tlv,
            NPASecurityInfo.pace(Self.paceInfo).tlv,
        ])
        var access = Self.cardAccess
        switch fault {
        case .badTLVLength: access = [0x31, 0x82, 0xFF, 0xF0] + access.dropFirst(2)
        case .hugeLength: access = [0x31, 0x84, 0x7F, 0xFF, 0xFF, 0xFF] + access.dropFirst(2)
        default: break
        }
        let dg17 = (try? placeOfResidence.encoded()) ?? []
        let identityGroups = identity.encodedDataGroups
        let identityFiles = [
            (NPAIdentity.File.dg4, 4, identityGroups.dg4), (NPAIdentity.File.dg5, 5, identityGroups.dg5),
            (NPAIdentity.File.dg8, 8, identityGroups.dg8),
        ].map { file, group, content in
            CardSimulatorFile(
                fid: file.fid, sfi: file.sfi, content: content, read: .authorized(.read(dataGroup: group)))
        }
        fileSystem = CardSimulatorFileSystem(
            masterFiles: [
                CardSimulatorFile(fid: NPAFile.cardAccess.fid, sfi: NPAFile.cardAccess.sfi, content: access),
                CardSimulatorFile(
                    fid: NPAFile.cardSecurity.fid, sfi: NPAFile.cardSecurity.sfi, content: cardSecurity,
                    read: .secureMessaging),
            ],
            applications: [
                CardSimulatorApplication(
                    aid: NPAFile.eIDApplicationAID,
                    files: identityFiles + [
                        CardSimulatorFile(
                            fid: NPAFile.dg17.fid, sfi: NPAFile.dg17.sfi, content: dg17,
                            read: .authorized(.read(dataGroup: 17)), write: .authorized(.write(dataGroup: 17))),
                        CardSimulatorFile(
                            fid: NPAFile.dg18.fid, sfi: NPAFile.dg18.sfi, content: [],
                            read: .authorized(.read(dataGroup: 18)), write: .authorized(.write(dataGroup: 18))),
                    ])
            ])
    }

    public func powerOn() { reset() }
    public func powerOff() { reset() }

    public func reset() {
        fileSystem.resetSelection()
        pace = nil
        secureMessaging = nil
        authenticatedWith = nil
        canAuthenticatedInSession = false
        eac.endSession()
    }

    public func respond(to apdu: [UInt8]) -> [UInt8] {
        guard let command = try? ISO7816CommandAPDU(bytes: apdu) else { return CardSimulatorResponse.status(0x6700) }
        guard command.cla & 0x0C == 0x0C else {
            // A plain command ends secure messaging (ISO/IEC 7816-4:2013 §10.2).
            if secureMessaging != nil { endSecureSession() }
            return process(command, secured: false)
        }
        guard let messaging = secureMessaging else { return CardSimulatorResponse.status(0x6987) }
        let plain: ISO7816CommandAPDU
        do {
            plain = try messaging.unprotectCommand(command)
        } catch {
            endSecureSession()
            return CardSimulatorResponse.status(0x6988)
        }
        let response = process(plain, secured: true)
        guard let answer = try? ISO7816ResponseAPDU(bytes: response),
            let protected = try? messaging.protectResponse(answer)
        else {
            endSecureSession()
            return CardSimulatorResponse.status(0x6988)
        }
        if eac.switchKeysAfterResponse {
            // Chip Authentication answered under the PACE keys; from now on the CA keys hold (SSC 0).
            eac.switchKeysAfterResponse = false
            guard (try? messaging.context.startChipAuthenticationSecureMessaging()) != nil else {
                endSecureSession()
                return protected.encoded
            }
            secureMessaging = NPASecureMessaging(context: messaging.context)
        }
        if let next = pendingMessaging {
            // A PACE inside the channel finished: its answer used the old keys, the rest the new ones.
            secureMessaging = next
            pendingMessaging = nil
        }
        return protected.encoded
    }

    private var pendingMessaging: NPASecureMessaging?

    private func endSecureSession() {
        secureMessaging = nil
        pendingMessaging = nil
        authenticatedWith = nil
        canAuthenticatedInSession = false
        pace = nil
        eac.endSession()
    }

    private func process(_ command: ISO7816CommandAPDU, secured: Bool) -> [UInt8] {
        let allowed: (CardSimulatorAccess) -> Bool = { access in
            switch access {
            case .always: return true
            case .secureMessaging: return secured
            case .terminalAuthenticated: return secured && self.eac.chipAuthenticated
            case .authorized(let right): return secured && self.eac.grants(right)
            case .never: return false
            }
        }
        if eac.handles(command) {
            return eac.respond(to: command, secured: secured)
        }
        switch command.ins {
        case 0xA4:
            return fileSystem.select(command)
        case 0xB0:
            return fileSystem.readBinary(command, allowed: allowed)
        case 0xD6:
            return fileSystem.updateBinary(command, allowed: allowed)
        case 0x22 where command.p1 == 0xC1 && command.p2 == 0xA4:
            return manageSecurityEnvironment(command, secured: secured)
        case 0x86:
            return generalAuthenticate(command, secured: secured)
        case 0x2C where command.p1 == 0x03 && command.p2 == 0x03:
            guard secured, authenticatedWith == .puk else { return CardSimulatorResponse.status(0x6982) }
            pinRetryCounter = 3
            return CardSimulatorResponse.status(0x9000)
        default:
            return CardSimulatorResponse.status(0x6D00)
        }
    }

    // MARK: - PACE, chip side

    private func manageSecurityEnvironment(_ command: ISO7816CommandAPDU, secured: Bool) -> [UInt8] {
        guard let objects = try? BERTLVDecoder(options: .init(maximumDepth: 3)).decodeAll(command.data),
            let oid = objects.first(where: { $0.tag == .context(0, constructed: false) }),
            let reference = objects.first(where: { $0.tag == .context(3, constructed: false) }),
            reference.value.count == 1, let password = NPAPACEPassword(rawValue: reference.value[0])
        else { return CardSimulatorResponse.status(0x6A80) }
        guard oid.value == Self.paceInfo.protocolIdentifier.contentBytes else {
            return CardSimulatorResponse.status(0x6A80)
        }
        guard password != .mrz else { return CardSimulatorResponse.status(0x6A88) }
        var chat: NPACertificateHolderAuthorization?
        if let template = objects.first(where: { $0.tag == .application(76) }) {
            guard let decoded = try? NPACertificateHolderAuthorization(tlv: template) else {
                return CardSimulatorResponse.status(0x6A80)
            }
            chat = decoded
        }
        pace = PACERun(password: password, chat: chat)
        guard password == .pin else { return CardSimulatorResponse.status(0x9000) }
        switch pinRetryCounter {
        case 3: return CardSimulatorResponse.status(0x9000)
        default: return CardSimulatorResponse.status(0x63C0 | UInt16(pinRetryCounter))
        }
    }

    private func generalAuthenticate(_ command: ISO7816CommandAPDU, secured: Bool) -> [UInt8] {
        guard var run = pace else { return CardSimulatorResponse.status(0x6985) }
        if fault == .badTLVLength {
            return CardSimulatorResponse.data([0x7C, 0x82, 0x40, 0x00, 0x80, 0x10])
        }
        guard let template = try? BERTLV(bytes: command.data, options: .init(maximumDepth: 3)),
            template.tag == .application(28)
        else {
            pace = nil
            return CardSimulatorResponse.status(0x6A80)
        }
        func object(_ number: UInt32) -> [UInt8]? {
            template.child(.context(number, constructed: false))?.value
        }
        do {
            switch run.step {
            case 0:
                if run.password == .pin {
                    if pinRetryCounter == 0 { return fail(0x6983) }
                    if pinRetryCounter == 1 && !(secured && canAuthenticatedInSession) { return fail(0x6985) }
                }
                let context = try NPAEACContext(cardAccess: Self.cardAccess)
                let secret = try NPAPACEPasswordSecret(run.password, digits: digits(for: run.password))
                let nonce = try context.encryptNonce(secret)
                run.context = context
                run.step = 1
                pace = run
                return reply([.primitive(.context(0, constructed: false), nonce)])
            case 1:
                guard let context = run.context, let mapping = object(1) else { return fail(0x6A80) }
                let own = try context.generateMappingData()
                try context.mapGenerator(otherMappingData: mapping)
                run.step = 2
                pace = run
                return reply([.primitive(.context(2, constructed: false), own)])
            case 2:
                guard let context = run.context, let terminalKey = object(3) else { return fail(0x6A80) }
                let own = try context.generateEphemeralKey()
                guard own != terminalKey else { return fail(0x6A80) }
                try context.computeSharedSecret(otherPublicKey: terminalKey)
                try context.deriveKeys()
                run.terminalKey = terminalKey
                run.ownKey = own
                run.step = 3
                pace = run
                return reply([.primitive(.context(4, constructed: false), own)])
            case 3:
                guard let context = run.context, let token = object(5), !command.isChained else { return fail(0x6A80) }
                guard try context.verifyAuthenticationToken(token) else { return wrongPassword(run.password) }
                let own = try context.authenticationToken(otherPublicKey: run.terminalKey)
                try context.startPACESecureMessaging()
                pace = nil
                authenticatedWith = run.password
                if run.password == .can { canAuthenticatedInSession = true }
                if run.password == .pin { pinRetryCounter = 3 }
                let messaging = NPASecureMessaging(context: context)
                eac.startSession(context: context, chipPACEKey: run.ownKey, chat: run.chat, password: run.password)
                if secured {
                    pendingMessaging = messaging
                } else {
                    secureMessaging = messaging
                }
                // With a CHAT the card names the CVCAs it trusts (TR-03110-3 §B.11.1): 87 most recent, 88 previous.
                var objects: [BERTLV] = [.primitive(.context(6, constructed: false), own)]
                if run.chat != nil {
                    for (tag, holder) in zip([7, 8] as [UInt32], eac.trustAnchorReferences) {
                        objects.append(.primitive(.context(tag, constructed: false), Array(holder.utf8)))
                    }
                }
                return reply(objects)
            default:
                return fail(0x6985)
            }
        } catch {
            return fail(0x6A80)
        }
    }

    private func digits(for password: NPAPACEPassword) -> String {
        switch password {
        case .can: return passwords.can
        case .pin: return passwords.pin
        case .puk: return passwords.puk
        case .mrz: return ""
        }
    }

    private func wrongPassword(_ password: NPAPACEPassword) -> [UInt8] {
        pace = nil
        guard password == .pin else { return CardSimulatorResponse.status(0x6300) }
        pinRetryCounter = max(0, pinRetryCounter - 1)
        return CardSimulatorResponse.status(0x63C0 | UInt16(pinRetryCounter))
    }

    private func fail(_ sw: UInt16) -> [UInt8] {
        pace = nil
        return CardSimulatorResponse.status(sw)
    }

    private func reply(_ objects: [BERTLV]) -> [UInt8] {
        CardSimulatorResponse.data(BERTLV.constructed(.application(28), objects).encoded)
    }
}
