import Foundation
import Testing

@testable import KitDrivers

/// The commands of the ZVT command lists and the Feig cVEND extensions, decoded by layout.
@Suite("ZVT command lists and Feig extensions")
struct ZVTCommandListTests {
    static func bytes(_ hex: String) -> [UInt8] { ZVTTestSupport.bytes(hex) }

    static func json(_ message: ZVTMessage) throws -> [String: Any] {
        let data = Data(message.renderJSON(pretty: false).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A JSON object of numbers as a dictionary (dates).
    static func numbers(_ value: Any?) -> [String: Int]? {
        guard let object = value as? [String: Any] else { return nil }
        var result: [String: Int] = [:]
        for (key, item) in object {
            guard let number = item as? Int else { return nil }
            result[key] = number
        }
        return result
    }

    static func fields(_ object: [String: Any]) -> [[String: Any]] {
        object["fields"] as? [[String: Any]] ?? []
    }

    static func tlv(_ object: [String: Any]) -> [[String: Any]] {
        fields(object).first { $0["bmp"] as? String == "06" }?["tlv"] as? [[String: Any]] ?? []
    }

    @Test("Every recorded message decodes with nothing left undecoded")
    func everyRecordingDecodesFully() throws {
        let recordings = try ZVTTestSupport.goldenRecordings()
        #expect(recordings.count == 16)
        for (name, bytes) in recordings {
            let message = try ZVTMessage.decode(bytes)
            #expect(message.decodingIssues.isEmpty, "\(name) (\(message.name)): \(message.decodingIssues)")
            #expect(!message.name.hasPrefix("Unknown command"), "\(name)")
            let report = ZVTCaptureDecoder.decode(bytes)
            #expect(report.isComplete, "\(name)")
            #expect(report.messages.count == 1)
        }
    }

    @Test("Read card 06 C0: the first data byte is the timeout, then BMPs and TLV")
    func readCard() throws {
        let bytes = try ZVTTestSupport.recording("1680722649.972316000_ecr_pt.blob")
        let message = try ZVTMessage.decode(bytes)
        guard case .listed(let command) = message else {
            Issue.record("expected read card, got \(message.name)")
            return
        }
        #expect(command.prefix == .byte(15))
        #expect(command.fields.paymentType == 0x10)
        #expect(command.fields.first(0xFC)?.bytes == [0x02])
        let control = try #require(ZVTTLVTag(0x1F15))
        #expect(command.fields.tlv?.first(control)?.value == [0xD0])
        let object = try Self.json(message)
        #expect(object["message"] as? String == "Read card 06 C0")
        #expect(object["timeout"] as? Int == 15)
        let cardType = Self.tlv(object).first { $0["tag"] as? String == "1F60" }
        #expect(cardType?["value"] as? Int == 7)
        #expect(try message.encode() == bytes)
    }

    @Test("Pre-authorisation TLV E9 texts come out as text")
    func preAuthorisationTexts() throws {
        let message = try ZVTMessage.decode(try ZVTTestSupport.recording("1681455683.221609000_ecr_pt.blob"))
        #expect(message.name == "Partial reversal of a pre-authorisation 06 23")
        let object = try Self.json(message)
        let container = try #require(Self.tlv(object).first { $0["tag"] as? String == "E9" })
        let children = container["children"] as? [[String: Any]] ?? []
        #expect(children.first { $0["tag"] as? String == "1F62" }?["value"] as? String == "AC")
        #expect(children.first { $0["tag"] as? String == "1F63" }?["value"] as? String == "MF2246")
        #expect(Self.fields(object).first { $0["bmp"] as? String == "87" }?["value"] as? Int == 491)
    }

    @Test("Registration completion from a Feig terminal: software name, device date and time decoded")
    func deviceInformationTexts() throws {
        let message = try ZVTMessage.decode(try ZVTTestSupport.recording("1680728219.054216000_pt_ecr.blob"))
        let object = try Self.json(message)
        let tlv = Self.tlv(object)
        #expect(tlv.first { $0["tag"] as? String == "1F44" }?["value"] as? String == "52523535")
        let device = try #require(tlv.first { $0["tag"] as? String == "E4" }?["children"] as? [[String: Any]])
        #expect(device.first { $0["tag"] as? String == "1F40" }?["value"] as? String == "cVEND plug")
        #expect(
            device.first { $0["tag"] as? String == "1F41" }?["value"] as? String
                == "GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26")
        let stamp = try #require(tlv.first { $0["tag"] as? String == "34" }?["children"] as? [[String: Any]])
        #expect(
            Self.numbers(stamp.first { $0["tag"] as? String == "1F0E" }?["value"]) == [
                "day": 5, "month": 4, "year": 2023,
            ])
        #expect(stamp.first { $0["tag"] as? String == "1F0F" }?["value"] as? String == "22:56:55")
    }

    @Test("BMP 0D prints as day and month")
    func dateAsDayAndMonth() throws {
        let message = try ZVTMessage.decode(try ZVTTestSupport.recording("1680728165.675509000_pt_ecr.blob"))
        let date = Self.fields(try Self.json(message)).first { $0["bmp"] as? String == "0D" }
        #expect(Self.numbers(date?["value"]) == ["day": 5, "month": 4])
    }

    @Test("08 13 change host configuration: FF40/FF41 hold plain values; the password never shows")
    func changeHostConfiguration() throws {
        // E4 { FF40 password 123456, FF41 213.183.19.105 port 30401 config 01 }
        let bytes = Self.bytes("08 13 14 06 12 E4 10 FF40 03 123456 FF41 07 D5B71369 76C1 01")
        let message = try ZVTMessage.decode(bytes)
        #expect(message.name == "Change configuration 08 13")
        #expect(message.decodingIssues.isEmpty, "\(message.decodingIssues)")
        #expect(try message.encode() == bytes)
        let text = message.renderJSON(pretty: false)
        #expect(!text.contains("123456"))
        let children = try #require(Self.tlv(try Self.json(message)).first?["children"] as? [[String: Any]])
        #expect(children.first { $0["tag"] as? String == "FF40" }?["value"] as? String == "******")
        let host = try #require(children.first { $0["tag"] as? String == "FF41" }?["value"] as? [String: Any])
        #expect(host["host"] as? String == "213.183.19.105")
        #expect(host["port"] as? Int == 30401)
        #expect(host["config"] as? Int == 1)
    }

    @Test("08 14 write file and 04 0C request for data name their files")
    func writeFileAndRequestForData() throws {
        // password 123456; files 23 (3 357 255 bytes) and 22 (3 611 bytes)
        let write = Self.bytes("08 14 1D 123456 06 18 2D 0A 1D 01 23 1F00 04 00333A47 2D 0A 1D 01 22 1F00 04 00000E1B")
        let message = try ZVTMessage.decode(write)
        #expect(message.name == "Write file 08 14")
        guard case .listed(let command) = message else {
            Issue.record("expected write file, got \(message.name)")
            return
        }
        #expect(command.prefix == .password(123456))
        #expect(message.decodingIssues.isEmpty, "\(message.decodingIssues)")
        let files = Self.tlv(try Self.json(message))
        let sizes = files.compactMap { file in
            (file["children"] as? [[String: Any]])?.first { $0["tag"] as? String == "1F00" }?["value"] as? Int
        }
        #expect(sizes == [3_357_255, 3611])

        let request = try ZVTMessage.decode(Self.bytes("04 0C 0D 06 0B 2D 09 1D 01 23 1E 04 0000FDE8"))
        #expect(request.name == "Request for data 04 0C")
        let file = try #require(Self.tlv(try Self.json(request)).first?["children"] as? [[String: Any]])
        #expect(file.first { $0["tag"] as? String == "1E" }?["value"] as? Int == 65000)
    }

    @Test("Feig 80 00 with file data shows the payload length, not the bytes")
    func acknowledgementWithFileData() throws {
        let payload = [UInt8](repeating: 0x41, count: 0x042C)
        let tlvBody = Self.bytes("1D 01 13 1E 04 00000000 1C 82 04 2C") + payload
        let file = [0x2D, 0x82, UInt8(tlvBody.count >> 8), UInt8(tlvBody.count & 0xFF)] + tlvBody
        let container = [0x06, 0x82, UInt8(file.count >> 8), UInt8(file.count & 0xFF)] + file
        let apdu = try ZVTAPDU(commandClass: 0x80, instruction: 0x00, data: container)
        let message = try ZVTMessage(apdu: apdu)
        #expect(message.decodingIssues.isEmpty, "\(message.decodingIssues)")
        let text = message.renderJSON(pretty: false)
        #expect(text.contains(#""length":1068"#))
        #expect(!text.contains("414141"))
    }

    @Test("Receipt number FF FF stays 'none'")
    func receiptNumberNone() throws {
        let message = try ZVTMessage.decode(Self.bytes("06 1E 04 B8 87 FFFF"))
        guard case .abort(let abort) = message else {
            Issue.record("expected abort, got \(message.name)")
            return
        }
        #expect(abort.fields.hasNoReceiptNumber)
        #expect(message.decodingIssues.isEmpty)
        #expect(Self.fields(try Self.json(message)).first?["value"] as? String == "none")
    }

    @Test("BMP 60 individual totals of an end-of-day")
    func individualTotals() throws {
        // 27 00, amount 9.58, trace 982, date 04-06, time 08:17:06, receipts 233–234, Eurocard 2 × 9.58
        var totals = Self.bytes("0233 0234")
        for group in 0..<7 {
            totals += group == 2 ? Self.bytes("02 000000000958") : [UInt8](repeating: 0, count: 7)
        }
        let data =
            Self.bytes("2700 04 000000000958 0B 000982 0D 0406 0C 081706 60 F0 F5 F3") + totals
        let bytes = [0x04, 0x0F, UInt8(data.count)] + data
        let message = try ZVTMessage.decode(bytes)
        guard case .statusInformation(let information) = message else {
            Issue.record("expected status information, got \(message.name)")
            return
        }
        let decoded = try #require(try information.fields.individualTotals)
        #expect(decoded.firstReceiptNumber == 233)
        #expect(decoded.lastReceiptNumber == 234)
        #expect(decoded.totals[2] == .init(group: .eurocard, count: 2, cents: 958))
        #expect(decoded.totalCents == 958)
        #expect(decoded.encode() == totals)
        #expect(message.decodingIssues.isEmpty)
        let value = try #require(
            Self.fields(try Self.json(message)).first { $0["bmp"] as? String == "60" }?["value"] as? [String: Any])
        #expect(value["transactionCount"] as? Int == 2)
        #expect(value["firstReceiptNumber"] as? Int == 233)
        #expect(try message.encode() == bytes)
    }

    @Test("BMP 60 with bad BCD or the wrong length is reported, not guessed")
    func individualTotalsHostile() throws {
        var totals = [UInt8](repeating: 0, count: ZVTIndividualTotals.byteCount)
        totals[5] = 0xAB
        #expect(throws: ZVTError.self) { try ZVTIndividualTotals(decoding: totals) }
        #expect(throws: ZVTError.self) { try ZVTIndividualTotals(decoding: Array(totals.prefix(20))) }
        let data = Self.bytes("60 F0 F5 F3") + totals
        let message = try ZVTMessage.decode([0x04, 0x0F, UInt8(data.count)] + data)
        #expect(message.decodingIssues.count == 1)
        // LLLVAR announcing more than is there
        let overrun = try ZVTMessage.decode(Self.bytes("04 0F 06 60 F9 F9 F9 00 00"))
        #expect(!overrun.decodingIssues.isEmpty)
    }

    @Test("Impossible or non-BCD dates and times are reported, not printed")
    func hostileDatesAndTimes() throws {
        for hex in ["04 0F 03 0D 1399", "04 0F 03 0D 0A01", "04 0F 04 0C 250000", "04 0F 04 AA 231301"] {
            let message = try ZVTMessage.decode(Self.bytes(hex))
            #expect(message.decodingIssues.count == 1, "\(hex): \(message.decodingIssues)")
            #expect(Self.fields(try Self.json(message)).first?["value"] is NSNull, "\(hex)")
        }
        // TLV 1F0E with a non-BCD month inside a completion
        let message = try ZVTMessage.decode(Self.bytes("06 0F 09 06 07 1F0E 04 2023 0A 05"))
        #expect(message.decodingIssues.count == 1, "\(message.decodingIssues)")
        #expect(try message.encode() == Self.bytes("06 0F 09 06 07 1F0E 04 2023 0A 05"))
    }

    @Test("The Feig system information builder rejects parts of the wrong length")
    func systemInformationBuilder() throws {
        let information = try ZVTFeigSystemInformation(
            deviceID: "17FE5C90", softwareVersion: "GER-APP-v2.0.9   ", terminalID: "52525111",
            batteryVoltage: "ABCD", temperature: "8.0")
        let completion = try ZVTCompletion(systemInformation: information)
        let decoded = try ZVTMessage.decode(try ZVTMessage.completion(completion).encode())
        #expect(decoded == .completion(completion))
        #expect(throws: ZVTError.self) {
            try ZVTFeigSystemInformation(deviceID: "17", softwareVersion: "x", terminalID: "1", temperature: "8.0")
        }
    }

    @Test("Every listed command round-trips through encode and decode")
    func everyListedCommandRoundTrips() throws {
        let fields = ZVTFieldList([try .amount(cents: 1250), try .currency(code: 978)])
        #expect(ZVTCommandCatalogue.all.count >= 55)
        for entry in ZVTCommandCatalogue.all {
            let prefix: ZVTListedCommand.Prefix
            var list = fields
            switch entry.layout {
            case .fields: prefix = .none
            case .password: prefix = .password(123456)
            case .leadingByte: prefix = .byte(30)
            case .cvendFunction:
                prefix = .cvendFunction(password: 123456, function: 0x0102)
                list = ZVTFieldList()
            }
            let command = try ZVTListedCommand(
                commandClass: entry.commandClass, instruction: entry.instruction, prefix: prefix, fields: list)
            let message = ZVTMessage.listed(command)
            let bytes = try message.encode()
            let decoded = try ZVTMessage.decode(bytes)
            #expect(decoded == message, "\(entry.name)")
            #expect(decoded.decodingIssues.isEmpty, "\(entry.name): \(decoded.decodingIssues)")
            #expect(!decoded.name.hasPrefix("Unknown"), "\(entry.name)")
        }
    }

    @Test("Every typed message round-trips through encode and decode")
    func everyTypedMessageRoundTrips() throws {
        let password = try ZVTPasswordCommand(password: 123456)
        let fields = ZVTFieldList([try .traceNumber(7)])
        let messages: [ZVTMessage] = [
            .registration(try ZVTRegistration(password: 1, config: [.intermediateStatus], currencyCode: 978)),
            .authorization(try ZVTAuthorization(amountCents: 500)),
            .logOff(ZVTFieldList()), .sendTurnoverTotals(password), .resetTerminal(password),
            .repeatReceipt(password), .reversal(try .reversal(password: 1, receiptNumber: 3)),
            .refund(try .refund(password: 1, amountCents: 200)), .endOfDay(password),
            .diagnosis(ZVTFieldList()), .abortRequest(ZVTFieldList()), .statusEnquiry(password),
            .statusInformation(ZVTStatusInformation(fields: fields)),
            .intermediateStatus(try ZVTIntermediateStatus(status: .pleaseWait, timeout: 5)),
            .completion(try ZVTCompletion(fields: ZVTFieldList([.paymentType(0x10), try .terminalID(52_523_535)]))),
            .completion(try ZVTCompletion(softwareVersion: Array("V1".utf8), terminalStatus: 0)),
            .abort(ZVTAbort(resultCode: .abortedByTimeoutOrKey)),
            .printLine(try ZVTPrintLine(attribute: 0xFF, text: "Summe")),
            .printTextBlock(try ZVTPrintTextBlock(lines: ["Beleg"], receiptType: 0x01)),
            .ack, .negativeAcknowledgement(ZVTNegativeAcknowledgement(resultCode: .functionNotPossible)),
        ]
        for message in messages {
            let decoded = try ZVTMessage.decode(try message.encode())
            #expect(decoded == message, "\(message.name)")
            #expect(decoded.decodingIssues.isEmpty, "\(message.name): \(decoded.decodingIssues)")
        }
    }

    @Test("Listed commands whose data does not fit stay unknown and are reported")
    func listedButMalformed() throws {
        for hex in ["06 C0 00", "0F A1 03 000102", "08 14 02 1234", "06 12 03 12AB56"] {
            let message = try ZVTMessage.decode(Self.bytes(hex))
            guard case .unknown = message else {
                Issue.record("\(hex) decoded as \(message.name)")
                continue
            }
            #expect(message.name.contains("does not fit"), "\(message.name)")
            #expect(!message.decodingIssues.isEmpty)
        }
    }

    @Test("A TLV depth bomb inside 08 13 is an issue, not a crash")
    func depthBomb() throws {
        var nested: [UInt8] = [0x01, 0x00]
        for _ in 0..<40 { nested = [0xE4, UInt8(nested.count)] + nested }
        let data = [0x06, UInt8(nested.count)] + nested
        let message = try ZVTMessage.decode([0x08, 0x13, UInt8(data.count)] + data)
        #expect(!message.decodingIssues.isEmpty)
        #expect(try message.encode() == [0x08, 0x13, UInt8(data.count)] + data)
    }

    @Test("Random data under every listed control field never traps and re-encodes exactly")
    func fuzzListedCommands() throws {
        var random = ZVTTestRandom(seed: 0x2026_1207)
        for entry in ZVTCommandCatalogue.all {
            for _ in 0..<200 {
                let data = random.bytes(count: Int.random(in: 0...40, using: &random))
                let bytes = [entry.commandClass, entry.instruction, UInt8(data.count)] + data
                let message = try ZVTMessage.decode(bytes)
                #expect(try message.encode() == bytes, "\(entry.name) \(ZVTTestSupport.hex(bytes))")
                _ = message.decodingIssues
            }
        }
    }

    @Test("Partial reversal abort and BMP 87 none survive a round trip")
    func receiptNoneRoundTrip() throws {
        let bytes = Self.bytes("06 1E 04 B8 87 FFFF")
        #expect(try ZVTMessage.decode(bytes).encode() == bytes)
    }
}
