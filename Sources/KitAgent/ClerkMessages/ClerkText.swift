import Foundation
import KitCore

/// A message for the clerk: a catalogue key and the values of its placeholders. ``german`` is what
/// the clerk reads; an English technical detail travels separately (``ClerkFacingError``).
public struct ClerkText: Sendable, Equatable, CustomStringConvertible {
    public var key: ClerkMessage
    public var arguments: [String: String]

    public init(_ key: ClerkMessage, _ arguments: [String: String] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    /// The catalogue's text with the placeholders filled (an unfilled one stays visible as `{name}`,
    /// which the catalogue test catches).
    public var german: String {
        var text = ClerkMessageCatalogue.german[key] ?? key.rawValue
        for (name, value) in arguments { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    public var description: String { german }

    /// The placeholders a catalogue text names, like `until` in `bis {until} Uhr`.
    public static func placeholders(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// `12:05` on the kit's local clock ("bis 14:32 Uhr"); with the date when it is not today.
    public static func localTime(_ date: Date, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        guard !calendar.isDate(date, inSameDayAs: now) else { return time }
        return String(format: "%02d.%02d.%04d, ", parts.day ?? 0, parts.month ?? 0, parts.year ?? 0) + time
    }

    /// `1250` → `12,50 €`.
    public static func euros(_ cents: Int) -> String {
        let value = abs(cents)
        return (cents < 0 ? "-" : "") + "\(value / 100)," + String(format: "%02d", value % 100) + " €"
    }

    /// The German name of a step, for refusals.
    public static func stepName(_ step: CaseStep) -> String {
        let key: ClerkMessage
        switch step {
        case .identify: key = .stepIdentify
        case .sign: key = .stepSign
        case .pay: key = .stepPay
        case .fingerprints: key = .stepFingerprints
        case .updateAddress: key = .stepUpdateAddress
        case .handOutDocument: key = .stepHandOutDocument
        case .complete: key = .stepComplete
        }
        return ClerkText(key).german
    }
}
