/// Commands whose data part is `[<password 3 BCD>] [BMP fields]` (ZVT spec rev. 13.x,
/// chapter 2): Reversal 06 30 (with 87 receipt number), Refund 06 31, End-of-day 06 50,
/// Repeat receipt 06 20, Send turnover totals 06 10, Reset terminal 06 18, Status enquiry 05 01.
/// Empty data means no password.
public struct ZVTPasswordCommand: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Password command"

    /// Terminal password, six decimal digits; `nil` only when the data part is empty.
    public let password: Int?
    /// BMP fields after the password.
    public let fields: ZVTFieldList

    /// Fails when the password is not six digits or fields are given without a password.
    public init(password: Int?, fields: ZVTFieldList = ZVTFieldList()) throws(ZVTError) {
        if let password { _ = try ZVTBCD.encode(password, byteCount: 3) }
        guard password != nil || fields.isEmpty else {
            throw .missingElement(command: Self.commandName, element: "password before the BMP fields")
        }
        self.password = password
        self.fields = fields
    }

    /// Reversal 06 30 body: password and the receipt number to reverse.
    public static func reversal(password: Int, receiptNumber: Int) throws(ZVTError) -> ZVTPasswordCommand {
        try ZVTPasswordCommand(password: password, fields: ZVTFieldList([.receiptNumber(receiptNumber)]))
    }

    /// Refund 06 31 body: password and amount.
    public static func refund(password: Int, amountCents: Int, currencyCode: Int? = 978) throws(ZVTError)
        -> ZVTPasswordCommand
    {
        var list = [try ZVTField.amount(cents: amountCents)]
        if let currencyCode { list.append(try .currency(code: currencyCode)) }
        return try ZVTPasswordCommand(password: password, fields: ZVTFieldList(list))
    }

    init(decodingData data: [UInt8]) throws(ZVTError) {
        guard !data.isEmpty else {
            password = nil
            fields = ZVTFieldList()
            return
        }
        guard data.count >= 3 else { throw .missingElement(command: Self.commandName, element: "password") }
        password = try ZVTBCD.decode(data, at: 0, count: 3)
        fields = ZVTFieldList(decoding: data, from: 3)
    }

    func encodeData() -> [UInt8] {
        guard let password else { return [] }
        var data = (try? ZVTBCD.encode(password, byteCount: 3)) ?? []
        fields.encode(into: &data)
        return data
    }
}
