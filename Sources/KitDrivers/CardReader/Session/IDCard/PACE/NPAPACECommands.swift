/// The password PACE runs with, as referenced in MSE:Set AT tag 83 (BSI TR-03110-3 §B.11.1, Table 32;
/// TR-03110-4 §3.2.1).
public enum NPAPACEPassword: UInt8, Sendable {
    /// 01: machine readable zone.
    case mrz = 0x01
    /// 02: card access number (6 digits printed on the card).
    case can = 0x02
    /// 03: PIN (6 digits).
    case pin = 0x03
    /// 04: PUK (10 digits).
    case puk = 0x04
}

/// Command constructors for the start of PACE on a German ID card (BSI TR-03110-3 §B.11.1, §B.14).
extension ISO7816CommandAPDU {
    /// MSE:Set AT for PACE, `00 22 C1 A4` with 80 (protocol OID), 83 (password), optionally 84
    /// (domain parameter id) and the CHAT (tag 7F4C) for the following Terminal Authentication.
    public static func npaMSESetATForPACE(
        protocol oid: BERTLVObjectIdentifier, password: NPAPACEPassword, domainParameterID: Int? = nil,
        certificateHolderAuthorizationTemplate chat: BERTLV? = nil
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        var objects: [BERTLV] = [
            .primitive(.context(0, constructed: false), oid.contentBytes),
            .primitive(.context(3, constructed: false), [password.rawValue]),
        ]
        if let domainParameterID {
            objects.append(.integer(domainParameterID, tag: .context(4, constructed: false)))
        }
        if let chat {
            objects.append(chat)
        }
        return try manageSecurityEnvironmentSetAT(.mutualAuthentication, data: objects.flatMap(\.encoded))
    }
}
