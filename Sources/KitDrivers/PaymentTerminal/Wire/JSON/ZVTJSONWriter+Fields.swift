/// BMP fields as JSON (ZVT spec rev. 13.x, "Bitmaps" list): typed values, card data masked or
/// redacted, and an issue for every value that is not what its field demands.
extension ZVTJSONWriter {
    mutating func field(_ field: ZVTField) -> ZVTJSONValue {
        let tag = field.tag
        var members = [
            ZVTJSONMember("bmp", .string(ZVTError.hex(tag))),
            ZVTJSONMember("name", .string(ZVTBMP.name(of: tag) ?? "unknown")),
        ]
        if let container = field.tlv {
            var nodes: [ZVTJSONValue] = []
            for item in container.nodes { nodes.append(node(item)) }
            members.append(ZVTJSONMember("tlv", .array(nodes)))
            return .object(members)
        }
        let bytes = field.bytes ?? []
        if ZVTSensitiveData.redactedBMPs.contains(tag) {
            members.append(ZVTJSONMember("redacted", .bool(true)))
            members.append(ZVTJSONMember("length", .number(bytes.count)))
            return .object(members)
        }
        let list = ZVTFieldList([field])
        switch tag {
        case ZVTBMP.pan:
            let masked = list.maskedPAN.map { ZVTJSONValue.string(ZVTTransactionDetails.maskPAN($0)) } ?? .null
            members.append(ZVTJSONMember("masked", masked))
            return .object(members)
        case ZVTBMP.amount:
            members.append(
                ZVTJSONMember("cents", checked(tag) { () throws(ZVTError) in try list.amountCents.map { .number($0) } })
            )
            return .object(members)
        case ZVTBMP.resultCode, ZVTBMP.resultCodeAS:
            members.append(ZVTJSONMember("value", Self.resultCode(ZVTResultCode(bytes.first ?? 0))))
            return .object(members)
        default:
            members.append(ZVTJSONMember("value", value(of: tag, bytes: bytes, list: list)))
            return .object(members)
        }
    }

    mutating func value(of tag: UInt8, bytes: [UInt8], list: ZVTFieldList) -> ZVTJSONValue {
        switch tag {
        case ZVTBMP.receiptNumber where bytes == ZVTBMP.noReceiptNumber:
            return .string("none")
        case ZVTBMP.traceNumber, ZVTBMP.originalTraceNumber, ZVTBMP.receiptNumber, ZVTBMP.turnoverNumber,
            ZVTBMP.cardSequenceNumber, ZVTBMP.currency:
            return checked(tag) { () throws(ZVTError) in .number(try ZVTBCD.decode(bytes)) }
        case ZVTBMP.terminalID:
            return checked(tag) { () throws(ZVTError) in .string(try ZVTBCD.digits(bytes)) }
        case ZVTBMP.time:
            return checked(tag) { () throws(ZVTError) in try Self.time(bytes) }
        case ZVTBMP.date:
            return checked(tag) { () throws(ZVTError) in try Self.date(year: nil, month: bytes[0], day: bytes[1]) }
        case ZVTBMP.dateYYMMDD:
            return checked(tag) { () throws(ZVTError) in
                try Self.date(year: 2000 + ZVTBCD.decode([bytes[0]]), month: bytes[1], day: bytes[2])
            }
        case ZVTBMP.individualTotals:
            return checked(tag) { () throws(ZVTError) in Self.totals(try ZVTIndividualTotals(decoding: bytes)) }
        case ZVTBMP.vuNumber:
            return list.vuNumber.map { .string($0) } ?? .null
        case ZVTBMP.cardName:
            return list.cardName.map { .string($0) } ?? .null
        case ZVTBMP.additionalText, 0xE1...0xE8, 0xF1...0xF8:
            return .string(ZVTText.decode(bytes))
        case ZVTBMP.password:
            return Self.secret
        default:
            return bytes.count == 1 ? .number(Int(bytes[0])) : .string(Self.hex(bytes))
        }
    }

    /// Runs a typed reading; a failure becomes `null` and an issue naming the BMP.
    mutating func checked(_ tag: UInt8, _ read: () throws(ZVTError) -> ZVTJSONValue?) -> ZVTJSONValue {
        do {
            return try read() ?? .null
        } catch {
            issues.append("BMP \(ZVTError.hex(tag)) (\(ZVTBMP.name(of: tag) ?? "unknown")) is not valid: \(error)")
            return .null
        }
    }
}
