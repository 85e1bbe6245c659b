/// Clock rate conversion factor Fi, maximum clock frequency and baud rate adjustment Di,
/// as coded in TA1 (ISO/IEC 7816-3:2006 §8.3, Tables 7 and 8).
///
/// Without TA1 the defaults Fi = 372, f(max) = 5 MHz, Di = 1 apply.
public struct ATRTransmissionFactors: Equatable, Sendable, CustomStringConvertible {
    /// The 4-bit index FI (high nibble of TA1).
    public let fIndex: UInt8
    /// The 4-bit index DI (low nibble of TA1).
    public let dIndex: UInt8

    /// Default factors when TA1 is absent (FI = 1, DI = 1).
    public static let `default` = ATRTransmissionFactors(ta1: 0x11)

    /// Decodes the factors from TA1.
    public init(ta1: UInt8) {
        fIndex = ta1 >> 4
        dIndex = ta1 & 0x0F
    }

    /// Fi in clock cycles, or `nil` for a reserved FI value.
    public var fi: Int? {
        switch fIndex {
        case 0x0, 0x1: return 372
        case 0x2: return 558
        case 0x3: return 744
        case 0x4: return 1116
        case 0x5: return 1488
        case 0x6: return 1860
        case 0x9: return 512
        case 0xA: return 768
        case 0xB: return 1024
        case 0xC: return 1536
        case 0xD: return 2048
        default: return nil
        }
    }

    /// Maximum clock frequency in kHz, or `nil` for a reserved FI value.
    public var fMaxKHz: Int? {
        switch fIndex {
        case 0x0: return 4000
        case 0x1: return 5000
        case 0x2: return 6000
        case 0x3: return 8000
        case 0x4: return 12000
        case 0x5: return 16000
        case 0x6: return 20000
        case 0x9: return 5000
        case 0xA: return 7500
        case 0xB: return 10000
        case 0xC: return 15000
        case 0xD: return 20000
        default: return nil
        }
    }

    /// Di, or `nil` for a reserved DI value.
    public var di: Int? {
        switch dIndex {
        case 0x1: return 1
        case 0x2: return 2
        case 0x3: return 4
        case 0x4: return 8
        case 0x5: return 16
        case 0x6: return 32
        case 0x7: return 64
        case 0x8: return 12
        case 0x9: return 20
        default: return nil
        }
    }

    /// Clock cycles per elementary time unit (Fi / Di), `nil` if either index is reserved.
    public var cyclesPerETU: Double? {
        guard let fi, let di else { return nil }
        return Double(fi) / Double(di)
    }

    public var description: String {
        let fText = fi.map(String.init) ?? "reserved"
        let dText = di.map(String.init) ?? "reserved"
        return "Fi=\(fText), Di=\(dText)"
    }
}
