/// Command constructors of Terminal and Chip Authentication v2 (BSI TR-03110-3 §B.11.2-B.11.6,
/// §B.14): MSE:Set DST, PSO:Verify Certificate, MSE:Set AT for TA and CA, GET CHALLENGE,
/// EXTERNAL AUTHENTICATE and GENERAL AUTHENTICATE for CA.
extension ISO7816CommandAPDU {
    /// MSE:Set DST `00 22 81 B6` with 83 = the name (CAR) of the public key that verifies the next certificate.
    public static func npaMSESetDST(authorityReference: String) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try ISO7816CommandAPDU(
            cla: 0x00, ins: 0x22, p1: 0x81, p2: 0xB6,
            data: BERTLV.primitive(.context(3, constructed: false), Array(authorityReference.utf8)).encoded)
    }

    /// PSO:Verify Certificate `00 2A 00 BE` with the certificate body (7F4E) and signature (5F37).
    public static func npaPSOVerifyCertificate(_ certificate: NPACVCertificate) throws(ISO7816APDUError)
        -> ISO7816CommandAPDU
    {
        try ISO7816CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x00, p2: 0xBE, data: certificate.verifyCertificateData)
    }

    /// MSE:Set AT for Terminal Authentication `00 22 81 A4`: 80 signature algorithm OID, 83 terminal
    /// CHR, 91 compressed ephemeral public key for Chip Authentication, optionally 67 auxiliary data.
    public static func npaMSESetATForTerminalAuthentication(
        algorithm: BERTLVObjectIdentifier, holderReference: String, compressedEphemeralKey: [UInt8],
        auxiliaryData: BERTLV? = nil
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        var objects: [BERTLV] = [
            .primitive(.context(0, constructed: false), algorithm.contentBytes),
            .primitive(.context(3, constructed: false), Array(holderReference.utf8)),
        ]
        if let auxiliaryData { objects.append(auxiliaryData) }
        objects.append(.primitive(.context(17, constructed: false), compressedEphemeralKey))
        return try manageSecurityEnvironmentSetAT(.externalAuthentication, data: objects.flatMap(\.encoded))
    }

    /// GET CHALLENGE `00 84 00 00 08`: the chip's 8-byte nonce r_PICC.
    public static func getChallenge(length: Int = 8) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try ISO7816CommandAPDU(cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, ne: length)
    }

    /// EXTERNAL AUTHENTICATE `00 82 00 00` with the terminal's signature.
    public static func externalAuthenticate(signature: [UInt8]) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try ISO7816CommandAPDU(cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: signature)
    }

    /// MSE:Set AT for Chip Authentication `00 22 41 A4`: 80 CA protocol OID, 84 key id if the card has several.
    public static func npaMSESetATForChipAuthentication(
        protocol oid: BERTLVObjectIdentifier, keyID: Int?
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        var objects: [BERTLV] = [.primitive(.context(0, constructed: false), oid.contentBytes)]
        if let keyID { objects.append(.integer(keyID, tag: .context(4, constructed: false))) }
        return try manageSecurityEnvironmentSetAT(.internalAuthentication, data: objects.flatMap(\.encoded))
    }
}
