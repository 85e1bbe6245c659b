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

/// Card data that never appears in decoded output (PCI DSS: no track data, no CVV; the card
/// number only masked). BMP numbers from ZVT spec rev. 13.x "Bitmaps"; TLV tags from EMV.
enum ZVTSensitiveData {
    /// BMPs printed only as "redacted" with their length: 0E expiry, 23 track 2, 24 track 3,
    /// 2D track 1, 3A CVV/CVC, A7 chip data.
    static let redactedBMPs: Set<UInt8> = [0x0E, 0x23, 0x24, 0x2D, 0x3A, 0xA7]
    /// EMV tags inside TLV containers that carry card data: 56 track 1, 57 track 2 equivalent,
    /// 5A PAN, 5F20 card holder name, 5F24 expiry, 9F1F track 1 discretionary, 9F6B track 2.
    static let redactedTLVTags: Set<UInt32> = [0x56, 0x57, 0x5A, 0x5F20, 0x5F24, 0x9F1F, 0x9F6B]
}

extension ZVTMessage {
    /// The message as JSON: name, control bytes and typed fields (ZVT spec rev. 13.x chapters 2
    /// and 3). The card number appears only masked; track data, CVV, expiry and chip data, the
    /// terminal password and bytes that did not parse never appear.
    public var jsonValue: ZVTJSONValue {
        let control = controlField
        var members: [ZVTJSONMember] = [
            ZVTJSONMember("message", .string(name)),
            ZVTJSONMember("class", .string(ZVTError.hex(control.commandClass))),
            ZVTJSONMember("instruction", .string(ZVTError.hex(control.instruction))),
            ZVTJSONMember("dataLength", .number(data.count)),
        ]
        switch self {
        case .registration(let body):
            members.append(ZVTJSONMember("password", .string("******")))
            members.append(ZVTJSONMember("config", Self.config(body.config)))
            if let currency = body.currencyCode { members.append(ZVTJSONMember("currency", .number(currency))) }
            members += Self.fieldMembers(body.fields)
        case .authorization(let body):
            members += Self.fieldMembers(body.fields)
        case .sendTurnoverTotals(let body), .resetTerminal(let body), .repeatReceipt(let body), .reversal(let body),
            .refund(let body), .endOfDay(let body), .statusEnquiry(let body):
            if body.password != nil { members.append(ZVTJSONMember("password", .string("******"))) }
            members += Self.fieldMembers(body.fields)
        case .logOff(let fields), .diagnosis(let fields), .abortRequest(let fields):
            members += Self.fieldMembers(fields)
        case .statusInformation(let body):
            members += Self.fieldMembers(body.fields)
        case .intermediateStatus(let body):
            members.append(
                ZVTJSONMember(
                    "status",
                    Self.code(body.status.rawValue, english: body.status.englishText, german: body.status.germanText)))
            if let timeout = body.timeout { members.append(ZVTJSONMember("timeout", .number(Int(timeout)))) }
            members += Self.fieldMembers(body.fields)
        case .completion(let body):
            if let version = body.softwareVersionText {
                members.append(ZVTJSONMember("softwareVersion", .string(version)))
            }
            if let status = body.terminalStatus {
                members.append(ZVTJSONMember("terminalStatus", .number(Int(status))))
            }
            members += Self.fieldMembers(body.fields)
        case .abort(let body):
            members.append(ZVTJSONMember("resultCode", Self.resultCode(body.resultCode)))
            members += Self.fieldMembers(body.fields)
        case .printLine(let body):
            members.append(ZVTJSONMember("attribute", .number(Int(body.attribute))))
            members.append(ZVTJSONMember("text", .string(body.text)))
        case .printTextBlock(let body):
            if let type = body.receiptType { members.append(ZVTJSONMember("receiptType", .number(Int(type)))) }
            members.append(ZVTJSONMember("lines", .array(body.lines.map { .string($0) })))
            members += Self.fieldMembers(body.fields)
        case .acknowledgement(let ack):
            if !ack.data.isEmpty { members += Self.fieldMembers(ZVTFieldList(decoding: ack.data)) }
        case .negativeAcknowledgement(let nak):
            members.append(ZVTJSONMember("resultCode", Self.resultCode(nak.resultCode)))
        case .unknown(let apdu):
            members.append(ZVTJSONMember("bestEffortFields", .bool(true)))
            members += Self.fieldMembers(apdu.bestEffortFields)
        }
        return .object(members)
    }

    /// The JSON text of `jsonValue`.
    public func renderJSON(pretty: Bool = true) -> String {
        jsonValue.rendered(pretty: pretty)
    }

    // MARK: - Parts

    static func fieldMembers(_ list: ZVTFieldList) -> [ZVTJSONMember] {
        var members: [ZVTJSONMember] = []
        if !list.fields.isEmpty { members.append(ZVTJSONMember("fields", .array(list.fields.map(field)))) }
        if !list.unparsed.isEmpty {
            members.append(ZVTJSONMember("unparsedLength", .number(list.unparsed.count)))
            if let reason = list.unparsedReason {
                members.append(ZVTJSONMember("unparsedReason", .string(reason.description)))
            }
        }
        return members
    }

    static func field(_ field: ZVTField) -> ZVTJSONValue {
        let tag = field.tag
        var members = [
            ZVTJSONMember("bmp", .string(ZVTError.hex(tag))),
            ZVTJSONMember("name", .string(ZVTBMP.name(of: tag) ?? "unknown")),
        ]
        if let container = field.tlv {
            members.append(ZVTJSONMember("tlv", .array(container.nodes.map(node))))
            return .object(members)
        }
        let bytes = field.bytes ?? []
        let list = ZVTFieldList([field])
        if ZVTSensitiveData.redactedBMPs.contains(tag) {
            members.append(ZVTJSONMember("redacted", .bool(true)))
            members.append(ZVTJSONMember("length", .number(bytes.count)))
            return .object(members)
        }
        let value: ZVTJSONValue
        switch tag {
        case ZVTBMP.pan:
            value = list.maskedPAN.map { .string(ZVTTransactionDetails.maskPAN($0)) } ?? .null
            members.append(ZVTJSONMember("masked", value))
            return .object(members)
        case ZVTBMP.amount:
            value = ((try? list.amountCents) ?? nil).map { .number($0) } ?? .null
            members.append(ZVTJSONMember("cents", value))
            return .object(members)
        case ZVTBMP.resultCode, ZVTBMP.resultCodeAS:
            members.append(ZVTJSONMember("value", resultCode(ZVTResultCode(bytes.first ?? 0))))
            return .object(members)
        case ZVTBMP.traceNumber, ZVTBMP.originalTraceNumber, ZVTBMP.receiptNumber, ZVTBMP.turnoverNumber,
            ZVTBMP.cardSequenceNumber, ZVTBMP.currency:
            value = (try? ZVTBCD.decode(bytes)).map { .number($0) } ?? .null
        case ZVTBMP.terminalID:
            value = (try? ZVTBCD.digits(bytes)).map { .string($0) } ?? .null
        case ZVTBMP.time:
            value = ZVTTransactionDetails(fields: list).time.map { .string($0) } ?? .null
        case ZVTBMP.date:
            value = ZVTTransactionDetails(fields: list).date.map { .string($0) } ?? .null
        case ZVTBMP.vuNumber:
            value = list.vuNumber.map { .string($0) } ?? .null
        case ZVTBMP.cardName:
            value = list.cardName.map { .string($0) } ?? .null
        case ZVTBMP.additionalText:
            value = list.additionalText.map { .string($0) } ?? .null
        case ZVTBMP.password:
            value = .string("******")
        default:
            value = bytes.count == 1 ? .number(Int(bytes[0])) : .string(hex(bytes))
        }
        members.append(ZVTJSONMember("value", value))
        return .object(members)
    }

    static func node(_ node: ZVTTLVNode) -> ZVTJSONValue {
        var members = [ZVTJSONMember("tag", .string(node.tag.description))]
        if node.tag.isConstructed {
            members.append(ZVTJSONMember("children", .array(node.children.map(Self.node))))
        } else if ZVTSensitiveData.redactedTLVTags.contains(node.tag.number) {
            members.append(ZVTJSONMember("redacted", .bool(true)))
            members.append(ZVTJSONMember("length", .number(node.value?.count ?? 0)))
        } else if let value = node.value {
            members.append(ZVTJSONMember("value", .string(hex(value))))
            if node.tag == .textLine { members.append(ZVTJSONMember("text", .string(ZVTText.decode(value)))) }
        }
        return .object(members)
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

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ZVTError.hex($0) }.joined()
    }
}

/// Turns a capture (hex text or raw bytes, TCP stream or serial frames) into decoded messages
/// as JSON, for `kit-agent zvt decode` (ZVT spec rev. 13.x: APDU structure and the serial
/// framing annex).
public enum ZVTCaptureDecoder {
    /// Bytes from hex text ("06 01 0A …", "0x06,0x01", line breaks allowed); `nil` when the
    /// text contains anything else or an odd number of digits.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        var digits: [UInt8] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "0", index + 1 < scalars.count, scalars[index + 1] == "x" || scalars[index + 1] == "X" {
                index += 2
                continue
            }
            if let digit = hexDigit(scalar) {
                digits.append(digit)
            } else if !(scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t" || scalar == ","
                || scalar == ":")
            {
                return nil
            }
            index += 1
        }
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    private static func hexDigit(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: return UInt8(scalar.value - 0x30)
        case 0x41...0x46: return UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: return UInt8(scalar.value - 0x61 + 10)
        default: return nil
        }
    }

    /// The APDUs in a capture: serial frames when it starts with DLE STX (or an ACK/NAK byte
    /// followed by DLE STX), else a TCP byte stream. Fails on damaged or unfinished frames.
    public static func frames(_ bytes: [UInt8]) throws(ZVTError) -> [[UInt8]] {
        let split = splitFrames(bytes)
        if let error = split.error { throw error }
        return split.frames
    }

    /// The complete APDUs, and the error that ended the capture early, if any.
    public static func splitFrames(_ bytes: [UInt8]) -> (frames: [[UInt8]], error: ZVTError?) {
        let serial =
            bytes.starts(with: [ZVTSerialFrame.dle, ZVTSerialFrame.stx])
            || (bytes.count > 2 && (bytes[0] == ZVTSerialFrame.ack || bytes[0] == ZVTSerialFrame.nak)
                && bytes[1] == ZVTSerialFrame.dle && bytes[2] == ZVTSerialFrame.stx)
        var frames: [[UInt8]] = []
        if serial {
            var decoder = ZVTSerialFrameDecoder()
            decoder.feed(bytes)
            while let event = decoder.nextEvent() {
                switch event {
                case .frame(let frame): frames.append(frame)
                case .rejected(let error): return (frames, error)
                case .ack, .nak: continue
                }
            }
            do {
                try decoder.finish()
            } catch {
                return (frames, error)
            }
        } else {
            var decoder = ZVTFrameDecoder()
            decoder.feed(bytes)
            do {
                while let frame = try decoder.nextFrame() { frames.append(frame) }
                try decoder.finish()
            } catch {
                return (frames, error)
            }
        }
        return (frames, nil)
    }

    /// Decodes a capture and renders it: one object for one message, an array for several. An
    /// APDU that does not decode, and bytes that end the capture early, become `{"error": …}`.
    public static func renderJSON(_ bytes: [UInt8], pretty: Bool = true) -> String {
        var values: [ZVTJSONValue] = []
        let split = splitFrames(bytes)
        for frame in split.frames {
            do {
                values.append(try ZVTMessage.decode(frame).jsonValue)
            } catch {
                values.append(
                    .object([
                        ZVTJSONMember("error", .string(error.description)),
                        ZVTJSONMember("class", .string(frame.first.map { ZVTError.hex($0) } ?? "")),
                        ZVTJSONMember("length", .number(frame.count)),
                    ]))
            }
        }
        if let error = split.error { values.append(.object([ZVTJSONMember("error", .string(error.description))])) }
        let value: ZVTJSONValue = values.count == 1 ? values[0] : .array(values)
        return value.rendered(pretty: pretty)
    }

    /// Whether every byte of the capture decoded into messages.
    public static func decodesCompletely(_ bytes: [UInt8]) -> Bool {
        let split = splitFrames(bytes)
        guard split.error == nil else { return false }
        for frame in split.frames where (try? ZVTMessage.decode(frame)) == nil { return false }
        return true
    }
}
