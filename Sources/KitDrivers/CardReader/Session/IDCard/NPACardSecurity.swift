/// EF.CardSecurity of the German ID card (BSI TR-03110-3 §A.1.2.2): a CMS ContentInfo with
/// SignedData whose encapsulated content (id-SecurityObject) is a SecurityInfos SET, among them the
/// ChipAuthenticationPublicKeyInfo (id-PK-ECDH, SubjectPublicKeyInfo, keyId) that Chip
/// Authentication needs (§A.1.1.2).
///
/// The kit extracts the key; it does not perform Passive Authentication (the CSCA signature over
/// the SignedData), see docs/npa-eac.md.
public enum NPACardSecurity {
    /// id-PK-ECDH: 0.4.0.127.0.7.2.2.1.2.
    public static let pkECDH = NPAObjectIdentifiers.pk.appending(2)
    /// id-signedData: 1.2.840.113549.1.7.2.
    public static let signedData = BERTLVObjectIdentifier(validArcs: 1, 2, 840, 113_549, 1, 7, 2)
    /// id-SecurityObject: 0.4.0.127.0.7.3.2.1.
    public static let securityObject = BERTLVObjectIdentifier(validArcs: 0, 4, 0, 127, 0, 7, 3, 2, 1)

    static let bitString = BERTLVTag(tagClass: .universal, isConstructed: false, number: 3)

    /// The chip's static EC public point for `keyID` (or the only key when nil).
    public static func chipAuthenticationPublicKey(in bytes: [UInt8], keyID: Int?) throws(NPAEACError) -> [UInt8] {
        let infos = try securityInfos(in: bytes)
        var keys: [(id: Int?, point: [UInt8])] = []
        for info in infos.children where info.tag == .sequence {
            let fields = info.children
            guard fields.count >= 2, fields[0].tag == .objectIdentifier,
                (try? fields[0].objectIdentifierValue()) == pkECDH, fields[1].tag == .sequence
            else { continue }
            let spki = fields[1].children
            guard spki.count == 2, spki[1].tag == bitString, spki[1].value.count > 1, spki[1].value[0] == 0 else {
                throw .malformedResponse(step: "EF.CardSecurity", reason: "chip public key is not a BIT STRING")
            }
            var id: Int?
            if fields.count > 2, fields[2].tag == .integer { id = try? fields[2].integerValue() }
            keys.append((id, Array(spki[1].value.dropFirst())))
        }
        if let keyID, let key = keys.first(where: { $0.id == keyID }) { return key.point }
        if keys.count == 1, let key = keys.first, keyID == nil || key.id == nil { return key.point }
        throw .chipAuthenticationUnavailable(reason: "EF.CardSecurity holds no chip authentication key \(keyID ?? 0)")
    }

    /// The SecurityInfos SET inside the SignedData.
    static func securityInfos(in bytes: [UInt8]) throws(NPAEACError) -> BERTLV {
        do {
            let contentInfo = try BERTLV(bytes: bytes, options: .init(maximumDepth: 12))
            guard contentInfo.tag == .sequence, contentInfo.children.count == 2,
                try contentInfo.children[0].objectIdentifierValue() == signedData,
                contentInfo.children[1].tag == .context(0),
                let signed = contentInfo.children[1].children.first, signed.tag == .sequence, signed.children.count >= 3
            else { throw NPAEACError.malformedResponse(step: "EF.CardSecurity", reason: "not a CMS SignedData") }
            let encapsulated = signed.children[2]
            guard encapsulated.tag == .sequence, encapsulated.children.count == 2,
                try encapsulated.children[0].objectIdentifierValue() == securityObject,
                encapsulated.children[1].tag == .context(0),
                let octets = encapsulated.children[1].children.first, octets.tag == .octetString
            else {
                throw NPAEACError.malformedResponse(step: "EF.CardSecurity", reason: "no id-SecurityObject content")
            }
            let set = try BERTLV(bytes: octets.value, options: .init(maximumDepth: 8))
            guard set.tag == .set else {
                throw NPAEACError.malformedResponse(step: "EF.CardSecurity", reason: "SecurityInfos is not a SET")
            }
            return set
        } catch let error as NPAEACError {
            throw error
        } catch {
            throw .malformedResponse(step: "EF.CardSecurity", reason: "\(error)")
        }
    }

    /// An EF.CardSecurity with `securityInfos` as content and no signer (what the kit's card simulator
    /// offers; a real card's file carries the document signer's signature).
    public static func unsigned(securityInfos: [BERTLV]) -> [UInt8] {
        let sha256 = BERTLVObjectIdentifier(validArcs: 2, 16, 840, 1, 101, 3, 4, 2, 1)
        let content = BERTLV.constructed(.set, securityInfos).encoded
        let signed = BERTLV.constructed(
            .sequence,
            [
                .integer(3),
                .constructed(.set, [.constructed(.sequence, [.objectIdentifier(sha256)])]),
                .constructed(
                    .sequence,
                    [.objectIdentifier(securityObject), .constructed(.context(0), [.octetString(content)])]),
                .constructed(.set, []),
            ])
        return BERTLV.constructed(.sequence, [.objectIdentifier(signedData), .constructed(.context(0), [signed])])
            .encoded
    }

    /// ChipAuthenticationPublicKeyInfo for an EC point with standardized domain parameters.
    public static func chipAuthenticationPublicKeyInfo(
        point: [UInt8], parameters: NPAStandardizedDomainParameters, keyID: Int?
    ) -> BERTLV {
        let spki = BERTLV.constructed(
            .sequence,
            [NPAAlgorithmIdentifier.standardized(parameters).tlv, .primitive(bitString, [0x00] + point)])
        var fields: [BERTLV] = [.objectIdentifier(pkECDH), spki]
        if let keyID { fields.append(.integer(keyID)) }
        return .constructed(.sequence, fields)
    }
}
