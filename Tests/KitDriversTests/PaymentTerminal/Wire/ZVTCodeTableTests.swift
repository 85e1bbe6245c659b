import Testing

@testable import KitDrivers

@Suite("ZVT result and intermediate status tables")
struct ZVTCodeTableTests {
    @Test(
        "Result codes have English and German text",
        arguments: [
            (UInt8(0x00), "success", "erfolgreich"),
            (0x64, "card not readable (LRC/parity error)", "Karte nicht lesbar (LRC-/Paritätsfehler)"),
            (0x6C, "aborted by timeout or abort key", "Abbruch durch Zeitüberschreitung oder Abbruchtaste"),
            (0x6F, "wrong currency", "falsche Währung"),
            (0x9C, "please wait", "bitte warten"),
            (0xFF, "system error (see TLV 1F16/1F17)", "Systemfehler (siehe TLV 1F16/1F17)"),
        ])
    func resultTexts(code: UInt8, english: String, german: String) {
        let result = ZVTResultCode(code)
        #expect(result.englishText == english)
        #expect(result.germanText == german)
        #expect(result.isSuccess == (code == 0))
    }

    @Test("Codes from the authorisation system and undefined codes")
    func resultRanges() {
        let issuer = ZVTResultCode(0x05)
        #expect(issuer.isFromAuthorisationSystem)
        #expect(issuer.englishText?.contains("authorisation system") == true)
        #expect(ZVTResultCode(0x69).englishText == nil)
        #expect(ZVTResultCode(0x69).description == "0x69 unknown result code")
        #expect(ZVTResultCode.abortedByTimeoutOrKey.description == "0x6C aborted by timeout or abort key")
    }

    @Test("Every defined result code has both texts")
    func resultTableComplete() {
        for raw in UInt8.min...UInt8.max {
            let code = ZVTResultCode(raw)
            #expect((code.englishText == nil) == (code.germanText == nil))
        }
    }

    @Test(
        "Intermediate status codes have English and German text",
        arguments: [
            (UInt8(0x0A), "insert card", "Karte einstecken"),
            (0x0E, "processing, please wait", "Vorgang wird bearbeitet, bitte warten"),
            (0x17, "please wait", "Bitte warten"),
            (0x15, "incorrect PIN", "Geheimzahl falsch"),
            (0x4A, "please remove card", "Bitte Karte entnehmen"),
            (0x4C, "card not readable – please remove card", "Karte nicht lesbar – Bitte Karte entnehmen"),
        ])
    func intermediateTexts(code: UInt8, english: String, german: String) {
        let status = ZVTIntermediateStatusCode(code)
        #expect(status.englishText == english)
        #expect(status.germanText == german)
    }

    @Test("Undefined intermediate status codes have no text")
    func intermediateUnknown() {
        #expect(ZVTIntermediateStatusCode(0x20).englishText == nil)
        #expect(ZVTIntermediateStatusCode(0x5F).germanText == nil)
        #expect(ZVTIntermediateStatusCode(0x20).description == "0x20 unknown status")
    }

    @Test("Error descriptions name the bytes and offsets")
    func errorDescriptions() {
        #expect(
            ZVTError.invalidBCDDigit(byte: 0x0A, offset: 5).description
                == "Byte 0A at offset 5 is not packed BCD (a nibble is above 9).")
        #expect(
            ZVTError.serialChecksumMismatch(expected: 0x2189, received: 0x0000).description
                == "Serial frame checksum 0000 does not match computed 2189; answer NAK.")
        #expect(ZVTError.unknownFieldTag(tag: 0x31, offset: 2).description == "Unknown BMP 31 at data offset 2.")
    }

    @Test("Text codec maps code page 437 umlauts both ways")
    func text() throws {
        let text = "ÄÖÜäöüß é°"
        let encoded = try ZVTText.encode(text)
        #expect(encoded == [0x8E, 0x99, 0x9A, 0x84, 0x94, 0x81, 0xE1, 0x20, 0x82, 0xF8])
        #expect(ZVTText.decode(encoded) == text)
        #expect(ZVTText.decode([0xB0]) == "\u{FFFD}")
        #expect(throws: ZVTError.unencodableText(character: "€")) { try ZVTText.encode("€") }
    }
}
