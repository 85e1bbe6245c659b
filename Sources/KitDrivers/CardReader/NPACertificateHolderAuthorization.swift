/// The role a CV certificate gives its holder: bits 39-38 of the authorization of an
/// authentication terminal (BSI TR-03110-3 §C.4, TR-03110-4 §2.2.3.2).
public enum NPATerminalRole: UInt8, Sendable, CaseIterable {
    /// 11: country verifying CA.
    case cvca = 3
    /// 10: document verifier, official domestic.
    case officialDomesticDocumentVerifier = 2
    /// 01: document verifier, non-official or foreign.
    case foreignDocumentVerifier = 1
    /// 00: terminal.
    case terminal = 0
}

/// The access rights of an authentication terminal, bits 37-0 of its CHAT (BSI TR-03110-4
/// §2.2.3.2, Table 2): special functions in bits 0-7, read access to DG1-DG21 in bits 8-28,
/// write access to DG22 ... DG17 in bits 32-37.
public struct NPAAuthenticationTerminalRights: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue & Self.mask
    }

    /// All 38 right bits.
    static let mask: UInt64 = (1 << 38) - 1

    /// Bit 0: age verification.
    public static let ageVerification = Self(rawValue: 1 << 0)
    /// Bit 1: community ID verification.
    public static let communityIDVerification = Self(rawValue: 1 << 1)
    /// Bit 2: restricted identification.
    public static let restrictedIdentification = Self(rawValue: 1 << 2)
    /// Bit 3: privileged terminal.
    public static let privilegedTerminal = Self(rawValue: 1 << 3)
    /// Bit 4: CAN allowed (PACE with the CAN suffices for this terminal).
    public static let canAllowed = Self(rawValue: 1 << 4)
    /// Bit 5: PIN management.
    public static let pinManagement = Self(rawValue: 1 << 5)
    /// Bit 6: install certificate.
    public static let installCertificate = Self(rawValue: 1 << 6)
    /// Bit 7: install qualified certificate.
    public static let installQualifiedCertificate = Self(rawValue: 1 << 7)

    /// Read access to data group `number` (1 ... 21): bit 7 + number.
    public static func read(dataGroup number: Int) -> Self {
        guard (1...21).contains(number) else { return [] }
        return Self(rawValue: 1 << UInt64(7 + number))
    }

    /// Write access to data group `number` (17 ... 22): DG17 bit 37 down to DG22 bit 32.
    public static func write(dataGroup number: Int) -> Self {
        guard (17...22).contains(number) else { return [] }
        return Self(rawValue: 1 << UInt64(54 - number))
    }

    /// Everything (what a CVCA or DV certificate usually grants).
    public static let all = Self(rawValue: mask)

    public var description: String {
        var names: [String] = []
        let special = [
            "age verification", "community ID verification", "restricted identification", "privileged terminal",
            "CAN allowed", "PIN management", "install certificate", "install qualified certificate",
        ]
        for (bit, name) in special.enumerated() where rawValue & (1 << UInt64(bit)) != 0 { names.append(name) }
        for group in 1...21 where contains(.read(dataGroup: group)) { names.append("read DG\(group)") }
        for group in 17...22 where contains(.write(dataGroup: group)) { names.append("write DG\(group)") }
        return names.isEmpty ? "no rights" : names.joined(separator: ", ")
    }
}

/// Certificate Holder Authorization Template (CHAT, tag 7F4C): terminal type OID and a
/// discretionary-data bit mask with role and rights (BSI TR-03110-3 §C.1.5 and §D.2.1.4; for
/// authentication terminals, id-AT 0.4.0.127.0.7.3.1.2.2 with 5 bytes, TR-03110-4 §2.2.3.2).
///
/// Sent in MSE:Set AT of PACE (the rights the terminal asks for) and contained in every CV certificate.
public struct NPACertificateHolderAuthorization: Hashable, Sendable {
    /// id-AT: authentication terminal.
    public static let authenticationTerminal = BERTLVObjectIdentifier(validArcs: 0, 4, 0, 127, 0, 7, 3, 1, 2, 2)

    /// Terminal type.
    public var terminalType: BERTLVObjectIdentifier
    /// Role of the holder.
    public var role: NPATerminalRole
    /// Rights of the holder.
    public var rights: NPAAuthenticationTerminalRights

    /// Creates a CHAT for an authentication terminal.
    public init(
        role: NPATerminalRole, rights: NPAAuthenticationTerminalRights,
        terminalType: BERTLVObjectIdentifier = Self.authenticationTerminal
    ) {
        self.terminalType = terminalType
        self.role = role
        self.rights = rights
    }

    /// Decodes a 7F4C object.
    public init(tlv: BERTLV) throws(NPACVCertificateError) {
        guard tlv.tag == .application(76) else { throw .unexpectedTag(expected: "7F4C", found: tlv.tag) }
        let children = tlv.children
        guard children.count == 2, children[0].tag == .objectIdentifier,
            children[1].tag == .application(19, constructed: false)
        else { throw .malformed(field: "CHAT", reason: "expected an OID and discretionary data (53)") }
        do {
            terminalType = try children[0].objectIdentifierValue()
        } catch {
            throw .malformed(field: "CHAT", reason: "\(error)")
        }
        let mask = children[1].value
        guard terminalType == Self.authenticationTerminal else {
            throw .unsupported(field: "CHAT", reason: "terminal type \(terminalType) is not an authentication terminal")
        }
        guard mask.count == 5 else {
            throw .malformed(field: "CHAT", reason: "\(mask.count) bytes of rights instead of 5")
        }
        let value = mask.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        role = NPATerminalRole(rawValue: UInt8(value >> 38)) ?? .terminal
        rights = NPAAuthenticationTerminalRights(rawValue: value)
    }

    /// The 7F4C object.
    public var tlv: BERTLV {
        let value = UInt64(role.rawValue) << 38 | rights.rawValue
        let mask = (0..<5).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64($0 * 8)) }
        return .constructed(
            .application(76), [.objectIdentifier(terminalType), .primitive(.application(19, constructed: false), mask)])
    }
}

extension NPAAuthenticationTerminalRights {
    /// The rights of the kit's Änderungsterminal: identity check (read DG1-DG10 and DG13: document
    /// type, issuing state, expiry, names, doctoral degree, date and place of birth, nationality,
    /// birth name), read and write DG17 (place of residence) and DG18 (municipality ID), CAN allowed.
    public static let changeTerminal: Self = {
        var rights: Self = [.canAllowed]
        for group in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 17, 18] { rights.insert(.read(dataGroup: group)) }
        rights.insert(.write(dataGroup: 17))
        rights.insert(.write(dataGroup: 18))
        return rights
    }()
}
