/// Intermediate status information 04 FF, terminal → ECR (ZVT spec rev. 13.x, chapter 3):
/// `<status byte> [<timeout>] [06 <TLV>]`. The timeout has no BMP tag: a byte after the
/// status is read as timeout unless the rest parses completely as BMP fields starting with 06.
public struct ZVTIntermediateStatus: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Intermediate status 04 FF"

    /// What the terminal shows.
    public let status: ZVTIntermediateStatusCode
    /// Raw timeout byte, if sent.
    public let timeout: UInt8?
    /// BMP fields after status and timeout (usually the TLV container).
    public let fields: ZVTFieldList

    public init(status: ZVTIntermediateStatusCode, timeout: UInt8? = nil, fields: ZVTFieldList = ZVTFieldList())
        throws(ZVTError)
    {
        self.status = status
        self.timeout = timeout
        self.fields = fields
        try verifyRoundTrip()
    }

    init(decodingData data: [UInt8]) throws(ZVTError) {
        guard let first = data.first else {
            throw .missingElement(command: Self.commandName, element: "status byte")
        }
        status = ZVTIntermediateStatusCode(rawValue: first)
        if data.count == 1 {
            timeout = nil
            fields = ZVTFieldList()
        } else if data[1] == ZVTBMP.tlvContainer, let strict = try? ZVTFieldList.decodeStrictly(data, from: 1) {
            timeout = nil
            fields = strict
        } else {
            timeout = data[1]
            fields = ZVTFieldList(decoding: data, from: 2)
        }
    }

    func encodeData() -> [UInt8] {
        var data = [status.rawValue]
        if let timeout { data.append(timeout) }
        fields.encode(into: &data)
        return data
    }
}
