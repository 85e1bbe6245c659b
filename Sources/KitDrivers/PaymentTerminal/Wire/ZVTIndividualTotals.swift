/// BMP 60 "individual totals" of an end-of-day status information (ZVT spec rev. 13.x,
/// "Bitmaps" list, BMP 60): receipt number range of the batch, then for each card group a count
/// (one binary byte) and a turnover (6 BCD bytes): girocard (EC-cash), JCB, Eurocard/Mastercard,
/// American Express, Visa, Diners, others — 53 bytes in all.
public struct ZVTIndividualTotals: Sendable, Equatable {
    /// The card groups in wire order.
    public enum CardGroup: String, Sendable, CaseIterable {
        case girocard
        case jcb
        case eurocard
        case americanExpress
        case visa
        case diners
        case others
    }

    /// Number of transactions and their turnover for one card group.
    public struct Total: Sendable, Equatable {
        public let group: CardGroup
        /// Number of transactions (0–255).
        public let count: Int
        /// Turnover in cents.
        public let cents: Int

        public init(group: CardGroup, count: Int, cents: Int) {
            self.group = group
            self.count = count
            self.cents = cents
        }
    }

    /// Encoded length of the field value.
    public static let byteCount = 4 + 7 * 7

    /// First receipt number of the batch.
    public let firstReceiptNumber: Int
    /// Last receipt number of the batch.
    public let lastReceiptNumber: Int
    /// One total per card group, in wire order.
    public let totals: [Total]

    /// Totals for the groups given; missing groups count zero. Fails on values that do not fit.
    public init(firstReceiptNumber: Int, lastReceiptNumber: Int, totals: [Total] = []) throws(ZVTError) {
        _ = try ZVTBCD.encode(firstReceiptNumber, byteCount: 2)
        _ = try ZVTBCD.encode(lastReceiptNumber, byteCount: 2)
        var ordered: [Total] = []
        for group in CardGroup.allCases {
            let total = totals.first { $0.group == group } ?? Total(group: group, count: 0, cents: 0)
            guard (0...255).contains(total.count) else {
                throw .bcdValueOutOfRange(value: total.count, byteCount: 1)
            }
            _ = try ZVTBCD.amountBytes(cents: total.cents)
            ordered.append(total)
        }
        self.firstReceiptNumber = firstReceiptNumber
        self.lastReceiptNumber = lastReceiptNumber
        self.totals = ordered
    }

    /// Decodes the value of BMP 60 (without its LLL length).
    public init(decoding bytes: [UInt8]) throws(ZVTError) {
        guard bytes.count == Self.byteCount else {
            throw .fieldLengthMismatch(tag: ZVTBMP.individualTotals, expected: Self.byteCount, actual: bytes.count)
        }
        firstReceiptNumber = try ZVTBCD.decode(bytes, at: 0, count: 2)
        lastReceiptNumber = try ZVTBCD.decode(bytes, at: 2, count: 2)
        var totals: [Total] = []
        var offset = 4
        for group in CardGroup.allCases {
            let count = Int(bytes[offset])
            let cents = try ZVTBCD.decode(bytes, at: offset + 1, count: 6)
            totals.append(Total(group: group, count: count, cents: cents))
            offset += 7
        }
        self.totals = totals
    }

    /// The field value (53 bytes).
    public func encode() -> [UInt8] {
        var bytes = (try? ZVTBCD.encode(firstReceiptNumber, byteCount: 2)) ?? [0, 0]
        bytes += (try? ZVTBCD.encode(lastReceiptNumber, byteCount: 2)) ?? [0, 0]
        for total in totals {
            bytes.append(UInt8(clamping: total.count))
            bytes += (try? ZVTBCD.amountBytes(cents: total.cents)) ?? [UInt8](repeating: 0, count: 6)
        }
        return bytes
    }

    /// Number of transactions over all groups.
    public var transactionCount: Int { totals.reduce(0) { $0 + $1.count } }
    /// Turnover over all groups in cents.
    public var totalCents: Int { totals.reduce(0) { $0 + $1.cents } }
}

extension ZVTField {
    /// BMP 60: individual totals.
    public static func individualTotals(_ totals: ZVTIndividualTotals) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.individualTotals, bytes: totals.encode())
    }
}

extension ZVTFieldList {
    /// BMP 60: individual totals of an end-of-day.
    public var individualTotals: ZVTIndividualTotals? {
        get throws(ZVTError) {
            guard let bytes = first(ZVTBMP.individualTotals)?.bytes else { return nil }
            return try ZVTIndividualTotals(decoding: bytes)
        }
    }

    /// Whether BMP 87 holds FF FF, the terminal's "no receipt number" (e.g. a partial reversal
    /// abort 06 1E B8 87 FF FF).
    public var hasNoReceiptNumber: Bool {
        first(ZVTBMP.receiptNumber)?.bytes == ZVTBMP.noReceiptNumber
    }
}
