/// One group of interface bytes TAi, TBi, TCi, TDi of an ATR (ISO/IEC 7816-3:2006 §8.2.3).
///
/// Group 1 holds global bytes (TA1 = Fi/Di, TC1 = extra guard time). Group 2 holds TA2
/// (specific mode) and TC2 (T=0 waiting time). From group 3 on, the bytes are specific to the
/// protocol named in the previous TD byte, or global if that protocol is T=15.
public struct ATRInterfaceGroup: Equatable, Sendable {
    /// The group number i, starting at 1.
    public let index: Int
    /// The protocol that the previous TD byte announced for this group; `nil` for group 1.
    public let qualifier: ATRProtocol?
    /// TAi if present.
    public let ta: UInt8?
    /// TBi if present.
    public let tb: UInt8?
    /// TCi if present.
    public let tc: UInt8?
    /// TDi if present.
    public let td: UInt8?

    /// Creates a group from its bytes.
    public init(index: Int, qualifier: ATRProtocol?, ta: UInt8?, tb: UInt8?, tc: UInt8?, td: UInt8?) {
        self.index = index
        self.qualifier = qualifier
        self.ta = ta
        self.tb = tb
        self.tc = tc
        self.td = td
    }

    /// The protocol announced by TDi (the low nibble), `nil` when TDi is absent.
    public var announcedProtocol: ATRProtocol? {
        td.map { ATRProtocol(number: $0 & 0x0F) }
    }
}
