/// Authorization 06 01, ECR → terminal: start a card payment (ZVT spec rev. 13.x, chapter 2
/// "Authorization"). The data part is a BMP list: 04 amount, 49 currency, 19 payment type,
/// 01 timeout, 02 max. status informations, 3C text, 06 TLV and more, in wire order.
public struct ZVTAuthorization: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Authorization 06 01"

    /// The BMP fields in wire order.
    public let fields: ZVTFieldList

    public init(fields: ZVTFieldList) {
        self.fields = fields
    }

    /// The usual payment request: amount, currency, optional payment type and extra BMPs.
    public init(
        amountCents: Int, currencyCode: Int? = 978, paymentType: UInt8? = nil, additionalFields: [ZVTField] = []
    ) throws(ZVTError) {
        var list = [try ZVTField.amount(cents: amountCents)]
        if let currencyCode { list.append(try .currency(code: currencyCode)) }
        if let paymentType { list.append(.paymentType(paymentType)) }
        self.fields = ZVTFieldList(list + additionalFields)
    }

    init(decodingData data: [UInt8]) {
        fields = ZVTFieldList(decoding: data)
    }

    func encodeData() -> [UInt8] { fields.encode() }

    /// BMP 04 in cents.
    public var amountCents: Int? {
        get throws(ZVTError) { try fields.amountCents }
    }
}
