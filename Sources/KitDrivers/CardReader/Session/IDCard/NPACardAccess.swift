/// The content of EF.CardAccess: a DER `SET OF SecurityInfo` telling the terminal which PACE,
/// Chip Authentication and Terminal Authentication variants the card supports
/// (BSI TR-03110-3 §A.1.2; ICAO Doc 9303-11 §9.2.11).
///
/// Files read from cards are often longer than the SET (the file is padded); such trailing
/// bytes are kept in ``trailingBytes`` so that ``encoded`` reproduces the file exactly.
public struct NPACardAccess: Equatable, Sendable {
    /// The SecurityInfos in file order.
    public let securityInfos: [NPASecurityInfo]
    /// Bytes after the SET (padding of the file), empty for a file that holds only the SET.
    public let trailingBytes: [UInt8]

    /// Creates a file content from SecurityInfos.
    public init(securityInfos: [NPASecurityInfo], trailingBytes: [UInt8] = []) {
        self.securityInfos = securityInfos
        self.trailingBytes = trailingBytes
    }

    /// Decodes EF.CardAccess.
    ///
    /// - Parameters:
    ///   - allowTrailingBytes: accept bytes after the SET (file padding); otherwise they are an error.
    ///   - options: BER-TLV decoder limits; nesting in EF.CardAccess is shallow, so the default depth is 8.
    public init(
        bytes: [UInt8], allowTrailingBytes: Bool = true,
        options: BERTLVDecoder.Options = .init(maximumDepth: 8)
    ) throws(NPACardAccessError) {
        let set: BERTLV
        let consumed: Int
        do {
            (set, consumed) = try BERTLVDecoder(options: options).decodeFirst(bytes)
        } catch {
            throw .encoding(error)
        }
        guard set.tag == .set else { throw .notASetOfSecurityInfos(found: set.tag) }
        let trailing = Array(bytes[consumed...])
        guard allowTrailingBytes || trailing.isEmpty else { throw .trailingBytes(count: trailing.count) }
        var infos: [NPASecurityInfo] = []
        for (index, element) in set.children.enumerated() {
            infos.append(try NPASecurityInfo(tlv: element, index: index))
        }
        self.init(securityInfos: infos, trailingBytes: trailing)
    }

    /// The SET OF SecurityInfo in the stored order, followed by ``trailingBytes``.
    public var encoded: [UInt8] {
        BERTLV.constructed(.set, securityInfos.map(\.tlv)).encoded + trailingBytes
    }

    /// All PACEInfos.
    public var paceInfos: [NPAPACEInfo] {
        securityInfos.compactMap { if case .pace(let info) = $0 { return info } else { return nil } }
    }

    /// All ChipAuthenticationInfos.
    public var chipAuthenticationInfos: [NPAChipAuthenticationInfo] {
        securityInfos.compactMap { if case .chipAuthentication(let info) = $0 { return info } else { return nil } }
    }

    /// The TerminalAuthenticationInfo, if present.
    public var terminalAuthenticationInfo: NPATerminalAuthenticationInfo? {
        for info in securityInfos {
            if case .terminalAuthentication(let ta) = info { return ta }
        }
        return nil
    }

    /// Whether the card announces PACE, the mark of a German ID card (or another eMRTD with PACE).
    public var supportsPACE: Bool { !paceInfos.isEmpty }

    /// The first PACEInfo whose algorithm and standardized domain parameters the kit knows.
    public var preferredPACEInfo: NPAPACEInfo? {
        paceInfos.first { $0.algorithm != nil && $0.standardizedParameters != nil }
    }
}
