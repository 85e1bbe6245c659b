import Foundation
import Testing

@testable import KitDrivers

@Suite("ZVT golden recordings from Feig terminals")
struct ZVTGoldenRecordingTests {
    @Test("The recordings folder is found from #filePath")
    func folderIsFound() throws {
        let recordings = try ZVTTestSupport.goldenRecordings()
        #expect(recordings.count >= 16)
    }

    @Test("Every recording decodes and re-encodes byte for byte")
    func everyRecordingRoundTrips() throws {
        let recordings = try ZVTTestSupport.goldenRecordings()
        try #require(!recordings.isEmpty)
        for (name, bytes) in recordings {
            let apdu = try ZVTAPDU.decode(bytes)
            #expect(apdu.encode() == bytes, "APDU \(name)")
            let message = try ZVTMessage(apdu: apdu)
            let encoded = try message.encode(forcingExtendedLength: apdu.forcesExtendedLength)
            #expect(encoded == bytes, "message \(name) (\(message.name))")
            #expect(try ZVTMessage.decode(encoded) == message, "decode(encode) \(name)")
        }
    }

    @Test(
        "Each recording decodes to the expected command with all known BMPs parsed",
        arguments: [
            ("1680722649.972316000_ecr_pt.blob", "Read card 06 C0"),
            ("1680728161.963129000_pt_ecr.blob", "Status information 04 0F"),
            ("1680728162.033575000_ecr_pt.blob", "Pre-authorisation / reservation 06 22"),
            ("1680728162.647465000_pt_ecr.blob", "Intermediate status 04 FF"),
            ("1680728165.675509000_pt_ecr.blob", "Status information 04 0F"),
            ("1680728165.827009000_pt_ecr.blob", "Completion 06 0F"),
            ("1680728213.562478000_ecr_pt.blob", "Pre-authorisation reversal 06 25"),
            ("1680728215.659492000_pt_ecr.blob", "Status information 04 0F"),
            ("1680728219.054216000_pt_ecr.blob", "Completion 06 0F"),
            ("1680761818.641601000_pt_ecr.blob", "Completion 06 0F"),
            ("1680761818.690979000_ecr_pt.blob", "cVEND functions 0F A1"),
            ("1681273860.511128000_ecr_pt.blob", "Registration 06 00"),
            ("1681282621.302434000_ecr_pt.blob", "End-of-day 06 50"),
            ("1681455683.221609000_ecr_pt.blob", "Partial reversal of a pre-authorisation 06 23"),
            ("1682066249.409078000_pt_ecr.blob", "Status information 04 0F"),
        ])
    func expectedCommand(name: String, expected: String) throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording(name))
        #expect(message.name == expected)
        switch message {
        case .statusInformation(let info):
            #expect(info.fields.isFullyParsed, "\(info.fields.unparsedReason.map { "\($0)" } ?? "")")
        case .completion(let completion): #expect(completion.fields.isFullyParsed)
        default: break
        }
    }

    @Test("Registration 06 00 from the cash register")
    func registration() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1681273860.511128000_ecr_pt.blob"))
        guard case .registration(let registration) = message else {
            Issue.record("expected registration, got \(message.name)")
            return
        }
        #expect(registration.password == 123456)
        #expect(registration.config.rawValue == 0xDE)
        #expect(registration.config.contains(.intermediateStatus))
        #expect(registration.config.contains(.receiptsAsTextBlocks))
        #expect(registration.currencyCode == 978)
        #expect(registration.fields.isEmpty)
    }

    @Test("Status information 04 0F after a MasterCard payment")
    func statusInformation() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1680728165.675509000_pt_ecr.blob"))
        guard case .statusInformation(let info) = message else {
            Issue.record("expected status information, got \(message.name)")
            return
        }
        let fields = info.fields
        #expect(fields.isFullyParsed)
        #expect(info.resultCode == .success)
        #expect(try fields.amountCents == 2500)
        #expect(try fields.currencyCode == 978)
        #expect(try fields.time == DateComponents(hour: 22, minute: 55, second: 58))
        #expect(try fields.date == DateComponents(month: 4, day: 5))
        #expect(try fields.expiryDate == DateComponents(year: 2024, month: 5))
        #expect(fields.maskedPAN == "559883******8074")
        #expect(try fields.receiptNumber == 231)
        #expect(try fields.traceNumber == 975)
        #expect(try fields.terminalID == "52523535")
        #expect(fields.cardName == "MasterCard")
        #expect(fields.vuNumber == "804011926")
        #expect(fields.cardType == 0x06)
        #expect(fields.paymentType == 0x60)
    }

    @Test("Status information with additional text 3C")
    func statusInformationWithText() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1680728215.659492000_pt_ecr.blob"))
        guard case .statusInformation(let info) = message else {
            Issue.record("expected status information, got \(message.name)")
            return
        }
        #expect(info.fields.isFullyParsed)
        let text = try #require(info.fields.additionalText)
        #expect(text.hasPrefix("AS-Proc-Code"))
    }

    @Test("Status information from a card read carries a nested TLV container")
    func statusInformationWithTLV() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1680728161.963129000_pt_ecr.blob"))
        guard case .statusInformation(let info) = message else {
            Issue.record("expected status information, got \(message.name)")
            return
        }
        #expect(info.fields.isFullyParsed)
        let tlv = try #require(info.fields.tlv)
        let aidTag = try #require(ZVTTLVTag(0x43))
        let aid = try #require(tlv.firstDescendant(aidTag))
        #expect(aid.value == ZVTTestSupport.bytes("A0000000041010"))
        let subTag = try #require(ZVTTLVTag(0x60))
        let sub = try #require(tlv.first(subTag))
        #expect(sub.tag.isConstructed)
    }

    @Test("Intermediate status 04 FF 17 is 'please wait'")
    func intermediateStatus() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1680728162.647465000_pt_ecr.blob"))
        #expect(message == .intermediateStatus(try ZVTIntermediateStatus(status: .pleaseWait)))
    }

    @Test("Completion after registration carries software version, status byte and TLV")
    func completionAfterRegistration() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1680728219.054216000_pt_ecr.blob"))
        guard case .completion(let completion) = message else {
            Issue.record("expected completion, got \(message.name)")
            return
        }
        #expect(completion.softwareVersionText == "GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26")
        #expect(completion.terminalStatus == 0x00)
        #expect(completion.fields.isFullyParsed)
        let tlv = try #require(completion.fields.tlv)
        #expect(tlv.first(.terminalIdentifier)?.value == ZVTTestSupport.bytes("52523535"))
    }

    @Test("Completion with BMP fields and an empty completion")
    func completionVariants() throws {
        let withFields = try ZVTMessage.decode(ZVTTestSupport.recording("1680761818.641601000_pt_ecr.blob"))
        guard case .completion(let completion) = withFields else {
            Issue.record("expected completion, got \(withFields.name)")
            return
        }
        #expect(completion.softwareVersion == nil)
        #expect(completion.fields.paymentType == 0x10)
        #expect(try completion.fields.terminalID == "52523535")
        #expect(try completion.fields.currencyCode == 978)

        let empty = try ZVTMessage.decode(ZVTTestSupport.recording("1680728165.827009000_pt_ecr.blob"))
        #expect(empty == .completion(try ZVTCompletion()))
    }

    @Test("Completion to Feig's cVEND functions is the ASCII system information")
    func completionWithVendorData() throws {
        let bytes = try ZVTTestSupport.recording("1680761818.768770000_pt_ecr.blob")
        let message = try ZVTMessage.decode(bytes)
        guard case .completion(let completion) = message else {
            Issue.record("expected completion, got \(message.name)")
            return
        }
        #expect(completion.fields.isEmpty)
        let system = try #require(completion.systemInformation)
        #expect(system.deviceID == "17FD1E3C")
        #expect(system.softwareVersion == "GER-APP-v2.0.9   ")
        #expect(system.terminalID == "52523535")
        #expect(system.batteryVoltage == nil)
        #expect(system.temperature == "24.4")
        #expect(try ZVTMessage.completion(completion).encode() == bytes)
    }

    @Test("Feig cVEND functions 0F A1 carries the function number without a password")
    func vendorCommand() throws {
        let bytes = try ZVTTestSupport.recording("1680761818.690979000_ecr_pt.blob")
        let message = try ZVTMessage.decode(bytes)
        let expected = try ZVTListedCommand(
            commandClass: 0x0F, instruction: 0xA1, prefix: .cvendFunction(password: nil, function: 0x0001))
        #expect(message == .listed(expected))
    }

    @Test("Pre-authorisation 06 22 shows its BMPs and TLV")
    func preAuthorisation() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1680728162.033575000_ecr_pt.blob"))
        guard case .listed(let command) = message else {
            Issue.record("expected a listed command, got \(message.name)")
            return
        }
        #expect(command.prefix == .none)
        let fields = command.fields
        #expect(fields.isFullyParsed)
        #expect(try fields.amountCents == 2500)
        #expect(fields.paymentType == 0x40)
        let tag = try #require(ZVTTLVTag(0x1F63))
        #expect(fields.tlv?.firstDescendant(tag)?.value == Array("384HH2".utf8))
    }

    @Test("End-of-day 06 50 with password")
    func endOfDay() throws {
        let message = try ZVTMessage.decode(ZVTTestSupport.recording("1681282621.302434000_ecr_pt.blob"))
        #expect(message == .endOfDay(try ZVTPasswordCommand(password: 123456)))
    }
}
