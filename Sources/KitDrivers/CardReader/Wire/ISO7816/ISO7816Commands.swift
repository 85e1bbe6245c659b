/// What SELECT addresses, coded in P1 (ISO/IEC 7816-4:2013 §11.2.2, Table 63).
public enum ISO7816SelectTarget: UInt8, Sendable {
    /// 00: MF, DF or EF by file identifier (MF when no data is sent).
    case fileIdentifier = 0x00
    /// 01: child DF by file identifier.
    case childDF = 0x01
    /// 02: EF under the current DF by file identifier.
    case elementaryFile = 0x02
    /// 03: parent DF of the current DF.
    case parentDF = 0x03
    /// 04: DF by name (application identifier).
    case dfName = 0x04
    /// 08: path from the MF (MF identifier omitted).
    case pathFromMF = 0x08
    /// 09: path from the current DF.
    case pathFromCurrentDF = 0x09
}

/// What SELECT returns, coded in P2 (ISO/IEC 7816-4:2013 §11.2.2, Table 64).
public enum ISO7816SelectResponse: UInt8, Sendable {
    /// 00: file control information (FCI template).
    case fci = 0x00
    /// 04: file control parameters (FCP template).
    case fcp = 0x04
    /// 08: file management data (FMD template).
    case fmd = 0x08
    /// 0C: no response data.
    case none = 0x0C
}

/// P1 of MANAGE SECURITY ENVIRONMENT: Set for the authentication template (ISO/IEC 7816-4:2013
/// §11.5.11; BSI TR-03110-3 §B.14).
public enum ISO7816AuthenticationTemplateUsage: UInt8, Sendable {
    /// C1: mutual authentication — PACE.
    case mutualAuthentication = 0xC1
    /// 81: external authentication — Terminal Authentication.
    case externalAuthentication = 0x81
    /// 41: internal authentication — Chip Authentication.
    case internalAuthentication = 0x41
}

/// Constructors for the interindustry commands the ID-card reader needs
/// (ISO/IEC 7816-4:2013 §11; TR-03110-3 Appendix B for MSE:Set AT and GENERAL AUTHENTICATE).
extension ISO7816CommandAPDU {
    /// SELECT by file identifier, e.g. `selectFile(0x011C, target: .elementaryFile)` for EF.CardAccess.
    public static func selectFile(
        _ fileIdentifier: UInt16, target: ISO7816SelectTarget = .fileIdentifier,
        response: ISO7816SelectResponse = .none
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try select(p1: target.rawValue, data: fidBytes(fileIdentifier), response: response)
    }

    /// SELECT by DF name (application identifier, 1 … 16 bytes).
    public static func selectApplication(
        _ aid: [UInt8], response: ISO7816SelectResponse = .none
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        guard (1...16).contains(aid.count) else { throw .invalidApplicationIdentifierLength(aid.count) }
        return try select(p1: ISO7816SelectTarget.dfName.rawValue, data: aid, response: response)
    }

    /// SELECT by path: file identifiers from the MF (without 3F00) or from the current DF.
    public static func selectPath(
        _ fileIdentifiers: [UInt16], fromMF: Bool = true, response: ISO7816SelectResponse = .none
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        guard (1...127).contains(fileIdentifiers.count) else { throw .invalidPathLength(fileIdentifiers.count) }
        let target: ISO7816SelectTarget = fromMF ? .pathFromMF : .pathFromCurrentDF
        return try select(p1: target.rawValue, data: fileIdentifiers.flatMap(fidBytes), response: response)
    }

    /// READ BINARY from the current EF at `offset` (0 … 32 767), reading up to `ne` bytes.
    public static func readBinary(offset: Int, ne: Int = 256) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        guard (0...0x7FFF).contains(offset) else { throw .offsetOutOfRange(offset) }
        return try ISO7816CommandAPDU(
            cla: 0x00, ins: 0xB0, p1: UInt8(offset >> 8), p2: UInt8(offset & 0xFF), ne: ne)
    }

    /// READ BINARY with a short EF identifier (1 … 30), which also selects the EF; offset 0 … 255.
    public static func readBinary(
        shortFileIdentifier sfi: UInt8, offset: Int = 0, ne: Int = 256
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        let (p1, p2) = try sfiParameters(sfi, offset: offset)
        return try ISO7816CommandAPDU(cla: 0x00, ins: 0xB0, p1: p1, p2: p2, ne: ne)
    }

    /// UPDATE BINARY of the current EF at `offset` (0 … 32 767).
    public static func updateBinary(offset: Int, data: [UInt8]) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        guard (0...0x7FFF).contains(offset) else { throw .offsetOutOfRange(offset) }
        return try ISO7816CommandAPDU(
            cla: 0x00, ins: 0xD6, p1: UInt8(offset >> 8), p2: UInt8(offset & 0xFF), data: data)
    }

    /// UPDATE BINARY with a short EF identifier (1 … 30); offset 0 … 255.
    public static func updateBinary(
        shortFileIdentifier sfi: UInt8, offset: Int = 0, data: [UInt8]
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        let (p1, p2) = try sfiParameters(sfi, offset: offset)
        return try ISO7816CommandAPDU(cla: 0x00, ins: 0xD6, p1: p1, p2: p2, data: data)
    }

    /// GET RESPONSE `00 C0 00 00 Le` fetching up to `ne` bytes after SW 61xx.
    public static func getResponse(ne: Int) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try getResponse(ne: ne, channelOf: 0x00)
    }

    /// GET RESPONSE on the logical channel of a command with class byte `cla`.
    static func getResponse(ne: Int, channelOf cla: UInt8) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try ISO7816CommandAPDU(cla: channelClass(cla), ins: 0xC0, p1: 0x00, p2: 0x00, ne: ne)
    }

    /// MANAGE SECURITY ENVIRONMENT: Set for the authentication template, `00 22 <usage> A4 <data>`.
    public static func manageSecurityEnvironmentSetAT(
        _ usage: ISO7816AuthenticationTemplateUsage, data: [UInt8]
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try ISO7816CommandAPDU(cla: 0x00, ins: 0x22, p1: usage.rawValue, p2: 0xA4, data: data)
    }

    /// GENERAL AUTHENTICATE `00|10 86 00 00 <7C dynamic authentication data> 00` (TR-03110-3 §B.11).
    ///
    /// `dynamicAuthenticationData` is the content of the 7C template; the class byte carries the
    /// command-chaining bit (0x10) unless this is the last command of the chain.
    public static func generalAuthenticate(
        dynamicAuthenticationData: [BERTLV], isLastInChain: Bool = true
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        let template = BERTLV.constructed(.application(28), dynamicAuthenticationData)
        return try ISO7816CommandAPDU(
            cla: isLastInChain ? 0x00 : 0x10, ins: 0x86, p1: 0x00, p2: 0x00, data: template.encoded, ne: 256)
    }

    /// Whether the class byte has the command-chaining bit set (ISO/IEC 7816-4:2013 §5.4.1).
    public var isChained: Bool {
        cla & 0x80 == 0 && cla & 0x10 != 0
    }

    private static func select(
        p1: UInt8, data: [UInt8], response: ISO7816SelectResponse
    ) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
        try ISO7816CommandAPDU(
            cla: 0x00, ins: 0xA4, p1: p1, p2: response.rawValue, data: data, ne: response == .none ? nil : 256)
    }

    private static func fidBytes(_ fid: UInt16) -> [UInt8] {
        [UInt8(fid >> 8), UInt8(fid & 0xFF)]
    }

    private static func sfiParameters(_ sfi: UInt8, offset: Int) throws(ISO7816APDUError) -> (UInt8, UInt8) {
        guard (1...30).contains(sfi) else { throw .invalidShortFileIdentifier(sfi) }
        guard (0...0xFF).contains(offset) else { throw .offsetOutOfRange(offset) }
        return (0x80 | sfi, UInt8(offset))
    }

    /// The class byte for a follow-up command on the same logical channel, without chaining or
    /// secure-messaging bits (ISO/IEC 7816-4:2013 §5.4.1).
    private static func channelClass(_ cla: UInt8) -> UInt8 {
        if cla & 0xE0 == 0x00 { return cla & 0x03 }
        if cla & 0xC0 == 0x40 { return cla & 0x4F }
        return 0x00
    }
}
