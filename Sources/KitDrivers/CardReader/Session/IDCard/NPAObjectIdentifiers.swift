/// Object identifiers of the BSI eID protocols (BSI TR-03110-3 §A.1.1 and Appendix A.2-A.4),
/// all under bsi-de = 0.4.0.127.0.7.
public enum NPAObjectIdentifiers {
    /// bsi-de protocols smartcards: 0.4.0.127.0.7.2.2.
    public static let smartcards = BERTLVObjectIdentifier(validArcs: 0, 4, 0, 127, 0, 7, 2, 2)
    /// id-PK (ChipAuthenticationPublicKeyInfo): 0.4.0.127.0.7.2.2.1.
    public static let pk = smartcards.appending(1)
    /// id-TA (TerminalAuthenticationInfo): 0.4.0.127.0.7.2.2.2.
    public static let ta = smartcards.appending(2)
    /// id-CA (ChipAuthenticationInfo): 0.4.0.127.0.7.2.2.3.
    public static let ca = smartcards.appending(3)
    /// id-CA-DH: 0.4.0.127.0.7.2.2.3.1.
    public static let caDH = ca.appending(1)
    /// id-CA-ECDH: 0.4.0.127.0.7.2.2.3.2.
    public static let caECDH = ca.appending(2)
    /// id-PACE (PACEInfo): 0.4.0.127.0.7.2.2.4.
    public static let pace = smartcards.appending(4)
    /// id-RI (RestrictedIdentificationInfo): 0.4.0.127.0.7.2.2.5.
    public static let ri = smartcards.appending(5)
    /// id-CI (CardInfoLocator): 0.4.0.127.0.7.2.2.6.
    public static let cardInfo = smartcards.appending(6)
    /// id-eIDSecurity (EIDSecurityInfo): 0.4.0.127.0.7.2.2.7.
    public static let eIDSecurity = smartcards.appending(7)
    /// id-PT (PrivilegedTerminalInfo): 0.4.0.127.0.7.2.2.8.
    public static let privilegedTerminal = smartcards.appending(8)
    /// standardizedDomainParameters (AlgorithmIdentifier of TR-03110-3 §A.2.1.1): 0.4.0.127.0.7.1.2.
    public static let standardizedDomainParameters = BERTLVObjectIdentifier(validArcs: 0, 4, 0, 127, 0, 7, 1, 2)
    /// id-eIDApplication DF name (TR-03110-4 §2.2): E8 07 04 00 7F 00 07 03 02 (OID 0.4.0.127.0.7.3.2).
    public static let eIDApplication = BERTLVObjectIdentifier(validArcs: 0, 4, 0, 127, 0, 7, 3, 2)
}

/// Files of the German ID card used by the kit (BSI TR-03110-4 §2.2, Tables 2 and 3).
public enum NPAFile {
    /// EF.CardAccess in the MF: FID 011C, SFI 1C.
    public static let cardAccess: (fid: UInt16, sfi: UInt8) = (0x011C, 0x1C)
    /// EF.CardSecurity in the MF: FID 011D, SFI 1D.
    public static let cardSecurity: (fid: UInt16, sfi: UInt8) = (0x011D, 0x1D)
    /// DG17 place of residence in the eID application: FID 0111, SFI 11.
    public static let dg17: (fid: UInt16, sfi: UInt8) = (0x0111, 0x11)
    /// DG18 municipality ID in the eID application: FID 0112, SFI 12.
    public static let dg18: (fid: UInt16, sfi: UInt8) = (0x0112, 0x12)
    /// The DF name (AID) of the eID application: the DER content of id-eIDApplication prefixed by E8 07.
    public static let eIDApplicationAID: [UInt8] = [0xE8, 0x07] + NPAObjectIdentifiers.eIDApplication.contentBytes
}
