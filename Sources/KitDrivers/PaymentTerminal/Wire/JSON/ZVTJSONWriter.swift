/// Builds the JSON of a decoded message and notes, as it goes, everything that could not be
/// decoded (ZVT spec rev. 13.x: "Bitmaps" list, TLV-container chapter, command data blocks).
struct ZVTJSONWriter {
    /// Sentences about undecoded parts, in the order they were met.
    var issues: [String] = []

    static let secret = ZVTJSONValue.string("******")

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

    mutating func completionMembers(_ body: ZVTCompletion) -> [ZVTJSONMember] {
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

    func prefixMembers(_ command: ZVTListedCommand) -> [ZVTJSONMember] {
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
}
