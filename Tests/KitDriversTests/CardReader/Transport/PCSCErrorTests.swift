import Foundation
import KitDrivers
import Testing

@Suite("PC/SC error wording")
struct PCSCErrorTests {
    @Test func errorCodesAreReadable() {
        #expect(
            PCSCError(code: 0x8010_0069, operation: "read the card").description
                == "cannot read the card: the card was removed — put it back on the reader (SCARD_W_REMOVED_CARD)")
        #expect(
            PCSCError(code: 0x8010_001D, operation: "x").hint
                == "the smart-card service pcscd is not running (start pcscd)")
        #expect(PCSCError(code: 0x8010_0099, operation: "x").hint == "PC/SC error 0x80100099, not defined by pcsc-lite")
    }

    /// The codes pcsc-lite's header defines, read from /usr/include/PCSC/pcsclite.h when it is there
    /// (libpcsclite-dev), else the list as of pcsc-lite 1.9.
    static func headerCodes() -> [(name: String, code: UInt32)] {
        if let header = try? String(contentsOfFile: "/usr/include/PCSC/pcsclite.h", encoding: .utf8) {
            var codes: [(String, UInt32)] = []
            for line in header.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count >= 3, parts[0] == "#define", parts[1].hasPrefix("SCARD_"),
                    let range = parts[2].range(of: "0x")
                else { continue }
                let hex = parts[2][range.upperBound...].prefix { $0.isHexDigit }
                guard let code = UInt32(hex, radix: 16), code & 0xFFFF_0000 == 0x8010_0000 else { continue }
                codes.append((String(parts[1]), code))
            }
            if !codes.isEmpty { return codes }
        }
        return [("SCARD_F_COMM_ERROR", 0x8010_0013), ("SCARD_E_NOT_TRANSACTED", 0x8010_0016)]
    }

    @Test("every code pcsclite.h defines has its name, an English and a German sentence")
    func everyCodeNamed() {
        let codes = Self.headerCodes()
        #expect(codes.count >= 50 || codes.count == 2)
        for (name, code) in codes {
            let entry = PCSCReturnCode.lookup(code)
            #expect(PCSCReturnCode.isKnown(code), "\(name)")
            #expect(entry.name.hasPrefix("SCARD_"), "\(name)")
            // Aliases share a value (SCARD_E_UNEXPECTED / SCARD_E_UNSUPPORTED_FEATURE): one name each.
            #expect(entry.german.hasSuffix("."), "\(name)")
            #expect(!entry.german.contains("PC/SC"), "\(name): the clerk gets no code")
            #expect(entry.english != entry.german, "\(name)")
        }
    }

    @Test("pulling the card and pcscd dying read as what they are, in German, with the name for IT")
    func cardPulledAndServiceGone() {
        let pulled = PCSCError(code: 0x8010_0016, operation: "send a command to the card")
        #expect(pulled.name == "SCARD_E_NOT_TRANSACTED")
        #expect(pulled.clerkMessage.contains("abgenommen"))
        #expect(!pulled.hint.contains("shutting down"))
        let died = PCSCError(code: 0x8010_0013, operation: "send a command to the card")
        #expect(died.name == "SCARD_F_COMM_ERROR")
        #expect(died.description.contains("SCARD_F_COMM_ERROR"))
        #expect(died.clerkMessage.hasPrefix("Der Kartendienst"))
        #expect(!died.description.contains("0x80100013"))
        #expect(CardReaderError.pcsc(died).clerkMessage == died.clerkMessage)
        #expect(CardReaderError.noCard(reader: "r").clerkMessage.contains("Ausweis auflegen"))
    }
}
