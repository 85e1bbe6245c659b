/// Text into HTML: everything shown on the admin pages passes through here, because kit ids, case
/// ids and conflict details come from kits and must be treated as hostile (OWASP XSS prevention
/// cheat sheet, output encoding for HTML contexts: `&`, `<`, `>`, `"` and `'`, for element content and
/// quoted attributes alike).
enum HTMLEscaping {
    static func escape(_ text: some StringProtocol) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
