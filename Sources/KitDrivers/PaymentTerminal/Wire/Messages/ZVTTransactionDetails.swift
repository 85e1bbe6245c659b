import Foundation

/// What a terminal reported about one transaction in status information 04 0F (ZVT spec
/// rev. 13.x, chapter 3 "Status information"), reduced to what the kit may keep: the card
/// number only masked (last four digits), never track data or chip data.
public struct ZVTTransactionDetails: Sendable, Equatable, Hashable, Codable {
    /// BMP 27 result code (0 = success), if sent.
    public var resultCode: UInt8?
    /// BMP 04 amount in cents.
    public var amountCents: Int?
    /// BMP 49 ISO 4217 numeric currency (978 = EUR).
    public var currencyCode: Int?
    /// BMP 0B trace number of this transaction.
    public var traceNumber: Int?
    /// BMP 37 trace number of the transaction a reversal cancelled.
    public var originalTraceNumber: Int?
    /// BMP 87 receipt number.
    public var receiptNumber: Int?
    /// BMP 88 turnover record number.
    public var turnoverNumber: Int?
    /// BMP 29 terminal ID (eight digits).
    public var terminalID: String?
    /// BMP 2A VU number (merchant number).
    public var vuNumber: String?
    /// BMP 8B card name, e.g. "girocard".
    public var cardName: String?
    /// BMP 8A ZVT card type.
    public var cardType: UInt8?
    /// BMP 19 payment type.
    public var paymentType: UInt8?
    /// BMP 22 card number with every digit but the last four replaced by `*`.
    public var maskedPAN: String?
    /// BMP 0D date as "MM-DD" (the terminal sends no year).
    public var date: String?
    /// BMP 0C time as "hh:mm:ss".
    public var time: String?
    /// BMP 3C additional text.
    public var additionalText: String?

    public init(
        resultCode: UInt8? = nil, amountCents: Int? = nil, currencyCode: Int? = nil, traceNumber: Int? = nil,
        originalTraceNumber: Int? = nil, receiptNumber: Int? = nil, turnoverNumber: Int? = nil,
        terminalID: String? = nil, vuNumber: String? = nil, cardName: String? = nil, cardType: UInt8? = nil,
        paymentType: UInt8? = nil, maskedPAN: String? = nil, date: String? = nil, time: String? = nil,
        additionalText: String? = nil
    ) {
        self.resultCode = resultCode
        self.amountCents = amountCents
        self.currencyCode = currencyCode
        self.traceNumber = traceNumber
        self.originalTraceNumber = originalTraceNumber
        self.receiptNumber = receiptNumber
        self.turnoverNumber = turnoverNumber
        self.terminalID = terminalID
        self.vuNumber = vuNumber
        self.cardName = cardName
        self.cardType = cardType
        self.paymentType = paymentType
        self.maskedPAN = maskedPAN.map(Self.maskPAN)
        self.date = date
        self.time = time
        self.additionalText = additionalText
    }

    /// Reads the BMPs of a status information leniently: a field that does not decode is left out.
    public init(fields: ZVTFieldList) {
        self.init()
        resultCode = fields.resultCode?.rawValue
        amountCents = try? fields.amountCents
        currencyCode = try? fields.currencyCode
        traceNumber = try? fields.traceNumber
        originalTraceNumber = (fields.first(ZVTBMP.originalTraceNumber)?.bytes).flatMap { try? ZVTBCD.decode($0) }
        receiptNumber = try? fields.receiptNumber
        turnoverNumber = try? fields.turnoverNumber
        terminalID = try? fields.terminalID
        vuNumber = fields.vuNumber
        cardName = fields.cardName
        cardType = fields.cardType
        paymentType = fields.paymentType
        maskedPAN = fields.maskedPAN.map(Self.maskPAN)
        if let date = (try? fields.date) ?? nil, let month = date.month, let day = date.day {
            self.date = Self.twoDigits(month) + "-" + Self.twoDigits(day)
        }
        if let time = (try? fields.time) ?? nil, let hour = time.hour, let minute = time.minute,
            let second = time.second
        {
            self.time = Self.twoDigits(hour) + ":" + Self.twoDigits(minute) + ":" + Self.twoDigits(second)
        }
        additionalText = fields.additionalText
    }

    /// Values of `newer` win; values it lacks are kept from `self` (terminals split the result
    /// over several status informations).
    public func merging(_ newer: ZVTTransactionDetails) -> ZVTTransactionDetails {
        var merged = self
        merged.resultCode = newer.resultCode ?? resultCode
        merged.amountCents = newer.amountCents ?? amountCents
        merged.currencyCode = newer.currencyCode ?? currencyCode
        merged.traceNumber = newer.traceNumber ?? traceNumber
        merged.originalTraceNumber = newer.originalTraceNumber ?? originalTraceNumber
        merged.receiptNumber = newer.receiptNumber ?? receiptNumber
        merged.turnoverNumber = newer.turnoverNumber ?? turnoverNumber
        merged.terminalID = newer.terminalID ?? terminalID
        merged.vuNumber = newer.vuNumber ?? vuNumber
        merged.cardName = newer.cardName ?? cardName
        merged.cardType = newer.cardType ?? cardType
        merged.paymentType = newer.paymentType ?? paymentType
        merged.maskedPAN = newer.maskedPAN ?? maskedPAN
        merged.date = newer.date ?? date
        merged.time = newer.time ?? time
        merged.additionalText = newer.additionalText ?? additionalText
        return merged
    }

    /// Whether no field is set.
    public var isEmpty: Bool { self == ZVTTransactionDetails() }

    /// Keeps the last four digits of a card number and replaces every other digit by `*`;
    /// anything that is not a digit (terminal masks, separators) becomes `*` as well.
    public static func maskPAN(_ pan: String) -> String {
        let characters = Array(pan)
        var digitsSeen = 0
        var result: [Character] = []
        result.reserveCapacity(characters.count)
        for character in characters.reversed() {
            if character.isASCII, character.isNumber, digitsSeen < 4 {
                result.append(character)
                digitsSeen += 1
            } else {
                result.append("*")
            }
        }
        return String(result.reversed())
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
