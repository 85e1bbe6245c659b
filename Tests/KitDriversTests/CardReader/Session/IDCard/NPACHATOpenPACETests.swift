import CEAC
import KitDrivers
import KitSimulators
import Testing

/// Cross-check of the CHAT bit positions with OpenPACE's own table of authentication-terminal rights.
@Suite("CHAT bits as OpenPACE reads them")
struct NPACHATOpenPACETests {
    @Test func openPACENamesTheChangeTerminalRights() throws {
        let pki = try CardSimulatorTerminalPKI.generate()
        let bytes = pki.terminal.encoded
        let parsed = bytes.withUnsafeBufferPointer { buffer -> UnsafeMutablePointer<CVC_CERT>? in
            var cursor = buffer.baseAddress
            return CVC_d2i_CVC_CERT(nil, &cursor, buffer.count)
        }
        let certificate = try #require(parsed)
        defer { CVC_CERT_free(certificate) }
        let chat = try #require(cvc_get_chat(certificate))
        let bio = try #require(BIO_new(BIO_s_mem()))
        defer { BIO_free(bio) }
        #expect(cvc_chat_print_authorizations(bio, chat, 0) == 1)
        var text = [UInt8](repeating: 0, count: 4096)
        let count = BIO_read(bio, &text, Int32(text.count))
        let printed = String(decoding: text.prefix(Int(max(0, count))), as: UTF8.self)
        let lines = printed.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "CAN allowed", "Read DG 1 (Document Type)", "Read DG 2 (Issuing State)", "Read DG 3 (Date of Expiry)",
                "Read DG 4 (Given Names)", "Read DG 5 (Family Names)", "Read DG 6 (Religious/Artistic Name)",
                "Read DG 7 (Academic Title)", "Read DG 8 (Date of Birth)", "Read DG 9 (Place of Birth)",
                "Read DG 10 (Nationality)", "Read DG 13", "Read DG 17 (Normal Place of Residence)",
                "Read DG 18 (Community ID)", "Write DG 18 (Community ID)", "Write DG 17 (Normal Place of Residence)",
            ])
    }
}
