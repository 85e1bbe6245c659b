/// The bit convention announced by the initial character TS (ISO/IEC 7816-3:2006 §8.1).
public enum ATRConvention: Equatable, Sendable {
    /// TS = 0x3B: logic one is high, least significant bit first.
    case direct
    /// TS = 0x3F: logic one is low, most significant bit first (the reader has already converted).
    case inverse
}

/// A parsed Answer-to-Reset of an ISO 7816 smart card (ISO/IEC 7816-3:2006 §8.2).
///
/// The bytes are taken as PC/SC returns them, TS included: TS, T0, the chain of interface
/// byte groups TAi/TBi/TCi/TDi, up to 15 historical bytes and the check byte TCK, which is
/// present unless only T=0 is offered. Parsing is strict: a truncated, overlong or
/// inconsistent ATR throws ``ATRError``.
public struct ATR: Equatable, Sendable, CustomStringConvertible {
    /// The raw ATR as received, TS included.
    public let bytes: [UInt8]
    /// The convention announced by TS.
    public let convention: ATRConvention
    /// The format byte T0 (high nibble Y1, low nibble K = number of historical bytes).
    public let formatByte: UInt8
    /// The interface byte groups in order, group 1 first; groups without any byte are omitted.
    public let interfaceGroups: [ATRInterfaceGroup]
    /// The historical bytes T1 … TK.
    public let historicalBytes: [UInt8]
    /// The check byte TCK, `nil` when only T=0 is offered.
    public let checkByte: UInt8?

    /// The maximum ATR length including TS (ISO/IEC 7816-3:2006 §8.2.1).
    public static let maximumLength = 33

    /// Parses and checks an ATR.
    public init(bytes: [UInt8]) throws(ATRError) {
        guard let ts = bytes.first else { throw .empty }
        guard bytes.count <= ATR.maximumLength else { throw .tooLong(count: bytes.count) }
        switch ts {
        case 0x3B: convention = .direct
        case 0x3F: convention = .inverse
        default: throw .invalidInitialCharacter(ts)
        }
        guard bytes.count >= 2 else { throw .missingFormatByte }
        let t0 = bytes[1]
        var presence = t0 >> 4
        var offset = 2
        var groups: [ATRInterfaceGroup] = []
        var index = 1
        var qualifier: ATRProtocol? = nil
        var offered: [ATRProtocol] = []

        func take(_ bit: UInt8) throws(ATRError) -> UInt8? {
            guard presence & bit != 0 else { return nil }
            guard offset < bytes.count else { throw .truncatedInterfaceBytes(group: index, offset: offset) }
            defer { offset += 1 }
            return bytes[offset]
        }

        while true {
            let tdOffset = offset + [0x1, 0x2, 0x4].filter { presence & $0 != 0 }.count
            let ta = try take(0x1)
            let tb = try take(0x2)
            let tc = try take(0x4)
            let td = try take(0x8)
            let group = ATRInterfaceGroup(index: index, qualifier: qualifier, ta: ta, tb: tb, tc: tc, td: td)
            if ta != nil || tb != nil || tc != nil || td != nil {
                groups.append(group)
            }
            guard let td else { break }
            let announced = ATRProtocol(number: td & 0x0F)
            if index == 1 && announced == .t15 {
                throw .globalProtocolInTD1(offset: tdOffset)
            }
            if !offered.contains(announced) {
                offered.append(announced)
            }
            qualifier = announced
            presence = td >> 4
            index += 1
        }

        let historicalCount = Int(t0 & 0x0F)
        let available = bytes.count - offset
        guard available >= historicalCount else {
            throw .truncatedHistoricalBytes(expected: historicalCount, available: available)
        }
        let historical = Array(bytes[offset..<(offset + historicalCount)])
        offset += historicalCount

        let needsCheckByte = offered.contains { $0 != .t0 }
        var tck: UInt8? = nil
        if needsCheckByte {
            guard offset < bytes.count else { throw .missingCheckByte }
            let received = bytes[offset]
            let expected = bytes[1..<offset].reduce(UInt8(0), ^)
            guard expected == received else { throw .checkByteMismatch(expected: expected, actual: received) }
            tck = received
            offset += 1
        }
        guard offset == bytes.count else {
            throw .unexpectedTrailingBytes(offset: offset, count: bytes.count - offset)
        }

        self.bytes = bytes
        self.formatByte = t0
        self.interfaceGroups = groups
        self.historicalBytes = historical
        self.checkByte = tck
    }

    /// The protocols announced in TD1, TD2, … in order of appearance, T=15 included.
    /// Without TD1 the card offers only T=0.
    public var offeredProtocols: [ATRProtocol] {
        var result: [ATRProtocol] = []
        for group in interfaceGroups {
            if let announced = group.announcedProtocol, !result.contains(announced) {
                result.append(announced)
            }
        }
        return result.isEmpty ? [.t0] : result
    }

    /// The offered transmission protocols (T=15 removed), the first one being the card's preference.
    public var transmissionProtocols: [ATRProtocol] {
        let protocols = offeredProtocols.filter(\.isTransmissionProtocol)
        return protocols.isEmpty ? [.t0] : protocols
    }

    /// Whether the ATR contains global interface bytes qualified by T=15.
    public var hasGlobalInterfaceBytes: Bool { offeredProtocols.contains(.t15) }

    /// Fi / Di from TA1, or the defaults (Fi 372, Di 1) when TA1 is absent.
    public var transmissionFactors: ATRTransmissionFactors {
        interfaceByte(\.ta, group: 1).map(ATRTransmissionFactors.init(ta1:)) ?? .default
    }

    /// The extra guard time N from TC1 (0 when absent; 255 means minimal guard time).
    public var extraGuardTime: UInt8 { interfaceByte(\.tc, group: 1) ?? 0 }

    /// The protocol of the specific mode announced in TA2, `nil` when the card starts in negotiable mode.
    public var specificModeProtocol: ATRProtocol? {
        interfaceByte(\.ta, group: 2).map { ATRProtocol(number: $0 & 0x0F) }
    }

    /// The T=0 waiting time integer WI from TC2 (default 10).
    public var t0WaitingTimeInteger: UInt8 { interfaceByte(\.tc, group: 2) ?? 10 }

    /// The card's maximum information field size IFSC for T=1 (first TA qualified by T=1; default 32).
    public var t1InformationFieldSize: Int {
        firstSpecific(\.ta, for: .t1).map(Int.init) ?? 32
    }

    /// The T=1 block waiting integer BWI (high nibble of the first TB qualified by T=1; default 4).
    public var t1BlockWaitingInteger: UInt8 { firstSpecific(\.tb, for: .t1).map { $0 >> 4 } ?? 4 }

    /// The T=1 character waiting integer CWI (low nibble of the first TB qualified by T=1; default 13).
    public var t1CharacterWaitingInteger: UInt8 { firstSpecific(\.tb, for: .t1).map { $0 & 0x0F } ?? 13 }

    /// The global byte TA qualified by T=15: clock stop indicator (bits 8-7) and class indicator (bits 6-1).
    public var clockStopAndClassIndicator: UInt8? { firstSpecific(\.ta, for: .t15) }

    /// The historical bytes interpreted per ISO/IEC 7816-4 §8.1.1.
    public var historical: ATRHistoricalBytes { ATRHistoricalBytes(historicalBytes) }

    /// The ATR as spaced upper-case hex, e.g. "3B 95 13 81 01 80 73 FF 01 00 0B".
    public var hexString: String { ATRHex.bytes(bytes) }

    public var description: String {
        let protocols = offeredProtocols.map(\.description).joined(separator: ", ")
        return "ATR \(hexString) (\(protocols), \(transmissionFactors))"
    }

    private func interfaceByte(_ keyPath: KeyPath<ATRInterfaceGroup, UInt8?>, group index: Int) -> UInt8? {
        interfaceGroups.first { $0.index == index }.flatMap { $0[keyPath: keyPath] }
    }

    private func firstSpecific(_ keyPath: KeyPath<ATRInterfaceGroup, UInt8?>, for type: ATRProtocol) -> UInt8? {
        for group in interfaceGroups where group.index >= 3 && group.qualifier == type {
            if let value = group[keyPath: keyPath] { return value }
        }
        return nil
    }
}
