import Foundation

/// The `Retry-After` field of a busy server's answer (429, 503; RFC 9110 §10.2.3): how long the kit
/// waits before it sends again. Pure, so that hostile values are tested without a server.
public enum RetryAfter {
    /// The longest wait a server may ask for: a kit must not go quiet for a day because of one
    /// answer (a typo in a proxy's configuration); after this it asks again.
    public static let longest: Duration = .seconds(600)

    /// The wait the field asks for, counted from `now`: `delay-seconds` (digits only) or an HTTP
    /// date (IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept). A
    /// date in the past is no wait; anything else (negative, fractions, garbage, empty) is nil, so
    /// the kit falls back to its own backoff.
    public static func parse(_ field: String?, now: Date) -> Duration? {
        guard let value = field?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.count <= 64 else {
            return nil
        }
        if value.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // More digits than any sensible wait: cap instead of overflowing.
            guard value.count <= 9, let seconds = Int64(value) else { return longest }
            return min(.seconds(seconds), longest)
        }
        guard let date = httpDate(value) else { return nil }
        let seconds = date.timeIntervalSince(now)
        guard seconds > 0 else { return .zero }
        return min(.milliseconds(Int64(seconds * 1000)), longest)
    }

    private static func httpDate(_ value: String) -> Date? {
        // asctime pads the day with a space ("Nov  6"): one space between fields for every form.
        let value = value.split(separator: " ").joined(separator: " ")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            formatter.isLenient = false
            if let date = formatter.date(from: value) { return date }
        }
        return nil
    }
}
