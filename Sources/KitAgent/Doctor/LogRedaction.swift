import Foundation

/// Removes personal data from agent log lines before they leave the kit in a support bundle.
/// The agent logs no personal data by design; this is the second line of defence for lines that
/// slipped through (a device's error text quoting a name, an address in an exception). It errs on
/// the side of removing: names, streets, places, birth dates, CAN/PIN, card numbers and the values
/// of personal or secret keys become `[redacted]`. Case ids (`2026-MZ-0101`), transaction ids,
/// times, ports and English technical words stay, so IT can still follow a case through the log.
public enum LogRedaction {
    public static let marker = "[redacted]"

    /// Rules applied in order: key/value pairs first (they know what the value is), then patterns.
    private static let rules: [(NSRegularExpression, String)] = {
        let sensitiveKeys =
            "given_?names?|family_?name|first_?name|last_?name|surname|birth_?name|name|citizen|"
            + "birth_?date|date_?of_?birth|dob|street|address|zip|postal_?code|city|place|"
            + "can|pin|puk|pan|card_?number|iban|phone|e_?mail|secret|token|password|private_?key"
        let patterns: [(String, String)] = [
            // key=value, key: value, "key":"value" (metadata, JSON, query strings)
            (
                "(?i)(\\b(?:\(sensitiveKeys))\\b\"?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;&}\\]]+)",
                "$1" + marker
            ),
            // ISO dates that are not timestamps (birth dates), and German dates
            ("\\b(?:18|19|20)\\d{2}-[01]\\d-[0-3]\\d\\b(?!T)", marker),
            ("\\b[0-3]?\\d\\.[01]?\\d\\.(?:18|19|20)\\d{2}\\b", marker),
            // card numbers (PAN, 12-19 digits, maybe grouped)
            ("(?<![\\w:.])\\d(?:[ -]?\\d){11,18}(?![\\w.])", marker),
            // CAN, PIN, ZIP codes: 5 or 6 digits that are not a port (:51820) or part of a longer id
            ("(?<![\\w:.-])\\d{5,6}(?![\\w.])", marker),
            // Title-case words: German names, streets and places (English technical words are
            // lower case or mixed case like WireGuard; a few sentence starts are kept below)
            ("(?<![\\p{L}\\p{N}_-])\\p{Lu}[\\p{Ll}ß]+(?:-\\p{Lu}[\\p{Ll}ß]+)*(?![\\p{L}\\p{N}_])", "\u{1}$0"),
        ]
        return patterns.compactMap { pattern, template in
            (try? NSRegularExpression(pattern: pattern)).map { ($0, template) }
        }
    }()

    /// Capitalised English words the agent's own messages start with; any other title-case word
    /// is taken for a name or a place.
    static let keptWords: Set<String> = [
        "The", "A", "An", "No", "Not", "Cannot", "Could", "Failed", "Sync", "Syncing", "Synced", "Server", "Kit",
        "Agent", "Outbox", "Queue", "Payment", "Card", "Reader", "Terminal", "Device", "Devices", "Signature",
        "Pad", "Fingerprint", "Scanner", "Camera", "Link", "Local", "Started", "Starting", "Stopped", "Stopping",
        "Listening", "Unlock", "Unlocked", "Locked", "Lock", "Enrolled", "Enrollment", "Certificate", "Renewed",
        "Renewal", "Retry", "Retrying", "Received", "Sent", "Sending", "Request", "Response", "Error", "Warning",
        "Ignoring", "Refused", "Accepted", "Acknowledged", "Parked", "Case", "Cases", "Step", "Steps", "Transaction",
        "Transactions", "Checkout", "Checked", "Health", "Status", "Wipe", "Wiped", "Offline", "Online", "Timeout",
        "Timed", "Connection", "Connected", "Disconnected", "Linux",
    ]

    /// One line, redacted.
    public static func redact(_ line: String) -> String {
        var text = line
        for (expression, template) in rules {
            let range = NSRange(text.startIndex..., in: text)
            if template.hasPrefix("\u{1}") {
                // Title-case words: decided one by one against the kept words.
                var result = ""
                var last = text.startIndex
                for match in expression.matches(in: text, range: range) {
                    guard let wordRange = Range(match.range, in: text) else { continue }
                    result += text[last..<wordRange.lowerBound]
                    let word = String(text[wordRange])
                    result += keptWords.contains(word) ? word : marker
                    last = wordRange.upperBound
                }
                result += text[last...]
                text = result
            } else {
                text = expression.stringByReplacingMatches(in: text, range: range, withTemplate: template)
            }
        }
        return text
    }
}
