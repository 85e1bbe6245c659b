/// A card-verifiable certificate of the EAC PKI (BSI TR-03110-3 Appendix C.1): 7F21 containing
/// the body 7F4E (profile identifier 5F29, authority reference 42, public key 7F49, holder
/// reference 5F20, CHAT 7F4C, effective date 5F25, expiration date 5F24, optional extensions 65)
/// and the signature 5F37 over the DER encoding of the body.
///
/// Decoding is strict (order, tags, lengths, BCD dates, DER lengths) because the bytes come from
/// files and cards the kit does not control. Verification of the signature is OpenPACE's job.
public struct NPACVCertificate: Hashable, Sendable, CustomStringConvertible {
    /// Upper bound for a certificate; real ones are below 1 KB even with RSA-4096 keys.
    public static let maximumSize = 4096

    /// Certificate profile identifier, 0 for version 1.
    public var profileIdentifier: UInt8
    /// Certification authority reference: the holder reference of the signer's certificate.
    public var authorityReference: String
    /// The holder's public key.
    public var publicKey: NPACVPublicKey
    /// Certificate holder reference: country code, mnemonic, sequence number (e.g. "DEKITAT00001").
    public var holderReference: String
    /// Role and rights.
    public var holderAuthorization: NPACertificateHolderAuthorization
    /// First day of validity.
    public var effectiveDate: NPACVDate
    /// Last day of validity.
    public var expirationDate: NPACVDate
    /// Certificate extensions (65), kept as they are.
    public var extensions: BERTLV?
    /// The signature (5F37); for ECDSA the plain r || s of TR-03111 §5.2.1.
    public var signature: [UInt8]

    /// Creates a certificate; sign ``encodedBody`` and set ``signature``.
    public init(
        profileIdentifier: UInt8 = 0, authorityReference: String, publicKey: NPACVPublicKey, holderReference: String,
        holderAuthorization: NPACertificateHolderAuthorization, effectiveDate: NPACVDate, expirationDate: NPACVDate,
        extensions: BERTLV? = nil, signature: [UInt8] = []
    ) {
        self.profileIdentifier = profileIdentifier
        self.authorityReference = authorityReference
        self.publicKey = publicKey
        self.holderReference = holderReference
        self.holderAuthorization = holderAuthorization
        self.effectiveDate = effectiveDate
        self.expirationDate = expirationDate
        self.extensions = extensions
        self.signature = signature
    }

    /// Decodes a complete certificate (7F21), refusing trailing bytes.
    public init(bytes: [UInt8]) throws(NPACVCertificateError) {
        guard bytes.count <= Self.maximumSize else { throw .tooLarge(limit: Self.maximumSize) }
        let tlv: BERTLV
        do {
            tlv = try BERTLV(bytes: bytes, options: .init(maximumDepth: 4, requireMinimalLength: true))
        } catch {
            throw .tlv(error)
        }
        try self.init(tlv: tlv)
    }

    /// Decodes a 7F21 object.
    public init(tlv: BERTLV) throws(NPACVCertificateError) {
        guard tlv.tag == .application(33) else { throw .unexpectedTag(expected: "7F21", found: tlv.tag) }
        let parts = tlv.children
        guard parts.count == 2 else {
            throw .malformed(field: "certificate", reason: "\(parts.count) objects instead of body and signature")
        }
        try self.init(body: parts[0], signature: parts[1])
    }

    /// Decodes the two halves PSO:Verify Certificate carries: body 7F4E and signature 5F37.
    public init(body: BERTLV, signature: BERTLV) throws(NPACVCertificateError) {
        guard body.tag == .application(78) else { throw .unexpectedTag(expected: "7F4E", found: body.tag) }
        guard signature.tag == .application(55, constructed: false) else {
            throw .unexpectedTag(expected: "5F37", found: signature.tag)
        }
        guard !signature.value.isEmpty else { throw .malformed(field: "signature", reason: "empty") }
        self.signature = signature.value
        var fields = body.children[...]
        func next(_ tag: BERTLVTag, _ name: String) throws(NPACVCertificateError) -> BERTLV {
            guard let field = fields.popFirst() else { throw .malformed(field: name, reason: "missing") }
            guard field.tag == tag else { throw .unexpectedTag(expected: name, found: field.tag) }
            return field
        }
        let profile = try next(.application(41, constructed: false), "profile identifier (5F29)")
        guard profile.value == [0x00] else {
            throw .unsupported(field: "profile identifier", reason: "version \(profile.value) instead of 00")
        }
        profileIdentifier = 0
        authorityReference = try Self.reference(try next(.application(2, constructed: false), "CAR (42)"), "CAR")
        publicKey = try NPACVPublicKey(tlv: try next(.application(73), "public key (7F49)"))
        holderReference = try Self.reference(try next(.application(32, constructed: false), "CHR (5F20)"), "CHR")
        holderAuthorization = try NPACertificateHolderAuthorization(tlv: try next(.application(76), "CHAT (7F4C)"))
        effectiveDate = try NPACVDate(
            unpackedBCD: try next(.application(37, constructed: false), "effective date (5F25)").value)
        expirationDate = try NPACVDate(
            unpackedBCD: try next(.application(36, constructed: false), "expiration date (5F24)").value)
        guard effectiveDate <= expirationDate else {
            throw .invalidDate(reason: "expires \(expirationDate) before it takes effect \(effectiveDate)")
        }
        if let more = fields.popFirst() {
            guard more.tag == .application(5) else {
                throw .unexpectedTag(expected: "extensions (65)", found: more.tag)
            }
            extensions = more
        }
        guard fields.isEmpty else { throw .malformed(field: "body", reason: "objects after the last field") }
    }

    private static func reference(_ tlv: BERTLV, _ name: String) throws(NPACVCertificateError) -> String {
        let bytes = tlv.value
        guard (1...16).contains(bytes.count), bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .malformed(field: name, reason: "must be 1 to 16 printable characters")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the certificate is valid on `date` (effective ≤ date ≤ expiration).
    public func isValid(on date: NPACVDate) -> Bool {
        effectiveDate <= date && date <= expirationDate
    }

    /// The body (7F4E).
    public var body: BERTLV {
        var fields: [BERTLV] = [
            .primitive(.application(41, constructed: false), [profileIdentifier]),
            .primitive(.application(2, constructed: false), Array(authorityReference.utf8)),
            publicKey.tlv,
            .primitive(.application(32, constructed: false), Array(holderReference.utf8)),
            holderAuthorization.tlv,
            .primitive(.application(37, constructed: false), effectiveDate.unpackedBCD),
            .primitive(.application(36, constructed: false), expirationDate.unpackedBCD),
        ]
        if let extensions { fields.append(extensions) }
        return .constructed(.application(78), fields)
    }

    /// DER of the body: what the signature covers.
    public var encodedBody: [UInt8] { body.encoded }

    /// The signature object (5F37).
    public var signatureObject: BERTLV { .primitive(.application(55, constructed: false), signature) }

    /// DER of the whole certificate (7F21).
    public var encoded: [UInt8] {
        BERTLV.constructed(.application(33), [body, signatureObject]).encoded
    }

    /// Body and signature as PSO:Verify Certificate sends them (without the 7F21 wrapper).
    public var verifyCertificateData: [UInt8] { encodedBody + signatureObject.encoded }

    public var description: String {
        "CV certificate \(holderReference) (issued by \(authorityReference), \(holderAuthorization.role), "
            + "valid \(effectiveDate) to \(expirationDate))"
    }
}
