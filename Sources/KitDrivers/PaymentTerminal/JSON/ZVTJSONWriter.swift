/// Builds the JSON of a decoded message and notes, as it goes, everything that could not be
/// decoded (ZVT spec rev. 13.x: "Bitmaps" list, TLV-container chapter, command data blocks).
struct ZVTJSONWriter {
    /// Sentences about undecoded parts, in the order they were met.
    private(set) var issues: [String] = []

    private static let secret = ZVTJSONValue.string("******")

    mutating func message(_ message: ZVTMessage) -> ZVTJSONValue {
        let control = message.controlField
        var members: [ZVTJSONMember] = [
            ZVTJSONMember("message", .string(message.name)),
            ZVTJSONMember("class", .string(ZVTError.hex(control.commandClass))),
            ZVTJSONMember("instruction", .string(ZVTError.hex(control.instruction))),
            ZVTJSONMember("dataLength", .number(message.data.count)),
        ]
        switch message {
        case .registration(let body):
            members.append(ZVTJSONMember("password", Self.secret))
            members.append(ZVTJSONMember("config", Self.config(body.config)))
            if let currency = body.currencyCode { members.append(ZVTJSONMember("currency", .number(currency))) }
            members += fieldMembers(body.fields)
        case .authorization(let body):
            members += fieldMembers(body.fields)
        case .sendTurnoverTotals(let body), .resetTerminal(let body), .repeatReceipt(let body), .reversal(let body),
            .refund(let body), .endOfDay(let body), .statusEnquiry(let body):
            if body.password != nil { members.append(ZVTJSONMember("password", Self.secret)) }
            members += fieldMembers(body.fields)
        case .logOff(let fields), .diagnosis(let fields), .abortRequest(let fields):
            members += fieldMembers(fields)
        case .statusInformation(let body):
            members += fieldMembers(body.fields)
        case .intermediateStatus(let body):
            members.append(
                ZVTJSONMember(
                    "status",
                    Self.code(body.status.rawValue, english: body.status.englishText, german: body.status.germanText)))
            if let timeout = body.timeout { members.append(ZVTJSONMember("timeout", .number(Int(timeout)))) }
            members += fieldMembers(body.fields)
        case .completion(let body):
            members += completionMembers(body)
        case .abort(let body):
            members.append(ZVTJSONMember("resultCode", Self.resultCode(body.resultCode)))
            members += fieldMembers(body.fields)
        case .printLine(let body):
            members.append(ZVTJSONMember("attribute", .number(Int(body.attribute))))
            members.append(ZVTJSONMember("text", .string(body.text)))
        case .printTextBlock(let body):
            if let type = body.receiptType {
                members.append(ZVTJSONMember("receiptType", .number(Int(type))))
                if let name = Self.receiptTypeName(type) { members.append(ZVTJSONMember("receipt", .string(name))) }
            }
            members.append(ZVTJSONMember("lines", .array(body.lines.map { .string($0) })))
            members += fieldMembers(body.fields)
        case .acknowledgement(let ack):
            if !ack.data.isEmpty { members += fieldMembers(ZVTFieldList(decoding: ack.data)) }
        case .negativeAcknowledgement(let nak):
            members.append(ZVTJSONMember("resultCode", Self.resultCode(nak.resultCode)))
        case .listed(let command):
            members += prefixMembers(command)
            members += fieldMembers(command.fields)
        case .unknown(let apdu):
            let code = ZVTError.hex(apdu.controlField)
            if ZVTCommandCatalogue.description(commandClass: apdu.commandClass, instruction: apdu.instruction) != nil {
                issues.append("the data of command \(code) does not have the layout the command list gives it")
            } else {
                issues.append("command \(code) is in neither the ZVT command lists nor the Feig extensions")
            }
            members.append(ZVTJSONMember("bestEffortFields", .bool(true)))
            members += fieldMembers(apdu.bestEffortFields)
        }
        return .object(members)
    }

    // MARK: - Message parts

    private mutating func completionMembers(_ body: ZVTCompletion) -> [ZVTJSONMember] {
        var members: [ZVTJSONMember] = []
        if let version = body.softwareVersionText {
            members.append(ZVTJSONMember("softwareVersion", .string(version)))
        }
        if let status = body.terminalStatus {
            members.append(ZVTJSONMember("terminalStatus", .number(Int(status))))
        }
        if let system = body.systemInformation {
            var parts = [
                ZVTJSONMember("deviceID", .string(system.deviceID)),
                ZVTJSONMember("softwareVersion", .string(Self.trimmed(system.softwareVersion))),
                ZVTJSONMember("terminalID", .string(system.terminalID)),
            ]
            if let battery = system.batteryVoltage { parts.append(ZVTJSONMember("batteryVoltage", .string(battery))) }
            parts.append(ZVTJSONMember("temperature", .string(system.temperature)))
            members.append(ZVTJSONMember("systemInformation", .object(parts)))
        }
        return members + fieldMembers(body.fields)
    }

    private func prefixMembers(_ command: ZVTListedCommand) -> [ZVTJSONMember] {
        switch command.prefix {
        case .none, .password(nil): return []
        case .password: return [ZVTJSONMember("password", Self.secret)]
        case .byte(let value):
            guard case .leadingByte(let name) = command.description.layout else { return [] }
            return [ZVTJSONMember(name, .number(Int(value)))]
        case .cvendFunction(let password, let function):
            var members: [ZVTJSONMember] = []
            if password != nil { members.append(ZVTJSONMember("password", Self.secret)) }
            members.append(ZVTJSONMember("function", .number(Int(function))))
            return members
        }
    }

    mutating func fieldMembers(_ list: ZVTFieldList) -> [ZVTJSONMember] {
        var members: [ZVTJSONMember] = []
        if !list.fields.isEmpty {
            var values: [ZVTJSONValue] = []
            for item in list.fields { values.append(field(item)) }
            members.append(ZVTJSONMember("fields", .array(values)))
        }
        if !list.unparsed.isEmpty {
            members.append(ZVTJSONMember("unparsedLength", .number(list.unparsed.count)))
            let reason = list.unparsedReason?.description ?? "the bytes are no BMP field"
            members.append(ZVTJSONMember("unparsedReason", .string(reason)))
            issues.append("\(list.unparsed.count) bytes left undecoded: \(reason)")
        }
        return members
    }

    // MARK: - BMP fields

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

    private mutating func value(of tag: UInt8, bytes: [UInt8], list: ZVTFieldList) -> ZVTJSONValue {
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
    private mutating func checked(_ tag: UInt8, _ read: () throws(ZVTError) -> ZVTJSONValue?) -> ZVTJSONValue {
        do {
            return try read() ?? .null
        } catch {
            issues.append("BMP \(ZVTError.hex(tag)) (\(ZVTBMP.name(of: tag) ?? "unknown")) is not valid: \(error)")
            return .null
        }
    }

    // MARK: - TLV

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

    private mutating func tlvValue(_ kind: ZVTTLVValueKind, _ value: [UInt8], tag: ZVTTLVTag) -> ZVTJSONValue {
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

    // MARK: - Values

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
