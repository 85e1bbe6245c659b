/// Shared value renderings of the JSON writer: times, dates, BMP 60 totals, result codes.
extension ZVTJSONWriter {
    /// `hhmmss` as "hh:mm:ss"; fails on bad BCD or an impossible time.
    static func time(_ bytes: [UInt8]) throws(ZVTError) -> ZVTJSONValue {
        guard bytes.count == 3 else { throw .bcdLengthMismatch(expected: 3, actual: bytes.count) }
        let digits = try ZVTBCD.digits(bytes)
        let hour = try ZVTBCD.decode([bytes[0]])
        let minute = try ZVTBCD.decode([bytes[1]])
        let second = try ZVTBCD.decode([bytes[2]])
        guard hour < 24, minute < 60, second < 60 else {
            throw .bcdValueOutOfRange(value: Int(digits) ?? 0, byteCount: 3)
        }
        let chars = Array(digits)
        return .string("\(chars[0])\(chars[1]):\(chars[2])\(chars[3]):\(chars[4])\(chars[5])")
    }

    /// A date as `{"day", "month"[, "year"]}`; fails on bad BCD or an impossible day or month.
    static func date(year: Int?, month monthByte: UInt8, day dayByte: UInt8) throws(ZVTError) -> ZVTJSONValue {
        let month = try ZVTBCD.decode([monthByte])
        let day = try ZVTBCD.decode([dayByte])
        guard (1...12).contains(month), (1...31).contains(day) else {
            let digits = (try? ZVTBCD.digits([monthByte, dayByte])) ?? ""
            throw .impossibleDateOrTime(digits: digits, form: "month and day MMDD")
        }
        var members = [ZVTJSONMember("day", .number(day)), ZVTJSONMember("month", .number(month))]
        if let year { members.append(ZVTJSONMember("year", .number(year))) }
        return .object(members)
    }

    static func totals(_ totals: ZVTIndividualTotals) -> ZVTJSONValue {
        .object([
            ZVTJSONMember("firstReceiptNumber", .number(totals.firstReceiptNumber)),
            ZVTJSONMember("lastReceiptNumber", .number(totals.lastReceiptNumber)),
            ZVTJSONMember("transactionCount", .number(totals.transactionCount)),
            ZVTJSONMember("totalCents", .number(totals.totalCents)),
            ZVTJSONMember(
                "cardGroups",
                .array(
                    totals.totals.map { total in
                        .object([
                            ZVTJSONMember("group", .string(total.group.rawValue)),
                            ZVTJSONMember("count", .number(total.count)),
                            ZVTJSONMember("cents", .number(total.cents)),
                        ])
                    })),
        ])
    }

    static func resultCode(_ code: ZVTResultCode) -> ZVTJSONValue {
        Self.code(code.rawValue, english: code.englishText, german: code.germanText)
    }

    static func code(_ value: UInt8, english: String?, german: String?) -> ZVTJSONValue {
        var members = [ZVTJSONMember("code", .string(ZVTError.hex(value)))]
        if let english { members.append(ZVTJSONMember("text", .string(english))) }
        if let german { members.append(ZVTJSONMember("german", .string(german))) }
        return .object(members)
    }

    static func receiptTypeName(_ type: UInt8) -> String? {
        switch type {
        case 0x01: return "merchant"
        case 0x02: return "customer"
        case 0x03: return "administration"
        default: return nil
        }
    }

    static func config(_ config: ZVTRegistrationConfig) -> ZVTJSONValue {
        let names: [(ZVTRegistrationConfig, String)] = [
            (.ecrPrintsPaymentReceipts, "ecrPrintsPaymentReceipts"),
            (.ecrPrintsAdministrationReceipts, "ecrPrintsAdministrationReceipts"),
            (.intermediateStatus, "intermediateStatus"), (.ecrControlsPayment, "ecrControlsPayment"),
            (.ecrControlsAdministration, "ecrControlsAdministration"), (.receiptsAsTextBlocks, "receiptsAsTextBlocks"),
        ]
        return .object([
            ZVTJSONMember("byte", .string(ZVTError.hex(config.rawValue))),
            ZVTJSONMember("flags", .array(names.filter { config.contains($0.0) }.map { .string($0.1) })),
        ])
    }

    static func trimmed(_ text: String) -> String {
        var result = text
        while result.last == " " { result.removeLast() }
        return result
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ZVTError.hex($0) }.joined()
    }
}
