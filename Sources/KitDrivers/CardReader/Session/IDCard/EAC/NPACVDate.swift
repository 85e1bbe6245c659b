import Foundation

/// A calendar date in a card-verifiable certificate: six unpacked BCD digits YYMMDD, one digit
/// per byte, years 2000-2099 (BSI TR-03110-3 §D.2.1.3, certificate effective date 5F25 and
/// expiration date 5F24).
public struct NPACVDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Full year, 2000 ... 2099.
    public let year: Int
    /// Month 1 ... 12.
    public let month: Int
    /// Day 1 ... 31 (checked against the month).
    public let day: Int

    /// A checked date.
    public init(year: Int, month: Int, day: Int) throws(NPACVCertificateError) {
        guard (2000...2099).contains(year), (1...12).contains(month), (1...31).contains(day) else {
            throw .invalidDate(reason: "\(year)-\(month)-\(day) is not a date between 2000 and 2099")
        }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        guard components.isValidDate(in: Self.calendar) else {
            throw .invalidDate(reason: "\(year)-\(month)-\(day) does not exist")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Decodes six unpacked BCD digits.
    public init(unpackedBCD bytes: [UInt8]) throws(NPACVCertificateError) {
        guard bytes.count == 6 else { throw .invalidDate(reason: "\(bytes.count) digits instead of 6") }
        guard bytes.allSatisfy({ $0 <= 9 }) else { throw .invalidDate(reason: "a digit above 9") }
        let number = { (index: Int) in Int(bytes[index]) * 10 + Int(bytes[index + 1]) }
        try self.init(year: 2000 + number(0), month: number(2), day: number(4))
    }

    /// The UTC calendar day of `date`.
    public init(_ date: Date) {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        year = min(2099, max(2000, parts.year ?? 2000))
        month = parts.month ?? 1
        day = parts.day ?? 1
    }

    /// The six unpacked BCD digits.
    public var unpackedBCD: [UInt8] {
        let yy = year - 2000
        return [yy / 10, yy % 10, month / 10, month % 10, day / 10, day % 10].map { UInt8($0) }
    }

    /// The date `days` days later (or earlier when negative), clamped to 2000 ... 2099.
    public func adding(days: Int) -> NPACVDate {
        guard let start = startOfDay, let moved = Self.calendar.date(byAdding: .day, value: days, to: start) else {
            return self
        }
        return NPACVDate(moved)
    }

    /// Midnight UTC of this day.
    public var startOfDay: Date? {
        Self.calendar.date(from: DateComponents(year: year, month: month, day: day))
    }

    public static func < (lhs: NPACVDate, rhs: NPACVDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()
}
