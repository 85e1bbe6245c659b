import Testing

@testable import KitDrivers

@Suite("ZVT typed messages")
struct ZVTMessageTests {
    private func bytes(_ hex: String) -> [UInt8] { ZVTTestSupport.bytes(hex) }

    /// Encodes, compares with the expected wire bytes, decodes again and compares values.
    private func check(_ message: ZVTMessage, _ hex: String) throws {
        let encoded = try message.encode()
        #expect(encoded == bytes(hex), "\(message.name)")
        #expect(try ZVTMessage.decode(encoded) == message, "\(message.name)")
    }

    @Test("Registration 06 00 with config, currency, service byte and TLV")
    func registration() throws {
        let config: ZVTRegistrationConfig = [.ecrPrintsPaymentReceipts, .intermediateStatus, .receiptsAsTextBlocks]
        try check(
            .registration(try ZVTRegistration(password: 123456, config: config)),
            "06 00 06 123456 8A 0978")
        let maxAPDU = try ZVTTLVNode(tag: ZVTTLVTag(bytes: [0x1A]), value: [0x06, 0x00])
        let fields = ZVTFieldList([.serviceByte(0x03), try .tlv([maxAPDU])])
        try check(
            .registration(try ZVTRegistration(password: 0, config: [], currencyCode: 978, fields: fields)),
            "06 00 0E 000000 00 0978 03 03 06 04 1A 02 0600")
    }

    @Test("Registration without currency, followed directly by BMPs")
    func registrationWithoutCurrency() throws {
        let fields = ZVTFieldList([.serviceByte(0x01)])
        let registration = try ZVTRegistration(
            password: 1, config: [.intermediateStatus], currencyCode: nil, fields: fields)
        try check(.registration(registration), "06 00 06 000001 08 03 01")
        #expect(registration.serviceByte == 0x01)
        try check(
            .registration(try ZVTRegistration(password: 1, config: [], currencyCode: nil)), "06 00 04 000001 00")
    }

    @Test("Registration values that would decode differently are rejected")
    func registrationAmbiguity() throws {
        // Currency 0301 followed by nothing reads as service byte 01: refused when built.
        #expect(
            throws: ZVTError.ambiguousEncoding(
                command: "Registration 06 00", reason: "the encoded bytes would decode to a different message")
        ) {
            try ZVTRegistration(password: 0, config: [], currencyCode: 301)
        }
        #expect(throws: ZVTError.bcdValueOutOfRange(value: 1_000_000, byteCount: 3)) {
            try ZVTRegistration(password: 1_000_000, config: [])
        }
        #expect(throws: ZVTError.missingElement(command: "Registration 06 00", element: "password and config byte")) {
            try ZVTMessage.decode(self.bytes("06 00 03 123456"))
        }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0xAB, offset: 0)) {
            try ZVTMessage.decode(self.bytes("06 00 04 AB3456 08"))
        }
        #expect(throws: ZVTError.invalidBCDDigit(byte: 0x0A, offset: 5)) {
            try ZVTMessage.decode(self.bytes("06 00 06 123456 08 090A"))
        }
    }

    @Test("Authorization 06 01 for 12.95 EUR")
    func authorization() throws {
        let authorization = try ZVTAuthorization(amountCents: 1295, paymentType: 0x40)
        try check(.authorization(authorization), "06 01 0C 04 000000001295 49 0978 19 40")
        #expect(try authorization.amountCents == 1295)
        let withText = try ZVTAuthorization(
            amountCents: 5, currencyCode: nil, additionalFields: [.timeout(0x60), try .additionalText("Pass")])
        try check(.authorization(withText), "06 01 11 04 000000000005 01 60 3C F0F0F4 50617373")
    }

    @Test("Reversal, refund, end-of-day, repeat receipt, turnover totals, reset, status enquiry")
    func passwordCommands() throws {
        try check(.reversal(try .reversal(password: 123456, receiptNumber: 231)), "06 30 06 123456 87 0231")
        try check(
            .refund(try .refund(password: 123456, amountCents: 2500)), "06 31 0D 123456 04 000000002500 49 0978")
        try check(.endOfDay(try ZVTPasswordCommand(password: 123456)), "06 50 03 123456")
        try check(.repeatReceipt(try ZVTPasswordCommand(password: 123456)), "06 20 03 123456")
        try check(.sendTurnoverTotals(try ZVTPasswordCommand(password: 123456)), "06 10 03 123456")
        try check(.resetTerminal(try ZVTPasswordCommand(password: nil)), "06 18 00")
        try check(.statusEnquiry(try ZVTPasswordCommand(password: nil)), "05 01 00")
        try check(
            .statusEnquiry(try ZVTPasswordCommand(password: 0, fields: ZVTFieldList([.serviceByte(0x01)]))),
            "05 01 05 000000 03 01")
        #expect(throws: ZVTError.missingElement(command: "Password command", element: "password before the BMP fields"))
        {
            try ZVTPasswordCommand(password: nil, fields: ZVTFieldList([.serviceByte(0x01)]))
        }
        #expect(throws: ZVTError.missingElement(command: "Password command", element: "password")) {
            try ZVTMessage.decode(self.bytes("06 30 02 1234"))
        }
    }

    @Test("Log-off, diagnosis and abort request carry optional BMPs")
    func fieldOnlyCommands() throws {
        try check(.logOff(ZVTFieldList()), "06 02 00")
        let diagnosisType = try ZVTTLVNode(tag: .diagnosisType, value: [0x02])
        try check(.diagnosis(ZVTFieldList([try .tlv([diagnosisType])])), "06 70 05 06 03 1B 01 02")
        try check(.abortRequest(ZVTFieldList()), "06 B0 00")
    }

    @Test("Status information 04 0F with result, amount and card data")
    func statusInformation() throws {
        let fields = ZVTFieldList([
            .resultCode(.success), try .amount(cents: 2500), try .currency(code: 978), try .traceNumber(975),
            try .cardName("MasterCard"),
        ])
        let info = ZVTStatusInformation(fields: fields)
        try check(
            .statusInformation(info),
            "04 0F 1E 27 00 04 000000002500 49 0978 0B 000975 8B F1F1 4D617374657243617264 00")
        #expect(info.resultCode == .success)
        #expect(ZVTStatusInformation(fields: ZVTFieldList([.resultCode(.cardExpired)])).resultCode == .cardExpired)
    }

    @Test("Intermediate status 04 FF with and without timeout and TLV")
    func intermediateStatus() throws {
        try check(.intermediateStatus(try ZVTIntermediateStatus(status: .insertCard)), "04 FF 01 0A")
        try check(.intermediateStatus(try ZVTIntermediateStatus(status: .pleaseWait, timeout: 0x30)), "04 FF 02 17 30")
        let text = try ZVTTLVNode(tag: .printTexts, children: [try ZVTTLVNode(tag: .textLine, value: [0x48, 0x69])])
        let fields = ZVTFieldList([try .tlv([text])])
        try check(
            .intermediateStatus(try ZVTIntermediateStatus(status: .seeTLV, fields: fields)),
            "04 FF 09 FF 06 06 25 04 07 02 4869")
        try check(
            .intermediateStatus(try ZVTIntermediateStatus(status: .seeTLV, timeout: 0x06, fields: fields)),
            "04 FF 0A FF 06 06 06 25 04 07 02 4869")
        #expect(throws: ZVTError.missingElement(command: "Intermediate status 04 FF", element: "status byte")) {
            try ZVTMessage.decode(self.bytes("04 FF 00"))
        }
    }

    @Test("Completion 06 0F: empty, with BMPs, with software version")
    func completion() throws {
        try check(.completion(try ZVTCompletion()), "06 0F 00")
        let fields = ZVTFieldList([.paymentType(0x10), try .terminalID(52_523_535), try .currency(code: 978)])
        try check(.completion(try ZVTCompletion(fields: fields)), "06 0F 0A 19 10 29 52523535 49 0978")
        let version = Array("GER-APP".utf8)
        let terminalID = try ZVTTLVNode(tag: .terminalIdentifier, value: bytes("52523535"))
        try check(
            .completion(
                try ZVTCompletion(
                    softwareVersion: version, terminalStatus: 0x00,
                    fields: ZVTFieldList([try .tlv([terminalID])]))),
            "06 0F 14 F0F0F7 4745522D415050 00 06 07 1F44 04 52523535")
        try check(.completion(try ZVTCompletion(softwareVersion: [])), "06 0F 03 F0F0F0")
        #expect(throws: ZVTError.self) {
            try ZVTCompletion(softwareVersion: nil, terminalStatus: 0x00)
        }
        #expect(throws: ZVTError.fieldTooLong(tag: 0xF0, length: 1000, maximum: 999)) {
            try ZVTCompletion(softwareVersion: [UInt8](repeating: 0x41, count: 1000))
        }
    }

    @Test("Completion data that only looks like a software version falls back to BMPs")
    func completionFallback() throws {
        let message = try ZVTMessage.decode(bytes("06 0F 04 F1 F0 F9 41"))
        guard case .completion(let completion) = message else {
            Issue.record("expected completion")
            return
        }
        #expect(completion.softwareVersion == nil)
        #expect(try message.encode() == bytes("06 0F 04 F1 F0 F9 41"))
    }

    @Test("Abort 06 1E with result code and optional data")
    func abort() throws {
        try check(.abort(ZVTAbort(resultCode: .abortedByTimeoutOrKey)), "06 1E 01 6C")
        let abort = ZVTAbort(resultCode: .wrongCurrency, fields: ZVTFieldList(decoding: bytes("0978")))
        try check(.abort(abort), "06 1E 03 6F 0978")
        #expect(abort.fields.unparsed == bytes("0978"))
        let extended = try ZVTTLVNode(tag: .extendedErrorText, value: Array("Timeout".utf8))
        try check(
            .abort(ZVTAbort(resultCode: .systemError, fields: ZVTFieldList([try .tlv([extended])]))),
            "06 1E 0D FF 06 0A 1F17 07 54696D656F7574")
        #expect(throws: ZVTError.missingElement(command: "Abort 06 1E", element: "result code")) {
            try ZVTMessage.decode(self.bytes("06 1E 00"))
        }
    }

    @Test("Print line 06 D1 with code page 437 umlauts")
    func printLine() throws {
        let line = try ZVTPrintLine(attribute: 0x00, text: "Gebühr: 12,95 EUR")
        try check(.printLine(line), "06 D1 12 00 476562 81 68723A2031322C393520455552")
        #expect(line.text == "Gebühr: 12,95 EUR")
        try check(.printLine(ZVTPrintLine(attribute: 0xFF, textBytes: [])), "06 D1 01 FF")
        #expect(throws: ZVTError.missingElement(command: "Print line 06 D1", element: "attribute byte")) {
            try ZVTMessage.decode(self.bytes("06 D1 00"))
        }
    }

    @Test("Print text block 06 D3 with receipt type and lines")
    func printTextBlock() throws {
        let block = try ZVTPrintTextBlock(lines: ["Kundenbeleg", "", "Betrag 12,95"], receiptType: 0x02)
        try check(
            .printTextBlock(block),
            "06 D3 25 06 23 1F07 01 02 25 1D 07 0B 4B756E64656E62656C6567 07 00 07 0C 42657472616720 31322C3935")
        #expect(block.lines == ["Kundenbeleg", "", "Betrag 12,95"])
        #expect(block.receiptType == 0x02)
    }

    @Test("A 1.6 KB receipt block uses the extended APDU length")
    func largeTextBlock() throws {
        let lines = (0..<40).map { "Zeile \($0): " + String(repeating: "-", count: 30) }
        let message = ZVTMessage.printTextBlock(try ZVTPrintTextBlock(lines: lines))
        let encoded = try message.encode()
        #expect(encoded.count > 1600)
        #expect(encoded[2] == 0xFF)
        #expect(try ZVTMessage.decode(encoded) == message)
    }

    @Test("Acknowledgements 80 00 and 84 xx, with and without data")
    func acknowledgements() throws {
        try check(.ack, "80 00 00")
        try check(.acknowledgement(ZVTAcknowledgement(data: [0x01, 0x02])), "80 00 02 0102")
        try check(.negativeAcknowledgement(ZVTNegativeAcknowledgement(resultCode: .functionNotPossible)), "84 83 00")
        try check(.negativeAcknowledgement(ZVTNegativeAcknowledgement(resultCode: .pleaseWait)), "84 9C 00")
        #expect(try ZVTMessage.decode(bytes("84 00 00")).name == "Negative acknowledgement 84 00")
    }

    @Test("Unknown commands, and listed ones whose data does not fit, keep their APDU")
    func unknown() throws {
        for hex in ["0F 01 02 1234", "08 99 01 01", "80 01 00", "06 93 02 1234", "06 C0 00", "0F A1 01 00"] {
            let data = bytes(hex)
            let message = try ZVTMessage.decode(data)
            #expect(message == .unknown(try ZVTAPDU.decode(data)))
            #expect(try message.encode() == data)
        }
        let forced = try ZVTAPDU.decode(bytes("08 99 FF 01 00 01"))
        #expect(try ZVTMessage(apdu: forced).encode() == forced.encode())
    }

    @Test("Names and control fields")
    func names() throws {
        #expect(ZVTMessage.ack.name == "Acknowledgement 80 00")
        #expect(ZVTMessage.endOfDay(try ZVTPasswordCommand(password: 1)).controlField == (0x06, 0x50))
    }
}
