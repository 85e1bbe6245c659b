/// The PACE variant named by a PACEInfo protocol OID id-PACE-<agreement>-<mapping>-<cipher>
/// (BSI TR-03110-3 §A.1.1.1, Table 2 of §A.4 in older editions).
public struct NPAPACEAlgorithm: Hashable, Sendable, CustomStringConvertible {
    /// Key agreement and mapping: arc 1 DH-GM, 2 ECDH-GM, 3 DH-IM, 4 ECDH-IM, 6 ECDH-CAM.
    public enum Mapping: UInt64, Sendable {
        /// id-PACE-DH-GM.
        case dhGeneric = 1
        /// id-PACE-ECDH-GM.
        case ecdhGeneric = 2
        /// id-PACE-DH-IM.
        case dhIntegrated = 3
        /// id-PACE-ECDH-IM.
        case ecdhIntegrated = 4
        /// id-PACE-ECDH-CAM (chip authentication mapping).
        case ecdhChipAuthentication = 6
    }

    /// Secure-messaging cipher: arc 1 3DES-CBC-CBC, 2 AES-CBC-CMAC-128, 3 -192, 4 -256.
    public enum Cipher: UInt64, Sendable {
        /// 3DES-CBC-CBC.
        case tripleDES = 1
        /// AES-CBC-CMAC-128.
        case aes128 = 2
        /// AES-CBC-CMAC-192.
        case aes192 = 3
        /// AES-CBC-CMAC-256.
        case aes256 = 4
    }

    /// The mapping.
    public let mapping: Mapping
    /// The cipher.
    public let cipher: Cipher

    /// Creates an algorithm; chip authentication mapping exists only with AES.
    public init?(mapping: Mapping, cipher: Cipher) {
        if mapping == .ecdhChipAuthentication && cipher == .tripleDES { return nil }
        self.mapping = mapping
        self.cipher = cipher
    }

    /// Recognises a PACEInfo protocol OID.
    public init?(protocol oid: BERTLVObjectIdentifier) {
        let base = NPAObjectIdentifiers.pace.arcs
        guard oid.arcs.count == base.count + 2, oid.hasPrefix(NPAObjectIdentifiers.pace),
            let mapping = Mapping(rawValue: oid.arcs[base.count]),
            let cipher = Cipher(rawValue: oid.arcs[base.count + 1])
        else { return nil }
        self.init(mapping: mapping, cipher: cipher)
    }

    /// The protocol OID, e.g. 0.4.0.127.0.7.2.2.4.2.2 for ECDH-GM-AES-CBC-CMAC-128.
    public var protocolIdentifier: BERTLVObjectIdentifier {
        NPAObjectIdentifiers.pace.appending(mapping.rawValue, cipher.rawValue)
    }

    public var description: String {
        let mappingName: String
        switch mapping {
        case .dhGeneric: mappingName = "DH-GM"
        case .ecdhGeneric: mappingName = "ECDH-GM"
        case .dhIntegrated: mappingName = "DH-IM"
        case .ecdhIntegrated: mappingName = "ECDH-IM"
        case .ecdhChipAuthentication: mappingName = "ECDH-CAM"
        }
        let cipherName: String
        switch cipher {
        case .tripleDES: cipherName = "3DES-CBC-CBC"
        case .aes128: cipherName = "AES-CBC-CMAC-128"
        case .aes192: cipherName = "AES-CBC-CMAC-192"
        case .aes256: cipherName = "AES-CBC-CMAC-256"
        }
        return "id-PACE-\(mappingName)-\(cipherName)"
    }
}

/// Standardized domain parameters referenced by parameterId (BSI TR-03110-3 §A.2.1.1, Table 4).
public enum NPAStandardizedDomainParameters: Int, Sendable, CaseIterable {
    /// 0: 1024-bit MODP group with 160-bit prime order subgroup (RFC 5114).
    case modp1024_160 = 0
    /// 1: 2048-bit MODP group with 224-bit prime order subgroup (RFC 5114).
    case modp2048_224 = 1
    /// 2: 2048-bit MODP group with 256-bit prime order subgroup (RFC 5114).
    case modp2048_256 = 2
    /// 8: NIST P-192 (secp192r1).
    case nistP192 = 8
    /// 9: BrainpoolP192r1.
    case brainpoolP192r1 = 9
    /// 10: NIST P-224 (secp224r1).
    case nistP224 = 10
    /// 11: BrainpoolP224r1.
    case brainpoolP224r1 = 11
    /// 12: NIST P-256 (secp256r1).
    case nistP256 = 12
    /// 13: BrainpoolP256r1 (used by German ID cards).
    case brainpoolP256r1 = 13
    /// 14: BrainpoolP320r1.
    case brainpoolP320r1 = 14
    /// 15: NIST P-384 (secp384r1).
    case nistP384 = 15
    /// 16: BrainpoolP384r1.
    case brainpoolP384r1 = 16
    /// 17: BrainpoolP512r1.
    case brainpoolP512r1 = 17
    /// 18: NIST P-521 (secp521r1).
    case nistP521 = 18

    /// Whether the parameters define an elliptic curve (ids 8 … 18) rather than a MODP group.
    public var isEllipticCurve: Bool { rawValue >= 8 }
}
