/// A command from the ZVT command lists without a dedicated type (ZVT spec rev. 13.x, chapters
/// 2 and 3; Feig cVEND extensions), decoded by its `ZVTCommandCatalogue` layout: an optional
/// untagged prefix (password, timeout byte, cVEND function number), then BMP fields.
public struct ZVTListedCommand: Sendable, Equatable {
    /// What precedes the BMP fields.
    public enum Prefix: Sendable, Equatable {
        /// Nothing: the data is a BMP list.
        case none
        /// Terminal password (six digits), `nil` when the data part is empty.
        case password(Int?)
        /// One untagged byte, named by the layout (e.g. the Read Card timeout in seconds).
        case byte(UInt8)
        /// Feig 0F A1: optional password and the function number.
        case cvendFunction(password: Int?, function: UInt16)
    }

    /// The catalogue entry.
    public let description: ZVTCommandDescription
    /// The untagged start of the data.
    public let prefix: Prefix
    /// The BMP fields after the prefix.
    public let fields: ZVTFieldList

    /// Builds a listed command; fails when the control field is not listed or the value would
    /// decode differently.
    public init(commandClass: UInt8, instruction: UInt8, prefix: Prefix = .none, fields: ZVTFieldList = ZVTFieldList())
        throws(ZVTError)
    {
        guard let description = ZVTCommandCatalogue.description(commandClass: commandClass, instruction: instruction)
        else {
            throw .wrongCommand(expected: [], actual: [commandClass, instruction])
        }
        self.description = description
        self.prefix = prefix
        self.fields = fields
        let decoded = try ZVTListedCommand(description: description, decodingData: encodeData())
        guard decoded == self else {
            throw .ambiguousEncoding(
                command: description.name, reason: "the encoded bytes would decode to a different message")
        }
    }

    init(description: ZVTCommandDescription, decodingData data: [UInt8]) throws(ZVTError) {
        self.description = description
        switch description.layout {
        case .fields:
            prefix = .none
            fields = ZVTFieldList(decoding: data)
        case .password:
            guard !data.isEmpty else {
                prefix = .password(nil)
                fields = ZVTFieldList()
                return
            }
            guard data.count >= 3 else { throw .missingElement(command: description.name, element: "password") }
            prefix = .password(try ZVTBCD.decode(data, at: 0, count: 3))
            fields = ZVTFieldList(decoding: data, from: 3)
        case .leadingByte(let name):
            guard let first = data.first else { throw .missingElement(command: description.name, element: name) }
            prefix = .byte(first)
            fields = ZVTFieldList(decoding: data, from: 1)
        case .cvendFunction:
            switch data.count {
            case 2:
                prefix = .cvendFunction(password: nil, function: UInt16(data[0]) << 8 | UInt16(data[1]))
            case 5:
                prefix = .cvendFunction(
                    password: try ZVTBCD.decode(data, at: 0, count: 3), function: UInt16(data[3]) << 8 | UInt16(data[4])
                )
            default:
                throw .missingElement(
                    command: description.name, element: "function number (2 bytes, after an optional password)")
            }
            fields = ZVTFieldList()
        }
    }

    func encodeData() -> [UInt8] {
        var data: [UInt8] = []
        switch prefix {
        case .none, .password(nil): break
        case .password(let password?): data += (try? ZVTBCD.encode(password, byteCount: 3)) ?? []
        case .byte(let byte): data.append(byte)
        case .cvendFunction(let password, let function):
            if let password { data += (try? ZVTBCD.encode(password, byteCount: 3)) ?? [] }
            data += [UInt8(function >> 8), UInt8(function & 0xFF)]
        }
        fields.encode(into: &data)
        return data
    }
}
