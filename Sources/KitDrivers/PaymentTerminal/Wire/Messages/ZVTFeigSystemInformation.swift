/// The answer of a Feig cVEND terminal to cVEND functions 0F A1 "enhanced system information"
/// (Feig ZVT manual §6.3): a completion 06 0F whose data is plain ASCII without BMP tags —
/// device ID (8 characters), software version (17), terminal ID (8), battery voltage (4, only
/// on newer firmware) and the temperature (3 or 4 characters, e.g. "24.4" or "8.0").
public struct ZVTFeigSystemInformation: Sendable, Equatable {
    /// Device ID, e.g. "17FD1E3C".
    public let deviceID: String
    /// Software version, padded with spaces to 17 characters.
    public let softwareVersion: String
    /// Terminal ID, eight digits.
    public let terminalID: String
    /// Battery voltage text, `nil` on firmware that does not send it.
    public let batteryVoltage: String?
    /// Temperature in °C as text.
    public let temperature: String

    static let fixedLength = 8 + 17 + 8

    /// Fails when a part has the wrong length or a character outside printable ASCII.
    public init(
        deviceID: String, softwareVersion: String, terminalID: String, batteryVoltage: String? = nil,
        temperature: String
    ) throws(ZVTError) {
        self.deviceID = deviceID
        self.softwareVersion = softwareVersion
        self.terminalID = terminalID
        self.batteryVoltage = batteryVoltage
        self.temperature = temperature
        guard Self(decoding: encode()) == self else {
            throw .ambiguousEncoding(
                command: "cVEND system information 06 0F",
                reason: "parts must be printable ASCII of 8, 17, 8, (4) and 3–4 characters")
        }
    }

    /// Reads the ASCII form, or `nil` when the data does not have its shape.
    init?(decoding data: [UInt8]) {
        guard data.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        let rest = data.count - Self.fixedLength
        let batteryLength: Int
        switch rest {
        case 3...4: batteryLength = 0
        case 7...8: batteryLength = 4
        default: return nil
        }
        func text(_ range: Range<Int>) -> String { String(decoding: data[range], as: UTF8.self) }
        deviceID = text(0..<8)
        softwareVersion = text(8..<25)
        terminalID = text(25..<33)
        batteryVoltage = batteryLength == 0 ? nil : text(33..<37)
        temperature = text((33 + batteryLength)..<data.count)
    }

    func encode() -> [UInt8] {
        Array((deviceID + softwareVersion + terminalID + (batteryVoltage ?? "") + temperature).utf8)
    }
}
