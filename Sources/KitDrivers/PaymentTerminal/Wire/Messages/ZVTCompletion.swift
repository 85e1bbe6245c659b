/// Completion 06 0F, terminal → ECR: the command is finished (ZVT spec rev. 13.x,
/// chapter 2). After a registration it carries `<software version LLLVAR> <terminal status
/// byte> [06 <TLV>]`; after other commands BMP fields such as 27, 19, 29, 49, or nothing.
///
/// A data part starting with three `F0…F9` bytes whose length fits is read as the software
/// version; one that is not a BMP list but plain ASCII of the right shape as Feig's cVEND
/// system information (`ZVTFeigSystemInformation`); anything else as BMP fields.
public struct ZVTCompletion: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Completion 06 0F"

    /// Software version text bytes (usually ASCII), if sent.
    public let softwareVersion: [UInt8]?
    /// Terminal status byte following the software version.
    public let terminalStatus: UInt8?
    /// BMP fields.
    public let fields: ZVTFieldList
    /// Feig cVEND system information (answer to 0F A1), if the data has that form.
    public let systemInformation: ZVTFeigSystemInformation?

    public init(
        softwareVersion: [UInt8]? = nil, terminalStatus: UInt8? = nil, fields: ZVTFieldList = ZVTFieldList()
    ) throws(ZVTError) {
        if let softwareVersion, softwareVersion.count > 999 {
            throw .fieldTooLong(tag: 0xF0, length: softwareVersion.count, maximum: 999)
        }
        self.softwareVersion = softwareVersion
        self.terminalStatus = terminalStatus
        self.fields = fields
        self.systemInformation = nil
        try verifyRoundTrip()
    }

    /// The Feig cVEND system information form.
    public init(systemInformation: ZVTFeigSystemInformation) throws(ZVTError) {
        self.softwareVersion = nil
        self.terminalStatus = nil
        self.fields = ZVTFieldList()
        self.systemInformation = systemInformation
        try verifyRoundTrip()
    }

    init(decodingData data: [UInt8]) {
        if let version = Self.softwareVersionLength(data), version <= data.count - 3 {
            let statusIndex = 3 + version
            self.init(
                softwareVersion: Array(data[3..<statusIndex]),
                terminalStatus: statusIndex < data.count ? data[statusIndex] : nil,
                fields: ZVTFieldList(decoding: data, from: min(statusIndex + 1, data.count)), systemInformation: nil)
        } else if let strict = try? ZVTFieldList.decodeStrictly(data) {
            self.init(softwareVersion: nil, terminalStatus: nil, fields: strict, systemInformation: nil)
        } else if let system = ZVTFeigSystemInformation(decoding: data) {
            self.init(softwareVersion: nil, terminalStatus: nil, fields: ZVTFieldList(), systemInformation: system)
        } else {
            self.init(
                softwareVersion: nil, terminalStatus: nil, fields: ZVTFieldList(decoding: data), systemInformation: nil)
        }
    }

    private init(
        softwareVersion: [UInt8]?, terminalStatus: UInt8?, fields: ZVTFieldList,
        systemInformation: ZVTFeigSystemInformation?
    ) {
        self.softwareVersion = softwareVersion
        self.terminalStatus = terminalStatus
        self.fields = fields
        self.systemInformation = systemInformation
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
        if let systemInformation { return systemInformation.encode() }
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
