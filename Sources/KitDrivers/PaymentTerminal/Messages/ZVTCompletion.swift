/// Completion 06 0F, terminal → ECR: the command is finished (ZVT spec rev. 13.x,
/// chapter 2). After a registration it carries `<software version LLLVAR> <terminal status
/// byte> [06 <TLV>]`; after other commands BMP fields such as 27, 19, 29, 49, or nothing.
///
/// A data part starting with three `F0…F9` bytes whose length fits is read as the software
/// version; anything else as BMP fields.
public struct ZVTCompletion: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Completion 06 0F"

    /// Software version text bytes (usually ASCII), if sent.
    public let softwareVersion: [UInt8]?
    /// Terminal status byte following the software version.
    public let terminalStatus: UInt8?
    /// BMP fields.
    public let fields: ZVTFieldList

    public init(
        softwareVersion: [UInt8]? = nil, terminalStatus: UInt8? = nil, fields: ZVTFieldList = ZVTFieldList()
    ) throws(ZVTError) {
        if let softwareVersion, softwareVersion.count > 999 {
            throw .fieldTooLong(tag: 0xF0, length: softwareVersion.count, maximum: 999)
        }
        self.softwareVersion = softwareVersion
        self.terminalStatus = terminalStatus
        self.fields = fields
        try verifyRoundTrip()
    }

    init(decodingData data: [UInt8]) {
        if let version = Self.softwareVersionLength(data), version <= data.count - 3 {
            softwareVersion = Array(data[3..<(3 + version)])
            let statusIndex = 3 + version
            terminalStatus = statusIndex < data.count ? data[statusIndex] : nil
            fields = ZVTFieldList(decoding: data, from: min(statusIndex + 1, data.count))
        } else {
            softwareVersion = nil
            terminalStatus = nil
            fields = ZVTFieldList(decoding: data)
        }
    }

    private static func softwareVersionLength(_ data: [UInt8]) -> Int? {
        guard data.count >= 3 else { return nil }
        var length = 0
        for byte in data[0..<3] {
            guard byte & 0xF0 == 0xF0, byte & 0x0F <= 9 else { return nil }
            length = length * 10 + Int(byte & 0x0F)
        }
        return length
    }

    func encodeData() -> [UInt8] {
        var data: [UInt8] = []
        if let softwareVersion {
            let count = softwareVersion.count
            data += [0xF0 | UInt8(count / 100 % 10), 0xF0 | UInt8(count / 10 % 10), 0xF0 | UInt8(count % 10)]
            data += softwareVersion
        }
        if let terminalStatus { data.append(terminalStatus) }
        fields.encode(into: &data)
        return data
    }

    /// The software version as text.
    public var softwareVersionText: String? { softwareVersion.map(ZVTText.decode) }
}
