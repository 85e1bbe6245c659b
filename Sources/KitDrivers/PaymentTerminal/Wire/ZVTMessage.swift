/// A decoded ZVT command or response (ZVT spec rev. 13.x, chapters 2 "ECR commands" and
/// 3 "terminal commands"). The other commands of the specification's command lists and the
/// Feig cVEND extensions (class 0x08, 0F A1) decode to `.listed` by their `ZVTCommandCatalogue`
/// layout; anything else, or listed data that does not fit, to `.unknown` with its raw APDU.
///
/// The APDU length form (short or extended) belongs to the APDU layer: typed messages encode
/// the shortest form unless asked otherwise; see `ZVTAPDU.forcesExtendedLength`.
public enum ZVTMessage: Sendable, Equatable {
    // ECR → terminal
    /// 06 00 Registration.
    case registration(ZVTRegistration)
    /// 06 01 Authorization (payment).
    case authorization(ZVTAuthorization)
    /// 06 02 Log-off.
    case logOff(ZVTFieldList)
    /// 06 10 Send turnover totals.
    case sendTurnoverTotals(ZVTPasswordCommand)
    /// 06 18 Reset terminal.
    case resetTerminal(ZVTPasswordCommand)
    /// 06 20 Repeat receipt.
    case repeatReceipt(ZVTPasswordCommand)
    /// 06 30 Reversal.
    case reversal(ZVTPasswordCommand)
    /// 06 31 Refund.
    case refund(ZVTPasswordCommand)
    /// 06 50 End-of-day.
    case endOfDay(ZVTPasswordCommand)
    /// 06 70 Diagnosis.
    case diagnosis(ZVTFieldList)
    /// 06 B0 Abort request from the ECR.
    case abortRequest(ZVTFieldList)
    /// 05 01 Status enquiry.
    case statusEnquiry(ZVTPasswordCommand)

    // terminal → ECR
    /// 04 0F Status information.
    case statusInformation(ZVTStatusInformation)
    /// 04 FF Intermediate status information.
    case intermediateStatus(ZVTIntermediateStatus)
    /// 06 0F Completion.
    case completion(ZVTCompletion)
    /// 06 1E Abort from the terminal.
    case abort(ZVTAbort)
    /// 06 D1 Print line.
    case printLine(ZVTPrintLine)
    /// 06 D3 Print text block.
    case printTextBlock(ZVTPrintTextBlock)

    // both directions
    /// 80 00 Positive acknowledgement.
    case acknowledgement(ZVTAcknowledgement)
    /// 84 xx Negative acknowledgement.
    case negativeAcknowledgement(ZVTNegativeAcknowledgement)
    /// A command of the ZVT command lists or a Feig extension without a dedicated type
    /// (read card 06 C0, pre-authorisation 06 22, change configuration 08 13, …).
    case listed(ZVTListedCommand)
    /// Any other command, or a listed one whose data does not fit its layout, kept as received.
    case unknown(ZVTAPDU)

    /// The positive acknowledgement `80 00 00`.
    public static let ack = ZVTMessage.acknowledgement(ZVTAcknowledgement())

    /// Decodes a typed message from an APDU.
    public init(apdu: ZVTAPDU) throws(ZVTError) {
        let data = apdu.data
        switch (apdu.commandClass, apdu.instruction) {
        case (0x06, 0x00): self = .registration(try ZVTRegistration(decodingData: data))
        case (0x06, 0x01): self = .authorization(ZVTAuthorization(decodingData: data))
        case (0x06, 0x02): self = .logOff(ZVTFieldList(decoding: data))
        case (0x06, 0x10): self = .sendTurnoverTotals(try ZVTPasswordCommand(decodingData: data))
        case (0x06, 0x18): self = .resetTerminal(try ZVTPasswordCommand(decodingData: data))
        case (0x06, 0x20): self = .repeatReceipt(try ZVTPasswordCommand(decodingData: data))
        case (0x06, 0x30): self = .reversal(try ZVTPasswordCommand(decodingData: data))
        case (0x06, 0x31): self = .refund(try ZVTPasswordCommand(decodingData: data))
        case (0x06, 0x50): self = .endOfDay(try ZVTPasswordCommand(decodingData: data))
        case (0x06, 0x70): self = .diagnosis(ZVTFieldList(decoding: data))
        case (0x06, 0xB0): self = .abortRequest(ZVTFieldList(decoding: data))
        case (0x05, 0x01): self = .statusEnquiry(try ZVTPasswordCommand(decodingData: data))
        case (0x04, 0x0F): self = .statusInformation(ZVTStatusInformation(decodingData: data))
        case (0x04, 0xFF): self = .intermediateStatus(try ZVTIntermediateStatus(decodingData: data))
        case (0x06, 0x0F): self = .completion(ZVTCompletion(decodingData: data))
        case (0x06, 0x1E): self = .abort(try ZVTAbort(decodingData: data))
        case (0x06, 0xD1): self = .printLine(try ZVTPrintLine(decodingData: data))
        case (0x06, 0xD3): self = .printTextBlock(ZVTPrintTextBlock(decodingData: data))
        case (0x80, 0x00): self = .acknowledgement(ZVTAcknowledgement(data: data))
        case (0x84, let code):
            self = .negativeAcknowledgement(ZVTNegativeAcknowledgement(resultCode: ZVTResultCode(code), data: data))
        case (let commandClass, let instruction):
            if let description = ZVTCommandCatalogue.description(commandClass: commandClass, instruction: instruction),
                let listed = try? ZVTListedCommand(description: description, decodingData: data)
            {
                self = .listed(listed)
            } else {
                self = .unknown(apdu)
            }
        }
    }

    /// Decodes one complete APDU's bytes into a typed message.
    public static func decode(_ bytes: [UInt8]) throws(ZVTError) -> ZVTMessage {
        try ZVTMessage(apdu: ZVTAPDU.decode(bytes))
    }

    /// CLASS and INSTR of this message.
    public var controlField: (commandClass: UInt8, instruction: UInt8) {
        switch self {
        case .registration: return (0x06, 0x00)
        case .authorization: return (0x06, 0x01)
        case .logOff: return (0x06, 0x02)
        case .sendTurnoverTotals: return (0x06, 0x10)
        case .resetTerminal: return (0x06, 0x18)
        case .repeatReceipt: return (0x06, 0x20)
        case .reversal: return (0x06, 0x30)
        case .refund: return (0x06, 0x31)
        case .endOfDay: return (0x06, 0x50)
        case .diagnosis: return (0x06, 0x70)
        case .abortRequest: return (0x06, 0xB0)
        case .statusEnquiry: return (0x05, 0x01)
        case .statusInformation: return (0x04, 0x0F)
        case .intermediateStatus: return (0x04, 0xFF)
        case .completion: return (0x06, 0x0F)
        case .abort: return (0x06, 0x1E)
        case .printLine: return (0x06, 0xD1)
        case .printTextBlock: return (0x06, 0xD3)
        case .acknowledgement: return (0x80, 0x00)
        case .negativeAcknowledgement(let nak): return (0x84, nak.resultCode.rawValue)
        case .listed(let command): return (command.description.commandClass, command.description.instruction)
        case .unknown(let apdu): return (apdu.commandClass, apdu.instruction)
        }
    }

    /// The data part this message encodes to.
    public var data: [UInt8] {
        switch self {
        case .registration(let body): return body.encodeData()
        case .authorization(let body): return body.encodeData()
        case .statusInformation(let body): return body.encodeData()
        case .intermediateStatus(let body): return body.encodeData()
        case .completion(let body): return body.encodeData()
        case .abort(let body): return body.encodeData()
        case .printLine(let body): return body.encodeData()
        case .printTextBlock(let body): return body.encodeData()
        case .sendTurnoverTotals(let body), .resetTerminal(let body), .repeatReceipt(let body),
            .reversal(let body), .refund(let body), .endOfDay(let body), .statusEnquiry(let body):
            return body.encodeData()
        case .logOff(let fields), .diagnosis(let fields), .abortRequest(let fields):
            return fields.encode()
        case .acknowledgement(let ack): return ack.data
        case .negativeAcknowledgement(let nak): return nak.data
        case .listed(let command): return command.encodeData()
        case .unknown(let apdu): return apdu.data
        }
    }

    /// The APDU; fails only when the data part exceeds 65 535 bytes. `.unknown` keeps its
    /// received length form unless `forcingExtendedLength` is set.
    public func apdu(forcingExtendedLength: Bool = false) throws(ZVTError) -> ZVTAPDU {
        if case .unknown(let apdu) = self, !forcingExtendedLength { return apdu }
        let control = controlField
        return try ZVTAPDU(
            commandClass: control.commandClass, instruction: control.instruction, data: data,
            forcesExtendedLength: forcingExtendedLength)
    }

    /// The wire bytes of this message.
    public func encode(forcingExtendedLength: Bool = false) throws(ZVTError) -> [UInt8] {
        try apdu(forcingExtendedLength: forcingExtendedLength).encode()
    }

    /// Short English name for logs, e.g. "Status information 04 0F".
    public var name: String {
        let control = controlField
        let code = ZVTError.hex([control.commandClass, control.instruction])
        switch self {
        case .registration: return "Registration \(code)"
        case .authorization: return "Authorization \(code)"
        case .logOff: return "Log-off \(code)"
        case .sendTurnoverTotals: return "Send turnover totals \(code)"
        case .resetTerminal: return "Reset terminal \(code)"
        case .repeatReceipt: return "Repeat receipt \(code)"
        case .reversal: return "Reversal \(code)"
        case .refund: return "Refund \(code)"
        case .endOfDay: return "End-of-day \(code)"
        case .diagnosis: return "Diagnosis \(code)"
        case .abortRequest: return "Abort request \(code)"
        case .statusEnquiry: return "Status enquiry \(code)"
        case .statusInformation: return "Status information \(code)"
        case .intermediateStatus: return "Intermediate status \(code)"
        case .completion: return "Completion \(code)"
        case .abort: return "Abort \(code)"
        case .printLine: return "Print line \(code)"
        case .printTextBlock: return "Print text block \(code)"
        case .acknowledgement: return "Acknowledgement \(code)"
        case .negativeAcknowledgement: return "Negative acknowledgement \(code)"
        case .listed(let command): return "\(command.description.name) \(code)"
        case .unknown:
            let listed = ZVTCommandCatalogue.description(
                commandClass: control.commandClass, instruction: control.instruction)
            return listed.map { "\($0.name) \(code) (data does not fit the command)" } ?? "Unknown command \(code)"
        }
    }
}
