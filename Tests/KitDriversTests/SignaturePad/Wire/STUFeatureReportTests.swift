import Testing

@testable import KitDrivers

@Suite("STU feature reports")
struct STUFeatureReportTests {
    @Test func reportSizesMatchTheProtocol() {
        let expected: [STUReportID: Int] = [
            .penData: 7, .status: 5, .reset: 2, .information: 17, .capability: 17, .clearScreen: 2, .inkingMode: 2,
            .inkThreshold: 5, .startImageDataArea: 11, .startImageData: 2, .imageDataBlock: 256, .endImageData: 2,
            .handwritingDisplayArea: 9, .penDataOptionMode: 2, .penDataTimeCountSequence: 11,
        ]
        for id in STUReportID.allCases { #expect(id.reportSize == expected[id], "\(id)") }
    }

    @Test func controlRequestsUseHIDFeatureReportValues() {
        let get = STUHIDControlRequest.getFeature(.capability)
        #expect(get == STUHIDControlRequest(requestType: 0xA1, request: 0x01, value: 0x0309, index: 0, length: 17))
        let set = STUHIDControlRequest.setFeature(.imageDataBlock, interface: 2)
        #expect(set == STUHIDControlRequest(requestType: 0x21, request: 0x09, value: 0x0326, index: 2, length: 256))
    }

    @Test func statusDecodesLittleEndianWord() throws {
        let status = try STUStatus(decoding: stuHex("03 01 12 34 12"))
        #expect(status.statusCode == .image)
        #expect(status.lastResultCode == .graphicsZlibError)
        #expect(status.statusWord == 0x1234)
        #expect(status.encoded() == stuHex("03 01 12 34 12"))
        #expect(STUStatusCode(rawValue: 0x42).description.contains("0x42"))
        #expect(STUResultCode(rawValue: 0x90).description.contains("firmware-internal"))
    }

    @Test func resetVectorsAndInvalidFlag() throws {
        #expect(STUReset(kind: .soft).encoded() == [0x04, 0x00])
        #expect(STUReset(kind: .hard).encoded() == [0x04, 0x01])
        #expect(try STUReset(decoding: [0x04, 0x01]).kind == .hard)
        #expect(throws: STUReportError.invalidFieldValue(reportID: 0x04, field: "resetFlag", value: 2, offset: 1)) {
            try STUReset(decoding: [0x04, 0x02])
        }
    }

    @Test func informationParsesModelAndFirmware() throws {
        let bytes = [0x08] + Array("STU-540".utf8) + [0, 0] + [0x01, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00]
        let info = try STUInformation(decoding: bytes)
        #expect(info.modelName == "STU-540")
        #expect(info.firmwareMajor == 1)
        #expect(info.firmwareMinor == 5)
        #expect(info.firmwareVersion == "1.5")
        #expect(info.secureICVersion == [7, 0, 0, 0])
        #expect(info.encoded() == bytes)
        let built = STUInformation(modelName: "STU-430-TOO-LONG", firmwareMajor: 2, firmwareMinor: 0x10)
        #expect(built.encoded().count == 17)
        #expect(built.modelName == "STU-430-T")
    }

    @Test func capabilityIsBigEndian() throws {
        let bytes = stuHex("09 2A 30 19 50 03 FF 03 20 01 E0 C8 09 EC 0F 00 00")
        let capability = try STUCapability(decoding: bytes)
        #expect(capability.tabletMaxX == 10800)
        #expect(capability.tabletMaxY == 6480)
        #expect(capability.tabletMaxPressure == 1023)
        #expect(capability.screenWidth == 800)
        #expect(capability.screenHeight == 480)
        #expect(capability.maxReportRate == 200)
        #expect(capability.resolution == 2540)
        #expect(capability.encodingFlags == [.zlib, .oneBit, .rgb565, .rgb24])
        #expect(capability.encoded() == bytes)
        #expect(capability == STUModel.stu540.nominalCapability)
        #expect(capability.encodingFlags.encodings == [.oneBit, .oneBitZlib, .rgb565, .rgb24])
    }

    @Test func inkReportsAreLittleEndian() throws {
        #expect(STUInkThreshold(onPressureMark: 0x15, offPressureMark: 0x0310).encoded() == stuHex("22 15 00 10 03"))
        #expect(try STUInkThreshold(decoding: stuHex("22 15 00 10 03")).offPressureMark == 0x0310)
        #expect(STUInkingMode(isOn: true).encoded() == [0x21, 0x01])
        #expect(try STUInkingMode(decoding: [0x21, 0x07]).isOn)
        #expect(STUClearScreen().encoded() == [0x20, 0x00])
        let area = STURectangle(upperLeftX: 8, upperLeftY: 0x0102, lowerRightX: 791, lowerRightY: 400)
        #expect(STUHandwritingDisplayArea(area: area).encoded() == stuHex("2A 08 00 02 01 17 03 90 01"))
        #expect(try STUHandwritingDisplayArea(decoding: stuHex("2A 08 00 02 01 17 03 90 01")).area == area)
        #expect(STUPenDataOptionMode(mode: .timeCountSequence).encoded() == [0x32, 0x03])
        #expect(throws: STUReportError.self) { try STUPenDataOptionMode(decoding: [0x32, 0x04]) }
    }

    @Test func imageReportVectors() throws {
        #expect(STUStartImageData(encoding: .rgb565).encoded() == [0x25, 0x02])
        #expect(try STUStartImageData(decoding: [0x25, 0x04]).encoding == .rgb24)
        #expect(throws: STUReportError.self) { try STUStartImageData(decoding: [0x25, 0x10]) }
        let area = STURectangle(upperLeftX: 0, upperLeftY: 0, lowerRightX: 319, lowerRightY: 199)
        let start = STUStartImageDataArea(encoding: .oneBit, area: area)
        #expect(start.encoded() == stuHex("24 00 01 00 00 00 00 3F 01 C7 00"))
        #expect(try STUStartImageDataArea(decoding: start.encoded()) == start)
        #expect(STUEndImageData(action: .commit).encoded() == [0x27, 0x00])
        #expect(STUEndImageData(action: .abandon).encoded() == [0x27, 0x01])
        #expect(throws: STUReportError.self) { try STUEndImageData(decoding: [0x27, 0x02]) }
    }

    @Test func imageDataBlockLayout() throws {
        let block = try STUImageDataBlock(data: [0xAA, 0xBB, 0xCC])
        let bytes = block.encoded()
        #expect(bytes.count == 256)
        #expect(Array(bytes.prefix(6)) == [0x26, 0x03, 0x00, 0xAA, 0xBB, 0xCC])
        #expect(bytes.dropFirst(6).allSatisfy { $0 == 0 })
        #expect(try STUImageDataBlock(decoding: bytes) == block)
        let full = try STUImageDataBlock(data: [UInt8](repeating: 7, count: 253))
        #expect(full.encoded()[1] == 253 && full.encoded()[2] == 0 && full.encoded()[255] == 7)
        #expect(throws: STUReportError.imageBlockTooLong(length: 254)) {
            try STUImageDataBlock(data: [UInt8](repeating: 0, count: 254))
        }
        var oversized = bytes
        oversized[1] = 254
        #expect(throws: STUReportError.invalidFieldValue(reportID: 0x26, field: "length", value: 254, offset: 1)) {
            try STUImageDataBlock(decoding: oversized)
        }
        oversized[1] = 0xFF
        oversized[2] = 0xFF
        #expect(throws: STUReportError.self) { try STUImageDataBlock(decoding: oversized) }
    }

    @Test func wrongLengthAndWrongIDAreTypedErrors() {
        #expect(throws: STUReportError.wrongLength(reportID: 0x09, expected: 17, actual: 16)) {
            try STUCapability(decoding: [0x09] + [UInt8](repeating: 0, count: 15))
        }
        #expect(throws: STUReportError.wrongLength(reportID: 0x03, expected: 5, actual: 6)) {
            try STUStatus(decoding: [0x03, 0, 0, 0, 0, 0])
        }
        #expect(throws: STUReportError.unexpectedReportID(expected: 0x08, actual: 0x09)) {
            try STUInformation(decoding: [0x09] + [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: STUReportError.emptyReport) { try STUClearScreen(decoding: []) }
        #expect(throws: STUReportError.wrongLength(reportID: 0x26, expected: 256, actual: 255)) {
            try STUImageDataBlock(decoding: [0x26] + [UInt8](repeating: 0, count: 254))
        }
    }

    @Test func errorDescriptionsNameReportAndOffset() {
        let text = STUReportError.wrongLength(reportID: 0x09, expected: 17, actual: 3).description
        #expect(text.contains("0x09") && text.contains("17") && text.contains("3"))
        let field = STUReportError.invalidFieldValue(reportID: 0x04, field: "resetFlag", value: 9, offset: 1)
            .description
        #expect(field.contains("resetFlag") && field.contains("offset 1"))
    }

    @Test func modelTable() {
        #expect(STUModel(productID: 0x00A4) == .stu430)
        #expect(STUModel(productID: 0x00A5) == .stu530)
        #expect(STUModel(productID: 0x00A6) == .stu430V)
        #expect(STUModel(productID: 0x00A8) == .stu540)
        #expect(STUModel(productID: 0x00A7) == nil)
        #expect(STUModel.stu430.screenWidth == 320 && STUModel.stu430.screenHeight == 200)
        #expect(STUModel.stu540.screenWidth == 800 && STUModel.stu540.tabletMaxX == 10800)
        #expect(STUModel.stu430.supportedEncodings == [.oneBit])
        #expect(STUModel.stu530.supportedEncodings.contains(.rgb565))
        #expect(STUModel.vendorID == 0x056A)
    }

    /// Feeds random and id-prefixed garbage to every decoder: no crash, a value or a typed error, and every
    /// decoded value re-encodes to a report of the right size that decodes to the same value.
    @Test func hostileInputFuzz() {
        var rng = STUTestRNG(seed: 0x5354_5530)
        func check<R: STUFeatureReport>(_ type: R.Type, _ rng: inout STUTestRNG) -> Int {
            var decoded = 0
            for _ in 0..<600 {
                let input: [UInt8]
                if Bool.random(using: &rng) {
                    input = [R.reportID.rawValue] + rng.bytes(R.reportSize - 1)
                } else {
                    input = rng.report(id: R.reportID.rawValue, maxLength: 300)
                }
                do {
                    let value = try R(decoding: input)
                    decoded += 1
                    let again = value.encoded()
                    #expect(again.count == R.reportSize)
                    #expect((try? R(decoding: again)) == value)
                } catch {
                    #expect(!error.description.isEmpty)
                }
            }
            return decoded
        }
        #expect(check(STUStatus.self, &rng) > 0)
        #expect(check(STUReset.self, &rng) > 0)
        #expect(check(STUInformation.self, &rng) > 0)
        #expect(check(STUCapability.self, &rng) > 0)
        #expect(check(STUClearScreen.self, &rng) > 0)
        #expect(check(STUInkingMode.self, &rng) > 0)
        #expect(check(STUInkThreshold.self, &rng) > 0)
        #expect(check(STUStartImageDataArea.self, &rng) > 0)
        #expect(check(STUStartImageData.self, &rng) > 0)
        #expect(check(STUImageDataBlock.self, &rng) > 0)
        #expect(check(STUEndImageData.self, &rng) > 0)
        #expect(check(STUHandwritingDisplayArea.self, &rng) > 0)
        #expect(check(STUPenDataOptionMode.self, &rng) > 0)
    }
}
