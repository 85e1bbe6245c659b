/// The seven command-response cases of ISO/IEC 7816-4:2013 §5.1 (Table 1).
public enum ISO7816APDUCase: Equatable, Sendable {
    /// No command data, no response data.
    case case1
    /// No command data, short Le.
    case case2Short
    /// Short Lc and command data, no response data.
    case case3Short
    /// Short Lc, command data and short Le.
    case case4Short
    /// No command data, extended Le.
    case case2Extended
    /// Extended Lc and command data, no response data.
    case case3Extended
    /// Extended Lc, command data and extended Le.
    case case4Extended

    /// Whether the case uses the extended (3-byte / 2-byte) length fields.
    public var isExtended: Bool {
        switch self {
        case .case2Extended, .case3Extended, .case4Extended: return true
        case .case1, .case2Short, .case3Short, .case4Short: return false
        }
    }
}

/// A command APDU: header CLA INS P1 P2, command data (Nc bytes) and the expected response
/// length Ne (ISO/IEC 7816-4:2013 §5.1).
///
/// Ne is stored as a number of bytes, 1 … 65 536, or `nil` when no Le field is sent. The
/// encoder picks short length fields when they suffice (Le = 00 meaning 256) and extended
/// fields otherwise (Le = 0000 meaning 65 536).
public struct ISO7816CommandAPDU: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Class byte.
    public let cla: UInt8
    /// Instruction byte.
    public let ins: UInt8
    /// Parameter byte 1.
    public let p1: UInt8
    /// Parameter byte 2.
    public let p2: UInt8
    /// Command data field (Nc = `data.count`, at most 65 535 bytes).
    public let data: [UInt8]
    /// Maximum number of response data bytes expected, 1 … 65 536; `nil` for no Le field.
    public let ne: Int?

    /// Largest Ne a short Le field can express.
    public static let maximumShortNe = 256
    /// Largest Ne an extended Le field can express.
    public static let maximumExtendedNe = 65_536
    /// Largest Nc an APDU can carry.
    public static let maximumNc = 65_535

    /// Creates a command APDU, checking Nc and Ne ranges.
    public init(
        cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], ne: Int? = nil
    ) throws(ISO7816APDUError) {
        guard data.count <= ISO7816CommandAPDU.maximumNc else { throw .dataTooLong(count: data.count) }
        if let ne, !(1...ISO7816CommandAPDU.maximumExtendedNe).contains(ne) {
            throw .invalidExpectedLength(ne)
        }
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.ne = ne
    }

    /// Decodes a command APDU, rejecting bodies whose length fields are inconsistent.
    public init(bytes: [UInt8]) throws(ISO7816APDUError) {
        let decoded = try ISO7816CommandAPDU.decode(bytes)
        self = decoded.command
    }

    /// The case an encoded command APDU uses.
    public static func apduCase(of bytes: [UInt8]) throws(ISO7816APDUError) -> ISO7816APDUCase {
        try decode(bytes).apduCase
    }

    /// Whether this command needs extended length fields.
    public var requiresExtendedLength: Bool {
        data.count > 255 || (ne ?? 0) > ISO7816CommandAPDU.maximumShortNe
    }

    /// The case this command is encoded with.
    public func apduCase(forceExtended: Bool = false) -> ISO7816APDUCase {
        let extended = forceExtended || requiresExtendedLength
        switch (data.isEmpty, ne == nil) {
        case (true, true): return .case1
        case (true, false): return extended ? .case2Extended : .case2Short
        case (false, true): return extended ? .case3Extended : .case3Short
        case (false, false): return extended ? .case4Extended : .case4Short
        }
    }

    /// The encoded APDU; short length fields unless Nc/Ne need extended ones or `forceExtended` is set.
    public func encoded(forceExtended: Bool = false) -> [UInt8] {
        var out: [UInt8] = [cla, ins, p1, p2]
        let neField = ne.map { $0 == ISO7816CommandAPDU.maximumExtendedNe ? 0 : $0 }
        switch apduCase(forceExtended: forceExtended) {
        case .case1:
            break
        case .case2Short:
            out.append(UInt8(truncatingIfNeeded: neField ?? 0))
        case .case3Short:
            out.append(UInt8(data.count))
            out += data
        case .case4Short:
            out.append(UInt8(data.count))
            out += data
            out.append(UInt8(truncatingIfNeeded: neField ?? 0))
        case .case2Extended:
            out += [0x00] + ISO7816CommandAPDU.twoBytes(neField ?? 0)
        case .case3Extended:
            out += [0x00] + ISO7816CommandAPDU.twoBytes(data.count)
            out += data
        case .case4Extended:
            out += [0x00] + ISO7816CommandAPDU.twoBytes(data.count)
            out += data
            out += ISO7816CommandAPDU.twoBytes(neField ?? 0)
        }
        return out
    }

    public var description: String {
        var text = "CLA=\(ATRHex.byte(cla)) INS=\(ATRHex.byte(ins)) P1=\(ATRHex.byte(p1)) P2=\(ATRHex.byte(p2))"
        if !data.isEmpty { text += " Nc=\(data.count)" }
        if let ne { text += " Ne=\(ne)" }
        return text
    }

    private static func twoBytes(_ value: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func decode(
        _ bytes: [UInt8]
    ) throws(ISO7816APDUError) -> (command: ISO7816CommandAPDU, apduCase: ISO7816APDUCase) {
        guard bytes.count >= 4 else { throw .commandTooShort(count: bytes.count) }
        let body = Array(bytes[4...])
        func make(_ data: [UInt8], _ ne: Int?) throws(ISO7816APDUError) -> ISO7816CommandAPDU {
            try ISO7816CommandAPDU(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3], data: data, ne: ne)
        }
        if body.isEmpty {
            return (try make([], nil), .case1)
        }
        if body.count == 1 {
            return (try make([], body[0] == 0 ? 256 : Int(body[0])), .case2Short)
        }
        if body[0] != 0 {
            let lc = Int(body[0])
            if body.count == 1 + lc {
                return (try make(Array(body[1...]), nil), .case3Short)
            }
            if body.count == 2 + lc {
                let le = Int(body[1 + lc])
                return (try make(Array(body[1...lc]), le == 0 ? 256 : le), .case4Short)
            }
            throw .bodyLengthMismatch(lc: lc, bodyCount: body.count)
        }
        guard body.count >= 3 else { throw .truncatedExtendedLength(bodyCount: body.count) }
        let length = Int(body[1]) << 8 | Int(body[2])
        if body.count == 3 {
            return (try make([], length == 0 ? 65_536 : length), .case2Extended)
        }
        guard length != 0 else { throw .zeroExtendedLc }
        if body.count == 3 + length {
            return (try make(Array(body[3...]), nil), .case3Extended)
        }
        if body.count == 5 + length {
            let le = Int(body[3 + length]) << 8 | Int(body[4 + length])
            return (try make(Array(body[3..<(3 + length)]), le == 0 ? 65_536 : le), .case4Extended)
        }
        throw .bodyLengthMismatch(lc: length, bodyCount: body.count)
    }
}
