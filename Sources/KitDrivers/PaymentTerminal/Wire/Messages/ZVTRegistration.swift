/// Bits of the registration config byte (ZVT spec rev. 13.x, 06 00 "Registration").
public struct ZVTRegistrationConfig: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0x02: the ECR prints the payment receipts.
    public static let ecrPrintsPaymentReceipts = ZVTRegistrationConfig(rawValue: 0x02)
    /// 0x04: the ECR prints administration receipts.
    public static let ecrPrintsAdministrationReceipts = ZVTRegistrationConfig(rawValue: 0x04)
    /// 0x08: the terminal sends intermediate status information (04 FF).
    public static let intermediateStatus = ZVTRegistrationConfig(rawValue: 0x08)
    /// 0x10: the ECR controls payment functions (terminal keys locked).
    public static let ecrControlsPayment = ZVTRegistrationConfig(rawValue: 0x10)
    /// 0x20: the ECR controls administration functions.
    public static let ecrControlsAdministration = ZVTRegistrationConfig(rawValue: 0x20)
    /// 0x80: receipts are sent as text blocks (06 D3) instead of print lines.
    public static let receiptsAsTextBlocks = ZVTRegistrationConfig(rawValue: 0x80)
}

/// Registration 06 00, ECR → terminal (ZVT spec rev. 13.x, chapter 2 "Registration"):
/// `<password 3 BCD> <config byte> [<currency 2 BCD>] [03 <service byte>] [06 <TLV>]`.
///
/// The currency has no BMP tag. When the bytes after the config byte start with 03 or 06
/// and parse completely as BMP fields, they are read as fields; otherwise two bytes are
/// read as currency. Builders reject values that would decode differently.
public struct ZVTRegistration: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Registration 06 00"

    /// Terminal password, six decimal digits.
    public let password: Int
    /// The config byte.
    public let config: ZVTRegistrationConfig
    /// ISO 4217 numeric currency code (978 = EUR), if sent.
    public let currencyCode: Int?
    /// Further BMP fields (03 service byte, 06 TLV).
    public let fields: ZVTFieldList

    public init(
        password: Int, config: ZVTRegistrationConfig, currencyCode: Int? = 978, fields: ZVTFieldList = ZVTFieldList()
    ) throws(ZVTError) {
        _ = try ZVTBCD.encode(password, byteCount: 3)
        if let currencyCode { _ = try ZVTBCD.encode(currencyCode, byteCount: 2) }
        self.password = password
        self.config = config
        self.currencyCode = currencyCode
        self.fields = fields
        try verifyRoundTrip()
    }

    init(decodingData data: [UInt8]) throws(ZVTError) {
        guard data.count >= 4 else {
            throw .missingElement(command: Self.commandName, element: "password and config byte")
        }
        password = try ZVTBCD.decode(data, at: 0, count: 3)
        config = ZVTRegistrationConfig(rawValue: data[3])
        let restStart = 4
        if let first = data.dropFirst(restStart).first, first == 0x03 || first == 0x06,
            let strict = try? ZVTFieldList.decodeStrictly(data, from: restStart)
        {
            currencyCode = nil
            fields = strict
        } else if data.count >= restStart + 2 {
            currencyCode = try ZVTBCD.decode(data, at: restStart, count: 2)
            fields = ZVTFieldList(decoding: data, from: restStart + 2)
        } else {
            currencyCode = nil
            fields = ZVTFieldList(decoding: data, from: restStart)
        }
    }

    func encodeData() -> [UInt8] {
        var data = (try? ZVTBCD.encode(password, byteCount: 3)) ?? []
        data.append(config.rawValue)
        if let currencyCode { data += (try? ZVTBCD.encode(currencyCode, byteCount: 2)) ?? [] }
        fields.encode(into: &data)
        return data
    }

    /// BMP 03 service byte, if sent.
    public var serviceByte: UInt8? { fields.serviceByte }
}
