/// The NIST_COM text carried in a WSQ comment segment: one "KEY value" pair per line, the first line
/// "NIST_COM n" giving the number of lines (ANSI/NIST-ITL 1-2011 Annex F "NISTCOM"; NBIS writes it for WSQ).
public struct WSQNISTComment: Equatable, Sendable {
    /// The key/value pairs after the leading "NIST_COM" line, in order.
    public var fields: [(key: String, value: String)]

    /// Creates a comment from key/value pairs.
    public init(fields: [(key: String, value: String)]) {
        self.fields = fields
    }

    /// The standard fields for an 8-bit grey WSQ image.
    public init(width: Int, height: Int, ppi: Int, bitRate: Double) {
        fields = [
            ("PIX_WIDTH", String(width)),
            ("PIX_HEIGHT", String(height)),
            ("PIX_DEPTH", "8"),
            ("PPI", String(ppi)),
            ("LOSSY", "1"),
            ("COLORSPACE", "GRAY"),
            ("COMPRESSION", "WSQ"),
            ("WSQ_BITRATE", Self.sixDecimals(bitRate)),
        ]
    }

    /// Parses a comment payload; returns nil unless it starts with "NIST_COM".
    public init?(text: [UInt8]) {
        let string = String(decoding: text.prefix { $0 != 0 }, as: UTF8.self)
        let lines = string.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        guard let first = lines.first, first.hasPrefix("NIST_COM") else { return nil }
        var parsed: [(key: String, value: String)] = []
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let key = parts.first else { continue }
            parsed.append((String(key), parts.count > 1 ? String(parts[1]) : ""))
        }
        fields = parsed
    }

    /// The value of `key`, if present.
    public func value(for key: String) -> String? {
        fields.first { $0.key == key }?.value
    }

    /// The comment payload: lines separated by "\n", without a trailing terminator.
    public var text: [UInt8] {
        var lines = ["NIST_COM \(fields.count + 1)"]
        lines += fields.map { "\($0.key) \($0.value)" }
        return Array(lines.joined(separator: "\n").utf8)
    }

    public static func == (lhs: WSQNISTComment, rhs: WSQNISTComment) -> Bool {
        lhs.fields.map(\.key) == rhs.fields.map(\.key) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    /// Formats like C's "%f": fixed point with six decimals.
    static func sixDecimals(_ value: Double) -> String {
        guard value.isFinite else { return "0.000000" }
        let scaled = (abs(value) * 1_000_000).rounded()
        guard scaled < 1e18 else { return "0.000000" }
        let micro = Int(scaled)
        let fraction = String(micro % 1_000_000)
        let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
        return (value < 0 ? "-" : "") + String(micro / 1_000_000) + "." + padded
    }
}
