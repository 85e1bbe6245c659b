import Foundation
import Testing

@testable import KitDrivers

/// JSON rendering for `kit-agent zvt decode`: typed values, card data masked or left out.
@Suite struct ZVTMessageJSONTests {
    static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test func statusInformationWithTypedValuesAndNoCardData() throws {
        let fields = try ZVTFieldList([
            .resultCode(.success), .amount(cents: 1234), .traceNumber(42), .receiptNumber(7), .terminalID(29_001_234),
            ZVTField(tag: ZVTBMP.pan, bytes: [0x49, 0x99, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12]),
            ZVTField(tag: ZVTBMP.track2, bytes: [0x49, 0x99, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0xD2, 0x51]),
            .expiryDate(year: 2027, month: 12), .cardName("girocard"),
            .tlv([try ZVTTLVNode(tag: try #require(ZVTTLVTag(0x5A)), value: [0x49, 0x99, 0x12, 0x34])]),
        ])
        let message = ZVTMessage.statusInformation(ZVTStatusInformation(fields: fields))
        let text = message.renderJSON()
        #expect(!text.contains("4999"))
        #expect(!text.contains("49991234"))
        #expect(!text.contains("D251"))
        let object = try #require(try Self.parse(text) as? [String: Any])
        #expect(object["message"] as? String == "Status information 04 0F")
        let list = try #require(object["fields"] as? [[String: Any]])
        #expect(list.first { $0["bmp"] as? String == "04" }?["cents"] as? Int == 1234)
        #expect(list.first { $0["bmp"] as? String == "0B" }?["value"] as? Int == 42)
        #expect(list.first { $0["bmp"] as? String == "29" }?["value"] as? String == "29001234")
        #expect(list.first { $0["bmp"] as? String == "22" }?["masked"] as? String == "************9012")
        #expect(list.first { $0["bmp"] as? String == "23" }?["redacted"] as? Bool == true)
        #expect(list.first { $0["bmp"] as? String == "0E" }?["redacted"] as? Bool == true)
        #expect(list.first { $0["bmp"] as? String == "8B" }?["value"] as? String == "girocard")
        #expect(text.contains("\"redacted\": true"))
    }

    @Test func passwordsAreNeverPrinted() throws {
        let registration = try ZVTRegistration(password: 123_456, config: [.intermediateStatus], currencyCode: 978)
        let text = ZVTMessage.registration(registration).renderJSON(pretty: false)
        #expect(!text.contains("123456"))
        #expect(text.contains(#""password":"******""#))
        #expect(text.contains(#""flags":["intermediateStatus"]"#))
        let reversal = ZVTMessage.reversal(try .reversal(password: 654_321, receiptNumber: 12))
        #expect(!reversal.renderJSON().contains("654321"))
    }

    @Test func textIsEscaped() {
        let value = ZVTJSONValue.object([ZVTJSONMember("text", .string("a\"b\\c\n\u{1}ü"))])
        #expect(value.rendered(pretty: false) == #"{"text":"a\"b\\c\n\u0001ü"}"#)
        #expect(ZVTJSONValue.array([]).rendered() == "[]")
        #expect(value["text"] == .string("a\"b\\c\n\u{1}ü"))
    }

    @Test func hexInputForms() {
        #expect(ZVTCaptureDecoder.bytes(fromHex: "06 01 0a") == [0x06, 0x01, 0x0A])
        #expect(ZVTCaptureDecoder.bytes(fromHex: "0x80,0x00,0x00\n") == [0x80, 0x00, 0x00])
        #expect(ZVTCaptureDecoder.bytes(fromHex: "060") == nil)
        #expect(ZVTCaptureDecoder.bytes(fromHex: "zz") == nil)
        #expect(ZVTCaptureDecoder.bytes(fromHex: "") == nil)
    }

    @Test func capturesOverTCPAndSerial() throws {
        let tcp = ZVTTestSupport.bytes("80 00 00 04 FF 01 0A 06 0F 00")
        #expect(try ZVTCaptureDecoder.frames(tcp).count == 3)
        let array = try #require(try Self.parse(ZVTCaptureDecoder.renderJSON(tcp)) as? [[String: Any]])
        #expect(
            array.map { $0["message"] as? String } == [
                "Acknowledgement 80 00", "Intermediate status 04 FF", "Completion 06 0F",
            ])
        let serial = [ZVTSerialFrame.ack] + ZVTSerialFrame.encode([0x84, 0x83, 0x00]) + [ZVTSerialFrame.ack]
        let single = try #require(try Self.parse(ZVTCaptureDecoder.renderJSON(serial)) as? [[String: Any]])
        #expect(single.count == 1, "one message is still an array")
        #expect(single.first?["message"] as? String == "Negative acknowledgement 84 83")
        #expect(ZVTCaptureDecoder.decodesCompletely(serial))
        let cut = ZVTTestSupport.bytes("80 00 00 06 D1 20 00")
        #expect(!ZVTCaptureDecoder.decodesCompletely(cut))
        #expect(throws: ZVTError.leftoverBytes(count: 4)) { try ZVTCaptureDecoder.frames(cut) }
        let rendered = try #require(try Self.parse(ZVTCaptureDecoder.renderJSON(cut)) as? [[String: Any]])
        #expect(rendered.last?["error"] as? String != nil)
    }

    @Test func partlyDecodedCapturesStopUnlessLenient() throws {
        // a status information with an unknown BMP 5F, then a completion
        let capture = ZVTTestSupport.bytes("04 0F 04 27 00 5F 01 06 0F 00")
        let strict = ZVTCaptureDecoder.decode(capture)
        #expect(!strict.isComplete)
        #expect(strict.stoppedEarly)
        #expect(strict.messages.count == 1)
        #expect(strict.issues.first?.description.hasPrefix("message 1 (Status information 04 0F)") == true)
        let lenient = ZVTCaptureDecoder.decode(capture, lenient: true)
        #expect(lenient.messages.count == 2)
        #expect(!lenient.isComplete)
        #expect(!lenient.stoppedEarly)
        #expect(!ZVTCaptureDecoder.decodesCompletely(capture))
        #expect(ZVTCaptureDecoder.decode(ZVTTestSupport.bytes("06 0F 00 80 00 00")).isComplete)
        // an unknown command is undecoded even when its bytes happen to parse as BMPs
        #expect(!ZVTCaptureDecoder.decode(ZVTTestSupport.bytes("0F 01 02 27 00")).isComplete)
    }

    @Test func recordedMessagesRenderAsValidJSON() throws {
        for recording in try ZVTTestSupport.goldenRecordings() {
            let text = ZVTCaptureDecoder.renderJSON(recording.bytes)
            _ = try Self.parse(text)
            #expect(text.contains("\"message\"") || text.contains("\"error\""), "\(recording.name)")
        }
    }

    @Test func fuzzedCapturesAlwaysRenderValidJSON() throws {
        var random = ZVTTestRandom(seed: 0x15_0E_2026)
        let starts: [[UInt8]] = [
            [0x04, 0x0F], [0x06, 0xD3], [0x06, 0x00], [0x04, 0xFF], [0x10, 0x02], [0x06, 0x1E],
        ]
        for _ in 0..<1500 {
            let body = random.bytes(count: Int.random(in: 0..<60, using: &random))
            var bytes = starts[Int.random(in: 0..<starts.count, using: &random)] + [UInt8(body.count)] + body
            if Bool.random(using: &random) { bytes = random.bytes(count: Int.random(in: 0..<30, using: &random)) }
            let text = ZVTCaptureDecoder.renderJSON(bytes, pretty: false)
            _ = try Self.parse(text)
        }
    }
}
