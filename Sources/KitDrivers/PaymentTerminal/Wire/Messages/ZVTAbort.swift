/// Abort 06 1E, terminal → ECR: the command failed (ZVT spec rev. 13.x, chapter 2):
/// `<result code> [more data]`. What follows the result code differs by command (an untagged
/// currency after 0x6F, BMP 87, a TLV container); it is kept as a leniently parsed BMP list.
public struct ZVTAbort: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Abort 06 1E"

    /// Why the terminal aborted.
    public let resultCode: ZVTResultCode
    /// Data after the result code.
    public let fields: ZVTFieldList

    public init(resultCode: ZVTResultCode, fields: ZVTFieldList = ZVTFieldList()) {
        self.resultCode = resultCode
        self.fields = fields
    }

    init(decodingData data: [UInt8]) throws(ZVTError) {
        guard let first = data.first else {
            throw .missingElement(command: Self.commandName, element: "result code")
        }
        resultCode = ZVTResultCode(rawValue: first)
        fields = ZVTFieldList(decoding: data, from: 1)
    }

    func encodeData() -> [UInt8] {
        var data = [resultCode.rawValue]
        fields.encode(into: &data)
        return data
    }
}
