/// TLV objects as JSON (ZVT spec rev. 13.x, TLV-container chapter): names and value kinds from
/// `ZVTTLVTagCatalogue`, text and dates decoded, secrets and bulk data left out.
extension ZVTJSONWriter {
    mutating func node(_ node: ZVTTLVNode) -> ZVTJSONValue {
        var members = [ZVTJSONMember("tag", .string(node.tag.description))]
        let entry = ZVTTLVTagCatalogue.entry(node.tag)
        if let entry { members.append(ZVTJSONMember("name", .string(entry.name))) }
        if node.tag.holdsNestedObjects {
            var children: [ZVTJSONValue] = []
            for child in node.children { children.append(self.node(child)) }
            members.append(ZVTJSONMember("children", .array(children)))
            return .object(members)
        }
        let value = node.value ?? []
        if ZVTSensitiveData.redactedTLVTags.contains(node.tag.number) {
            members.append(ZVTJSONMember("redacted", .bool(true)))
            members.append(ZVTJSONMember("length", .number(value.count)))
            return .object(members)
        }
        switch entry?.kind ?? .hex {
        case .payload:
            members.append(ZVTJSONMember("length", .number(value.count)))
        case let kind:
            members.append(ZVTJSONMember("value", tlvValue(kind, value, tag: node.tag)))
        }
        return .object(members)
    }

    mutating func tlvValue(_ kind: ZVTTLVValueKind, _ value: [UInt8], tag: ZVTTLVTag) -> ZVTJSONValue {
        do {
            switch kind {
            case .text: return .string(ZVTText.decode(value))
            case .hex, .payload: return .string(Self.hex(value))
            case .secret: return Self.secret
            case .digits: return .string(try ZVTBCD.digits(value))
            case .number:
                guard (1...4).contains(value.count) else {
                    throw ZVTError.bcdLengthMismatch(expected: 4, actual: value.count)
                }
                return .number(value.reduce(0) { $0 << 8 | Int($1) })
            case .command:
                guard value.count == 2 else { throw ZVTError.bcdLengthMismatch(expected: 2, actual: value.count) }
                return .string(ZVTError.hex(value))
            case .date:
                guard value.count == 4 else { throw ZVTError.bcdLengthMismatch(expected: 4, actual: value.count) }
                return try Self.date(year: ZVTBCD.decode(Array(value[0..<2])), month: value[2], day: value[3])
            case .time:
                return try Self.time(value)
            case .hostAddress:
                guard value.count == 7 else { throw ZVTError.bcdLengthMismatch(expected: 7, actual: value.count) }
                return .object([
                    ZVTJSONMember("host", .string(value[0..<4].map { String($0) }.joined(separator: "."))),
                    ZVTJSONMember("port", .number(Int(value[4]) << 8 | Int(value[5]))),
                    ZVTJSONMember("config", .number(Int(value[6]))),
                ])
            }
        } catch {
            issues.append("TLV \(tag) (\(ZVTTLVTagCatalogue.entry(tag)?.name ?? "unknown")) is not valid: \(error)")
            return .string(Self.hex(value))
        }
    }
}
