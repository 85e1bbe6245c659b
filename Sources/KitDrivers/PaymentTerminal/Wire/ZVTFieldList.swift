import Foundation

/// The ordered BMP fields of a command's data part (ZVT spec rev. 13.x, "Bitmaps" list).
///
/// Decoding is lenient where the spec lets vendors extend: at the first BMP whose tag is
/// unknown or whose value does not parse, the remaining bytes are kept in `unparsed` (with
/// the reason in `unparsedReason`), so the message still re-encodes byte for byte.
public struct ZVTFieldList: Sendable, Equatable {
    /// Fields in wire order.
    public let fields: [ZVTField]
    /// Raw bytes from the first field that could not be parsed to the end of the data.
    public let unparsed: [UInt8]
    /// Why parsing stopped, when `unparsed` is not empty. Not part of equality.
    public let unparsedReason: ZVTError?

    /// A list of fields without unparsed bytes.
    public init(_ fields: [ZVTField] = []) {
        self.fields = fields
        self.unparsed = []
        self.unparsedReason = nil
    }

    /// Fields followed by raw bytes; fails if the raw bytes would decode as a field.
    public init(fields: [ZVTField], unparsed: [UInt8]) throws(ZVTError) {
        var cursor = ZVTByteCursor(unparsed)
        var reason: ZVTError?
        if !unparsed.isEmpty {
            do {
                _ = try ZVTField.decode(&cursor)
            } catch {
                reason = error
            }
            guard reason != nil else {
                throw .ambiguousEncoding(command: "BMP list", reason: "the unparsed bytes start with a valid BMP")
            }
        }
        self.fields = fields
        self.unparsed = unparsed
        self.unparsedReason = reason
    }

    /// Lenient decoding: never fails; see `unparsed`.
    public init(decoding bytes: [UInt8]) {
        self.init(decoding: bytes, from: 0)
    }

    /// Lenient decoding of `data[start...]`, error offsets relative to `data`.
    init(decoding data: [UInt8], from start: Int) {
        var cursor = ZVTByteCursor(data, offset: start)
        var fields: [ZVTField] = []
        var reason: ZVTError?
        while !cursor.isAtEnd {
            do {
                fields.append(try ZVTField.decode(&cursor))
            } catch {
                reason = error
                break
            }
        }
        self.fields = fields
        self.unparsed = cursor.readRest()
        self.unparsedReason = reason
    }

    /// Strict decoding: any unknown or malformed field is an error.
    public static func decodeStrictly(_ bytes: [UInt8]) throws(ZVTError) -> ZVTFieldList {
        try decodeStrictly(bytes, from: 0)
    }

    static func decodeStrictly(_ data: [UInt8], from start: Int) throws(ZVTError) -> ZVTFieldList {
        var cursor = ZVTByteCursor(data, offset: start)
        var fields: [ZVTField] = []
        while !cursor.isAtEnd {
            fields.append(try ZVTField.decode(&cursor))
        }
        return ZVTFieldList(fields)
    }

    /// True when there are neither fields nor unparsed bytes.
    public var isEmpty: Bool { fields.isEmpty && unparsed.isEmpty }

    /// Whether every byte was understood.
    public var isFullyParsed: Bool { unparsed.isEmpty }

    /// First field with the tag.
    public func first(_ tag: UInt8) -> ZVTField? {
        fields.first { $0.tag == tag }
    }

    /// The wire bytes of all fields and the unparsed tail.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    func encode(into bytes: inout [UInt8]) {
        fields.forEach { $0.encode(into: &bytes) }
        bytes += unparsed
    }

    public static func == (lhs: ZVTFieldList, rhs: ZVTFieldList) -> Bool {
        lhs.fields == rhs.fields && lhs.unparsed == rhs.unparsed
    }
}

// MARK: - Typed readers

extension ZVTFieldList {
    private func fixedBytes(_ tag: UInt8) -> [UInt8]? {
        first(tag)?.bytes
    }

    private func byte(_ tag: UInt8) -> UInt8? {
        fixedBytes(tag)?.first
    }

    private func bcdNumber(_ tag: UInt8) throws(ZVTError) -> Int? {
        guard let bytes = fixedBytes(tag) else { return nil }
        return try ZVTBCD.decode(bytes)
    }

    private func bcdPairs(_ tag: UInt8) throws(ZVTError) -> [Int]? {
        guard let bytes = fixedBytes(tag) else { return nil }
        var values: [Int] = []
        for byte in bytes {
            values.append(try ZVTBCD.decode([byte]))
        }
        return values
    }

    /// BMP 04 in cents.
    public var amountCents: Int? {
        get throws(ZVTError) {
            guard let bytes = fixedBytes(ZVTBMP.amount) else { return nil }
            return try ZVTBCD.cents(fromAmount: bytes)
        }
    }

    /// BMP 49 as ISO 4217 numeric code (978 = EUR).
    public var currencyCode: Int? {
        get throws(ZVTError) { try bcdNumber(ZVTBMP.currency) }
    }

    /// BMP 19: payment type or status byte.
    public var paymentType: UInt8? { byte(ZVTBMP.paymentType) }

    /// BMP 03: service byte.
    public var serviceByte: UInt8? { byte(ZVTBMP.serviceByte) }

    /// BMP 27: result code.
    public var resultCode: ZVTResultCode? { byte(ZVTBMP.resultCode).map(ZVTResultCode.init(rawValue:)) }

    /// BMP 0B: trace number.
    public var traceNumber: Int? {
        get throws(ZVTError) { try bcdNumber(ZVTBMP.traceNumber) }
    }

    /// BMP 87: receipt number.
    public var receiptNumber: Int? {
        get throws(ZVTError) { try bcdNumber(ZVTBMP.receiptNumber) }
    }

    /// BMP 88: turnover record number.
    public var turnoverNumber: Int? {
        get throws(ZVTError) { try bcdNumber(ZVTBMP.turnoverNumber) }
    }

    /// BMP 17: card sequence number.
    public var cardSequenceNumber: Int? {
        get throws(ZVTError) { try bcdNumber(ZVTBMP.cardSequenceNumber) }
    }

    /// BMP 29: terminal ID as its eight digits.
    public var terminalID: String? {
        get throws(ZVTError) {
            guard let bytes = fixedBytes(ZVTBMP.terminalID) else { return nil }
            return try ZVTBCD.digits(bytes)
        }
    }

    /// BMP 0C: time of day (hour, minute, second).
    public var time: DateComponents? {
        get throws(ZVTError) {
            guard let parts = try bcdPairs(ZVTBMP.time), parts.count == 3 else { return nil }
            return DateComponents(hour: parts[0], minute: parts[1], second: parts[2])
        }
    }

    /// BMP 0D: date (month, day; the year is not transmitted).
    public var date: DateComponents? {
        get throws(ZVTError) {
            guard let parts = try bcdPairs(ZVTBMP.date), parts.count == 2 else { return nil }
            return DateComponents(month: parts[0], day: parts[1])
        }
    }

    /// BMP 0E: card expiry (year 20YY, month).
    public var expiryDate: DateComponents? {
        get throws(ZVTError) {
            guard let parts = try bcdPairs(ZVTBMP.expiryDate), parts.count == 2 else { return nil }
            return DateComponents(year: 2000 + parts[0], month: parts[1])
        }
    }

    /// BMP 22: card number; masked digits (`E`) become `*`, the `F` filler is dropped.
    public var maskedPAN: String? {
        guard let bytes = fixedBytes(ZVTBMP.pan) else { return nil }
        var text = ""
        for nibble in bytes.flatMap({ [$0 >> 4, $0 & 0x0F] }) {
            switch nibble {
            case 0...9: text.append(Character(Unicode.Scalar(0x30 + nibble)))
            case 0x0E: text.append("*")
            case 0x0F: continue
            default: text.append("?")
            }
        }
        return text
    }

    /// BMP 2A: VU number without trailing spaces.
    public var vuNumber: String? {
        fixedBytes(ZVTBMP.vuNumber).map { ZVTText.decode($0).trimmingTrailing(" ") }
    }

    /// BMP 8B: card name without the closing NUL.
    public var cardName: String? {
        fixedBytes(ZVTBMP.cardName).map { ZVTText.decode($0).trimmingTrailing("\0") }
    }

    /// BMP 3C: additional text (lines separated by CR on Feig terminals).
    public var additionalText: String? {
        fixedBytes(ZVTBMP.additionalText).map { ZVTText.decode($0) }
    }

    /// BMP 8A: ZVT card type.
    public var cardType: UInt8? { byte(ZVTBMP.cardType) }

    /// BMP 8C: card type ID of the network operator.
    public var cardTypeID: UInt8? { byte(ZVTBMP.cardTypeID) }

    /// BMP 3B: AID authorisation attribute (8 raw bytes).
    public var authorisationAttribute: [UInt8]? { fixedBytes(ZVTBMP.authorisationAttribute) }

    /// BMP 06: TLV container.
    public var tlv: ZVTTLVContainer? { first(ZVTBMP.tlvContainer)?.tlv }
}

extension String {
    fileprivate func trimmingTrailing(_ character: Character) -> String {
        var result = self
        while result.last == character { result.removeLast() }
        return result
    }
}
