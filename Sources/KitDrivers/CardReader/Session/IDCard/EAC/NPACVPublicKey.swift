/// The public key of a card-verifiable certificate (tag 7F49): the algorithm OID (e.g.
/// id-TA-ECDSA-SHA-256) and context-specific objects 81-87 (BSI TR-03110-3 §D.3.3: for EC keys
/// 81 prime, 82 a, 83 b, 84 generator, 85 order, 86 public point, 87 cofactor; only CVCA
/// certificates carry the domain parameters, the others only 86).
public struct NPACVPublicKey: Hashable, Sendable {
    /// id-TA-ECDSA-SHA-256: 0.4.0.127.0.7.2.2.2.2.3.
    public static let taECDSASHA256 = NPAObjectIdentifiers.ta.appending(2, 3)

    /// Algorithm.
    public var algorithm: BERTLVObjectIdentifier
    /// The objects 81-87 in order.
    public var objects: [BERTLV]

    /// Creates a key.
    public init(algorithm: BERTLVObjectIdentifier, objects: [BERTLV]) {
        self.algorithm = algorithm
        self.objects = objects
    }

    /// Decodes a 7F49 object.
    public init(tlv: BERTLV) throws(NPACVCertificateError) {
        guard tlv.tag == .application(73) else { throw .unexpectedTag(expected: "7F49", found: tlv.tag) }
        guard let first = tlv.children.first, first.tag == .objectIdentifier else {
            throw .malformed(field: "public key", reason: "the algorithm OID must come first")
        }
        do {
            algorithm = try first.objectIdentifierValue()
        } catch {
            throw .malformed(field: "public key", reason: "\(error)")
        }
        objects = Array(tlv.children.dropFirst())
        var previous: UInt32 = 0
        for object in objects {
            guard object.tag.tagClass == .contextSpecific, !object.tag.isConstructed,
                (1...9).contains(object.tag.number), object.tag.number > previous, !object.value.isEmpty
            else {
                throw .malformed(field: "public key", reason: "unexpected or empty object \(object.tag)")
            }
            previous = object.tag.number
        }
        guard publicPoint != nil else { throw .malformed(field: "public key", reason: "public point (86) missing") }
    }

    /// The public point (86), uncompressed 04 || X || Y for EC keys.
    public var publicPoint: [UInt8]? {
        objects.first { $0.tag == .context(6, constructed: false) }?.value
    }

    /// Whether the key carries domain parameters (81-85, 87): true for CVCA keys.
    public var hasDomainParameters: Bool {
        objects.contains { $0.tag == .context(1, constructed: false) }
    }

    /// The 7F49 object.
    public var tlv: BERTLV {
        .constructed(.application(73), [.objectIdentifier(algorithm)] + objects)
    }
}
