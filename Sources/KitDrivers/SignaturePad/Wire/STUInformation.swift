/// Information feature report 0x08 (17 bytes): model name, firmware version, secure-IC data.
///
/// Wacom STU interface, report 0x08 Information: modelName[9] ASCII, firmware major, minor, secureIc,
/// secureIcVersion[4] (on the STU-540, secureIcVersion[0] is the firmware revision).
public struct STUInformation: STUFeatureReport, Hashable {
    public static let reportID = STUReportID.information

    /// The 9 raw model-name bytes (ASCII, NUL-padded).
    public private(set) var modelNameBytes: [UInt8]
    /// Firmware major version.
    public var firmwareMajor: UInt8
    /// Firmware minor version.
    public var firmwareMinor: UInt8
    /// Non-zero when a security chip is present.
    public var secureIC: UInt8
    /// The 4 secure-IC version bytes.
    public private(set) var secureICVersion: [UInt8]

    /// Creates the report; the name is truncated or NUL-padded to 9 bytes, the version to 4 bytes.
    public init(
        modelName: String, firmwareMajor: UInt8, firmwareMinor: UInt8, secureIC: UInt8 = 0,
        secureICVersion: [UInt8] = [0, 0, 0, 0]
    ) {
        self.modelNameBytes = STUInformation.fixed(Array(modelName.utf8), count: 9)
        self.firmwareMajor = firmwareMajor
        self.firmwareMinor = firmwareMinor
        self.secureIC = secureIC
        self.secureICVersion = STUInformation.fixed(secureICVersion, count: 4)
    }

    public init(decoding report: [UInt8]) throws(STUReportError) {
        try STUWire.validate(report, as: Self.reportID)
        modelNameBytes = Array(report[1...9])
        firmwareMajor = report[10]
        firmwareMinor = report[11]
        secureIC = report[12]
        secureICVersion = Array(report[13...16])
    }

    /// The model name up to the first NUL, e.g. "STU-540"; non-ASCII bytes become "?".
    public var modelName: String {
        let visible = modelNameBytes.prefix { $0 != 0 }
        let scalars = visible.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" }
        return String(scalars).trimmingSpaces()
    }

    /// Firmware version as "major.minor" in decimal.
    public var firmwareVersion: String { "\(firmwareMajor).\(firmwareMinor)" }

    public func encoded() -> [UInt8] {
        [Self.reportID.rawValue] + modelNameBytes + [firmwareMajor, firmwareMinor, secureIC] + secureICVersion
    }

    private static func fixed(_ bytes: [UInt8], count: Int) -> [UInt8] {
        Array((bytes + [UInt8](repeating: 0, count: count)).prefix(count))
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var result = Substring(self)
        while result.last == " " { result = result.dropLast() }
        while result.first == " " { result = result.dropFirst() }
        return String(result)
    }
}
