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
