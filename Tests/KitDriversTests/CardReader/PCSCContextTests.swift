import KitDrivers
import Testing

@Suite("PC/SC through libpcsclite against a real pcscd", .serialized)
struct PCSCContextTests {
    @Test func listsTheTwoVirtualReaders() throws {
        let daemon = try PCSCDaemon()
        defer { daemon.stop() }
        let readers = try PCSCContext().readers()
        #expect(readers.contains("Virtual PCD 00 00"))
        #expect(readers.contains("Virtual PCD 00 01"))
    }

    @Test func withoutPcscdTheErrorSaysSo() throws {
        // Only meaningful when no pcscd is running outside this test.
        guard (try? PCSCContext()) == nil else { return }
        do {
            _ = try PCSCContext()
            Issue.record("context without pcscd")
        } catch {
            #expect(
                error.description
                    == "cannot connect to the smart-card service: the smart-card service pcscd is not running (start pcscd)"
            )
        }
    }

    @Test func errorCodesAreReadable() {
        #expect(
            PCSCError(code: 0x8010_0069, operation: "read the card").description
                == "cannot read the card: the card was removed — put it back on the reader")
        #expect(PCSCError(code: 0x8010_0099, operation: "x").hint == "PC/SC error 0x80100099")
    }
}
