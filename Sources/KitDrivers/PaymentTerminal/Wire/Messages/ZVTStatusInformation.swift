/// Status information 04 0F, terminal → ECR: the transaction result as BMP list (ZVT spec
/// rev. 13.x, chapter 3 "Status information"): 27 result code, 04 amount, 0B trace, 0C time,
/// 0D date, 22 PAN, 29 terminal ID, 2A VU number, 3C text, 87 receipt no., 8B card name,
/// 06 TLV and more. Typed readers are on `fields`.
public struct ZVTStatusInformation: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Status information 04 0F"

    /// The BMP fields in wire order.
    public let fields: ZVTFieldList

    public init(fields: ZVTFieldList) {
        self.fields = fields
    }

    init(decodingData data: [UInt8]) {
        fields = ZVTFieldList(decoding: data)
    }

    func encodeData() -> [UInt8] { fields.encode() }

    /// BMP 27; a status information without it reports success.
    public var resultCode: ZVTResultCode { fields.resultCode ?? .success }
}
