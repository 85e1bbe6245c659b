/// The access rights of an authentication terminal, bits 37-0 of its CHAT (BSI TR-03110-4
/// §2.2.3.2, Table 2): special functions in bits 0-7, read access to DG1-DG21 in bits 8-28,
/// write access to DG22 ... DG17 in bits 32-37.
public struct NPAAuthenticationTerminalRights: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue & Self.mask
    }

    /// All 38 right bits.
    static let mask: UInt64 = (1 << 38) - 1

    /// Bit 0: age verification.
    public static let ageVerification = Self(rawValue: 1 << 0)
    /// Bit 1: community ID verification.
    public static let communityIDVerification = Self(rawValue: 1 << 1)
    /// Bit 2: restricted identification.
    public static let restrictedIdentification = Self(rawValue: 1 << 2)
    /// Bit 3: privileged terminal.
    public static let privilegedTerminal = Self(rawValue: 1 << 3)
    /// Bit 4: CAN allowed (PACE with the CAN suffices for this terminal).
    public static let canAllowed = Self(rawValue: 1 << 4)
    /// Bit 5: PIN management.
    public static let pinManagement = Self(rawValue: 1 << 5)
    /// Bit 6: install certificate.
    public static let installCertificate = Self(rawValue: 1 << 6)
    /// Bit 7: install qualified certificate.
    public static let installQualifiedCertificate = Self(rawValue: 1 << 7)

    /// Read access to data group `number` (1 ... 21): bit 7 + number.
    public static func read(dataGroup number: Int) -> Self {
        guard (1...21).contains(number) else { return [] }
        return Self(rawValue: 1 << UInt64(7 + number))
    }

    /// Write access to data group `number` (17 ... 22): DG17 bit 37 down to DG22 bit 32.
    public static func write(dataGroup number: Int) -> Self {
        guard (17...22).contains(number) else { return [] }
        return Self(rawValue: 1 << UInt64(54 - number))
    }

    /// Everything (what a CVCA or DV certificate usually grants).
    public static let all = Self(rawValue: mask)

    public var description: String {
        var names: [String] = []
        let special = [
            "age verification", "community ID verification", "restricted identification", "privileged terminal",
            "CAN allowed", "PIN management", "install certificate", "install qualified certificate",
        ]
        for (bit, name) in special.enumerated() where rawValue & (1 << UInt64(bit)) != 0 { names.append(name) }
        for group in 1...21 where contains(.read(dataGroup: group)) { names.append("read DG\(group)") }
        for group in 17...22 where contains(.write(dataGroup: group)) { names.append("write DG\(group)") }
        return names.isEmpty ? "no rights" : names.joined(separator: ", ")
    }
}
