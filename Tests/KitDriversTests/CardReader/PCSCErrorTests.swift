import KitDrivers
import Testing

@Suite("PC/SC error wording")
struct PCSCErrorTests {
    @Test func errorCodesAreReadable() {
        #expect(
            PCSCError(code: 0x8010_0069, operation: "read the card").description
                == "cannot read the card: the card was removed — put it back on the reader")
        #expect(
            PCSCError(code: 0x8010_001D, operation: "x").hint
                == "the smart-card service pcscd is not running (start pcscd)")
        #expect(PCSCError(code: 0x8010_0099, operation: "x").hint == "PC/SC error 0x80100099")
    }
}
