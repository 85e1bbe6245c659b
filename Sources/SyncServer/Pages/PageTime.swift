import Foundation

/// Times on the admin pages: absolute in the city's local time (Europe/Berlin, with "Uhr", as the
/// back office reads a clock) and relative in German ("vor 3 Std."). The machine-readable
/// `<time datetime>` stays ISO 8601 in UTC.
enum PageTime {
    /// The zone of every absolute time a person reads.
    static let zone = TimeZone(identifier: "Europe/Berlin") ?? TimeZone(secondsFromGMT: 3_600) ?? .current

    /// `01.03.2026, 15:05 Uhr` (local time).
    static func absolute(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(two(parts.day)).\(two(parts.month)).\(parts.year ?? 0), \(two(parts.hour)):\(two(parts.minute)) Uhr"
    }

    /// An ISO 8601 timestamp for `<time datetime>`.
    static func machine(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// A duration in the largest sensible unit: `45 s`, `12 Min.`, `3 Std.`, `2 Tage`.
    static func duration(_ seconds: TimeInterval) -> String {
        let seconds = max(0, Int(seconds))
        switch seconds {
        case ..<60: return "\(seconds) s"
        case ..<3_600: return "\(seconds / 60) Min."
        case ..<172_800: return "\(seconds / 3_600) Std."
        default: return "\(seconds / 86_400) Tage"
        }
    }

    /// `gerade eben`, `vor 12 Min.`; a date ahead of `now` (a kit's clock running fast) as `in 5 Min.`.
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        if abs(seconds) < 60 { return "gerade eben" }
        return seconds > 0 ? "vor \(duration(seconds))" : "in \(duration(-seconds))"
    }

    /// A `<time>` element with the relative time as text and the absolute one beside it.
    static func html(_ date: Date, now: Date) -> String {
        "<time datetime=\"\(HTMLEscaping.escape(machine(date)))\">\(HTMLEscaping.escape(relative(date, now: now)))</time>"
            + " <span class=\"abs\">\(HTMLEscaping.escape(absolute(date)))</span>"
    }
}
