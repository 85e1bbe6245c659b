/// A transmission protocol type "T=n" announced in a TDi byte (ISO/IEC 7816-3:2006 §8.2.3).
///
/// T=0 and T=1 are the transmission protocols in use; T=15 is not a protocol but marks
/// global interface bytes (clock stop, class of operating conditions). Other values are reserved.
public struct ATRProtocol: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The protocol number, 0…15.
    public let number: UInt8

    /// Creates a protocol type from the low nibble of a TDi byte.
    public init(number: UInt8) {
        self.number = number & 0x0F
    }

    /// Character-oriented half-duplex protocol T=0.
    public static let t0 = ATRProtocol(number: 0)
    /// Block-oriented half-duplex protocol T=1.
    public static let t1 = ATRProtocol(number: 1)
    /// Qualifier for global interface bytes T=15.
    public static let t15 = ATRProtocol(number: 15)

    /// Whether this is a transmission protocol rather than the T=15 qualifier.
    public var isTransmissionProtocol: Bool { number != 15 }

    public static func < (lhs: ATRProtocol, rhs: ATRProtocol) -> Bool { lhs.number < rhs.number }

    public var description: String { "T=\(number)" }
}
