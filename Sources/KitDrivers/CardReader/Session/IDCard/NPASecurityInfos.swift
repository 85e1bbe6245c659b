/// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
/// as used for domain parameters (BSI TR-03110-3 §A.2.1; RFC 5280 §4.1.1.2).
public struct NPAAlgorithmIdentifier: Equatable, Hashable, Sendable {
    /// The algorithm, e.g. standardizedDomainParameters 0.4.0.127.0.7.1.2.
    public let algorithm: BERTLVObjectIdentifier
    /// The parameters, e.g. INTEGER 13 for BrainpoolP256r1.
    public let parameters: BERTLV?

    /// Creates an identifier.
    public init(algorithm: BERTLVObjectIdentifier, parameters: BERTLV?) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    /// standardizedDomainParameters with the given parameter id.
    public static func standardized(_ parameters: NPAStandardizedDomainParameters) -> NPAAlgorithmIdentifier {
        NPAAlgorithmIdentifier(
            algorithm: NPAObjectIdentifiers.standardizedDomainParameters, parameters: .integer(parameters.rawValue))
    }

    /// The standardized domain parameters, if this identifier names them.
    public var standardizedParameters: NPAStandardizedDomainParameters? {
        guard algorithm == NPAObjectIdentifiers.standardizedDomainParameters,
            let id = try? parameters?.integerValue()
        else { return nil }
        return NPAStandardizedDomainParameters(rawValue: id)
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(.sequence, [.objectIdentifier(algorithm)] + (parameters.map { [$0] } ?? []))
    }
}

/// PACEInfo ::= SEQUENCE { protocol, version INTEGER, parameterId INTEGER OPTIONAL } (BSI TR-03110-3 §A.1.1.1).
public struct NPAPACEInfo: Equatable, Hashable, Sendable {
    /// id-PACE-… protocol OID.
    public let protocolIdentifier: BERTLVObjectIdentifier
    /// Protocol version (2 for current cards).
    public let version: Int
    /// Standardized domain parameter id, or a reference to a PACEDomainParameterInfo.
    public let parameterID: Int?

    /// Creates a PACEInfo.
    public init(protocolIdentifier: BERTLVObjectIdentifier, version: Int, parameterID: Int?) {
        self.protocolIdentifier = protocolIdentifier
        self.version = version
        self.parameterID = parameterID
    }

    /// Creates a PACEInfo for a known algorithm.
    public init(algorithm: NPAPACEAlgorithm, version: Int = 2, parameters: NPAStandardizedDomainParameters?) {
        self.init(protocolIdentifier: algorithm.protocolIdentifier, version: version, parameterID: parameters?.rawValue)
    }

    /// The PACE variant, `nil` for an unknown protocol OID.
    public var algorithm: NPAPACEAlgorithm? { NPAPACEAlgorithm(protocol: protocolIdentifier) }

    /// The standardized domain parameters named by ``parameterID``, if any.
    public var standardizedParameters: NPAStandardizedDomainParameters? {
        parameterID.flatMap(NPAStandardizedDomainParameters.init(rawValue:))
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(
            .sequence,
            [.objectIdentifier(protocolIdentifier), .integer(version)] + (parameterID.map { [.integer($0)] } ?? []))
    }
}

/// PACEDomainParameterInfo ::= SEQUENCE { protocol, domainParameter AlgorithmIdentifier,
/// parameterId INTEGER OPTIONAL } (BSI TR-03110-3 §A.1.1.1).
public struct NPAPACEDomainParameterInfo: Equatable, Hashable, Sendable {
    /// id-PACE-DH-GM, id-PACE-ECDH-GM, id-PACE-DH-IM, id-PACE-ECDH-IM or id-PACE-ECDH-CAM.
    public let protocolIdentifier: BERTLVObjectIdentifier
    /// The domain parameters.
    public let domainParameter: NPAAlgorithmIdentifier
    /// Local id the PACEInfo refers to when several parameter sets exist.
    public let parameterID: Int?

    /// Creates the info.
    public init(protocolIdentifier: BERTLVObjectIdentifier, domainParameter: NPAAlgorithmIdentifier, parameterID: Int?)
    {
        self.protocolIdentifier = protocolIdentifier
        self.domainParameter = domainParameter
        self.parameterID = parameterID
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(
            .sequence,
            [.objectIdentifier(protocolIdentifier), domainParameter.tlv] + (parameterID.map { [.integer($0)] } ?? []))
    }
}

/// ChipAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, keyId INTEGER OPTIONAL }
/// (BSI TR-03110-3 §A.1.1.2).
public struct NPAChipAuthenticationInfo: Equatable, Hashable, Sendable {
    /// id-CA-DH-… or id-CA-ECDH-… protocol OID (0.4.0.127.0.7.2.2.3.x.y).
    public let protocolIdentifier: BERTLVObjectIdentifier
    /// Protocol version (1, 2 or 3).
    public let version: Int
    /// Key reference when the chip has several CA keys.
    public let keyID: Int?

    /// Creates the info.
    public init(protocolIdentifier: BERTLVObjectIdentifier, version: Int, keyID: Int?) {
        self.protocolIdentifier = protocolIdentifier
        self.version = version
        self.keyID = keyID
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(
            .sequence,
            [.objectIdentifier(protocolIdentifier), .integer(version)] + (keyID.map { [.integer($0)] } ?? []))
    }
}

/// ChipAuthenticationDomainParameterInfo ::= SEQUENCE { protocol (id-CA-DH | id-CA-ECDH),
/// domainParameter AlgorithmIdentifier, keyId INTEGER OPTIONAL } (BSI TR-03110-3 §A.1.1.2).
public struct NPAChipAuthenticationDomainParameterInfo: Equatable, Hashable, Sendable {
    /// id-CA-DH or id-CA-ECDH.
    public let protocolIdentifier: BERTLVObjectIdentifier
    /// The domain parameters.
    public let domainParameter: NPAAlgorithmIdentifier
    /// Key reference.
    public let keyID: Int?

    /// Creates the info.
    public init(protocolIdentifier: BERTLVObjectIdentifier, domainParameter: NPAAlgorithmIdentifier, keyID: Int?) {
        self.protocolIdentifier = protocolIdentifier
        self.domainParameter = domainParameter
        self.keyID = keyID
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(
            .sequence,
            [.objectIdentifier(protocolIdentifier), domainParameter.tlv] + (keyID.map { [.integer($0)] } ?? []))
    }
}

/// FileID ::= SEQUENCE { fid OCTET STRING (SIZE(2)), sfid OCTET STRING (SIZE(1)) OPTIONAL }
/// (BSI TR-03110-3 §A.1.1.3).
public struct NPAFileID: Equatable, Hashable, Sendable {
    /// File identifier.
    public let fid: UInt16
    /// Short file identifier.
    public let sfid: UInt8?

    /// Creates a file reference.
    public init(fid: UInt16, sfid: UInt8?) {
        self.fid = fid
        self.sfid = sfid
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(
            .sequence,
            [.octetString([UInt8(fid >> 8), UInt8(fid & 0xFF)])] + (sfid.map { [.octetString([$0])] } ?? []))
    }
}

/// TerminalAuthenticationInfo ::= SEQUENCE { protocol id-TA, version INTEGER, efCVCA FileID OPTIONAL }
/// (BSI TR-03110-3 §A.1.1.3).
public struct NPATerminalAuthenticationInfo: Equatable, Hashable, Sendable {
    /// Protocol version (1 or 2).
    public let version: Int
    /// EF.CVCA reference (version 1 only).
    public let efCVCA: NPAFileID?

    /// Creates the info.
    public init(version: Int, efCVCA: NPAFileID? = nil) {
        self.version = version
        self.efCVCA = efCVCA
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        .constructed(
            .sequence,
            [.objectIdentifier(NPAObjectIdentifiers.ta), .integer(version)] + (efCVCA.map { [$0.tlv] } ?? []))
    }
}

/// One SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }
/// (BSI TR-03110-3 §A.1.1). Infos the kit does not interpret are kept as raw TLV.
public enum NPASecurityInfo: Equatable, Hashable, Sendable {
    /// PACEInfo.
    case pace(NPAPACEInfo)
    /// PACEDomainParameterInfo.
    case paceDomainParameter(NPAPACEDomainParameterInfo)
    /// ChipAuthenticationInfo.
    case chipAuthentication(NPAChipAuthenticationInfo)
    /// ChipAuthenticationDomainParameterInfo.
    case chipAuthenticationDomainParameter(NPAChipAuthenticationDomainParameterInfo)
    /// TerminalAuthenticationInfo.
    case terminalAuthentication(NPATerminalAuthenticationInfo)
    /// Any other SecurityInfo (CardInfoLocator, RestrictedIdentificationInfo, …), kept verbatim.
    case other(protocolIdentifier: BERTLVObjectIdentifier, tlv: BERTLV)

    /// The protocol OID.
    public var protocolIdentifier: BERTLVObjectIdentifier {
        switch self {
        case .pace(let info): return info.protocolIdentifier
        case .paceDomainParameter(let info): return info.protocolIdentifier
        case .chipAuthentication(let info): return info.protocolIdentifier
        case .chipAuthenticationDomainParameter(let info): return info.protocolIdentifier
        case .terminalAuthentication: return NPAObjectIdentifiers.ta
        case .other(let oid, _): return oid
        }
    }

    /// The DER SEQUENCE.
    public var tlv: BERTLV {
        switch self {
        case .pace(let info): return info.tlv
        case .paceDomainParameter(let info): return info.tlv
        case .chipAuthentication(let info): return info.tlv
        case .chipAuthenticationDomainParameter(let info): return info.tlv
        case .terminalAuthentication(let info): return info.tlv
        case .other(_, let tlv): return tlv
        }
    }

    /// Interprets one element of the SET OF SecurityInfo; `index` is used in error messages.
    public init(tlv: BERTLV, index: Int) throws(NPACardAccessError) {
        var reader = try NPASecurityInfoReader(tlv, index: index)
        let oid = reader.protocolIdentifier
        let arcs = oid.arcs.count
        func under(_ base: BERTLVObjectIdentifier, extra: Int) -> Bool {
            oid.hasPrefix(base) && arcs == base.arcs.count + extra
        }
        if under(NPAObjectIdentifiers.pace, extra: 2) {
            let version = try reader.integer("version")
            let parameterID = try reader.optionalInteger("parameterId")
            try reader.finish()
            self = .pace(NPAPACEInfo(protocolIdentifier: oid, version: version, parameterID: parameterID))
        } else if under(NPAObjectIdentifiers.pace, extra: 1) {
            let domain = try reader.algorithmIdentifier("domainParameter")
            let parameterID = try reader.optionalInteger("parameterId")
            try reader.finish()
            self = .paceDomainParameter(
                NPAPACEDomainParameterInfo(protocolIdentifier: oid, domainParameter: domain, parameterID: parameterID))
        } else if under(NPAObjectIdentifiers.ca, extra: 2) {
            let version = try reader.integer("version")
            let keyID = try reader.optionalInteger("keyId")
            try reader.finish()
            self = .chipAuthentication(
                NPAChipAuthenticationInfo(protocolIdentifier: oid, version: version, keyID: keyID))
        } else if under(NPAObjectIdentifiers.ca, extra: 1) {
            let domain = try reader.algorithmIdentifier("domainParameter")
            let keyID = try reader.optionalInteger("keyId")
            try reader.finish()
            self = .chipAuthenticationDomainParameter(
                NPAChipAuthenticationDomainParameterInfo(protocolIdentifier: oid, domainParameter: domain, keyID: keyID)
            )
        } else if oid == NPAObjectIdentifiers.ta {
            let version = try reader.integer("version")
            let fileID = try reader.optionalFileID("efCVCA")
            try reader.finish()
            self = .terminalAuthentication(NPATerminalAuthenticationInfo(version: version, efCVCA: fileID))
        } else {
            self = .other(protocolIdentifier: oid, tlv: tlv)
        }
    }
}

/// Walks the elements of one SecurityInfo SEQUENCE, turning schema violations into typed errors.
struct NPASecurityInfoReader {
    let index: Int
    let protocolIdentifier: BERTLVObjectIdentifier
    private let elements: [BERTLV]
    private var position = 1

    init(_ tlv: BERTLV, index: Int) throws(NPACardAccessError) {
        self.index = index
        guard tlv.tag == .sequence else {
            throw .malformedSecurityInfo(index: index, reason: "it has tag \(tlv.tag) instead of 30 (SEQUENCE)")
        }
        elements = tlv.children
        guard let first = elements.first, first.tag == .objectIdentifier,
            let oid = try? first.objectIdentifierValue()
        else {
            throw .malformedSecurityInfo(index: index, reason: "it does not start with a valid protocol OID")
        }
        protocolIdentifier = oid
    }

    private func fail(_ reason: String) -> NPACardAccessError {
        .malformedSecurityInfo(index: index, reason: "\(protocolIdentifier): \(reason)")
    }

    private var current: BERTLV? { position < elements.count ? elements[position] : nil }

    mutating func integer(_ name: String) throws(NPACardAccessError) -> Int {
        guard let value = try optionalInteger(name) else { throw fail("\(name) is missing") }
        return value
    }

    mutating func optionalInteger(_ name: String) throws(NPACardAccessError) -> Int? {
        guard let element = current, element.tag == .integer else { return nil }
        guard let value = try? element.integerValue() else { throw fail("\(name) is not a valid INTEGER") }
        position += 1
        return value
    }

    mutating func algorithmIdentifier(_ name: String) throws(NPACardAccessError) -> NPAAlgorithmIdentifier {
        guard let element = current, element.tag == .sequence else { throw fail("\(name) is missing") }
        let parts = element.children
        guard (1...2).contains(parts.count), parts[0].tag == .objectIdentifier,
            let algorithm = try? parts[0].objectIdentifierValue()
        else { throw fail("\(name) is not an AlgorithmIdentifier") }
        position += 1
        return NPAAlgorithmIdentifier(algorithm: algorithm, parameters: parts.count == 2 ? parts[1] : nil)
    }

    mutating func optionalFileID(_ name: String) throws(NPACardAccessError) -> NPAFileID? {
        guard let element = current else { return nil }
        let parts = element.children
        guard element.tag == .sequence, (1...2).contains(parts.count), parts.allSatisfy({ $0.tag == .octetString }),
            let fid = try? parts[0].primitiveValue(), fid.count == 2
        else { throw fail("\(name) is not a FileID") }
        var sfid: UInt8? = nil
        if parts.count == 2 {
            guard let bytes = try? parts[1].primitiveValue(), bytes.count == 1 else {
                throw fail("\(name) has a short file identifier that is not one byte")
            }
            sfid = bytes[0]
        }
        position += 1
        return NPAFileID(fid: UInt16(fid[0]) << 8 | UInt16(fid[1]), sfid: sfid)
    }

    func finish() throws(NPACardAccessError) {
        if let element = current {
            throw fail("unexpected element with tag \(element.tag) at position \(position + 1)")
        }
    }
}
