/// A JSON value (RFC 8259) as `kit-agent zvt decode` prints it: objects keep their key order.
public indirect enum ZVTJSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Int)
    case string(String)
    case array([ZVTJSONValue])
    case object([ZVTJSONMember])

    /// The JSON text; `pretty` indents by two spaces.
    public func rendered(pretty: Bool = true) -> String {
        var output = ""
        render(into: &output, pretty: pretty, indent: 0)
        return output
    }

    /// The member's value, for objects.
    public subscript(key: String) -> ZVTJSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    private func render(into output: inout String, pretty: Bool, indent: Int) {
        let newline = pretty ? "\n" : ""
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let closingPad = pretty ? String(repeating: "  ", count: indent) : ""
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value): output += String(value)
        case .string(let value): output += Self.quoted(value)
        case .array(let values):
            guard !values.isEmpty else { return output += "[]" }
            output += "[" + newline
            for (index, value) in values.enumerated() {
                output += pad
                value.render(into: &output, pretty: pretty, indent: indent + 1)
                output += (index < values.count - 1 ? "," : "") + newline
            }
            output += closingPad + "]"
        case .object(let members):
            guard !members.isEmpty else { return output += "{}" }
            output += "{" + newline
            for (index, member) in members.enumerated() {
                output += pad + Self.quoted(member.key) + (pretty ? ": " : ":")
                member.value.render(into: &output, pretty: pretty, indent: indent + 1)
                output += (index < members.count - 1 ? "," : "") + newline
            }
            output += closingPad + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}

/// One key and value of a JSON object (RFC 8259 §4).
public struct ZVTJSONMember: Sendable, Equatable {
    public let key: String
    public let value: ZVTJSONValue

    public init(_ key: String, _ value: ZVTJSONValue) {
        self.key = key
        self.value = value
    }
}
