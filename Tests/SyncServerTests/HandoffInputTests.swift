import Crypto
import Foundation
import KitCore
import Testing

/// Hostile input for every hand-off parser: ack bodies, feed cursors, consumer key files and
/// the dossier container reader.
@Suite("Hand-off: hostile input")
struct HandoffInputTests {
    @Test(
        "ack bodies that are refused",
        arguments: [
            "", "null", "[]", "{}", #"{"outcome":"ACCEPTED"}"#, #"{"outcome":"rejected"}"#,
            #"{"outcome":"rejected","reason":"   "}"#, #"{"outcome":"rejected","reason":"a\u0000b"}"#,
            #"{"outcome":1}"#, "{\"outcome\":\"accepted\"", String(repeating: " ", count: 9000),
            #"{"outcome":"rejected","reason":""# + String(repeating: "x", count: 1001) + #""}"#,
        ])
    func refusedAcknowledgements(_ body: String) {
        #expect(throws: HandoffInputError.self) { try HandoffAcknowledgement.parse(Array(body.utf8)) }
    }

    @Test("ack bodies that are accepted")
    func acceptedAcknowledgements() throws {
        #expect(try HandoffAcknowledgement.parse(Array(#"{"outcome":"accepted"}"#.utf8)).outcome == .accepted)
        let rejected = try HandoffAcknowledgement.parse(
            Array(#"{"outcome":"rejected","reason":"  Anschrift unbekannt ","extra":1}"#.utf8))
        #expect(rejected == HandoffAcknowledgement(outcome: .rejected, reason: "Anschrift unbekannt"))
    }

    @Test(
        "cursors that are refused",
        arguments: [
            "-1", "1e3", "0x10", " 1", "1 ", "99999999999999999999", "１", "1;DROP", "+1", "9223372036854775808",
        ]
    )
    func refusedCursors(_ cursor: String) {
        #expect(throws: HandoffInputError.self) { try DossierCursor.parse(cursor) }
    }

    @Test("cursors that are accepted")
    func acceptedCursors() throws {
        #expect(try DossierCursor.parse(nil) == 0)
        #expect(try DossierCursor.parse("") == 0)
        #expect(try DossierCursor.parse("42") == 42)
        #expect(try DossierCursor.parse("000000000000000017") == 17)
    }

    @Test("consumer key files that are refused, each with a reason")
    func refusedKeyFiles() throws {
        let p384 = P384.KeyAgreement.PrivateKey().publicKey.pemRepresentation
        let privateKey = P256.KeyAgreement.PrivateKey().pemRepresentation
        let valid = P256.KeyAgreement.PrivateKey().publicKey.pemRepresentation
        let truncated = String(valid.prefix(valid.count / 2))
        let files: [[UInt8]] = [
            [], Array(repeating: 0xFF, count: 100), Array(privateKey.utf8), Array(p384.utf8), Array(truncated.utf8),
            Array(valid.replacingOccurrences(of: "PUBLIC KEY", with: "CERTIFICATE").utf8),
            Array(String(repeating: valid, count: 40).utf8), Array("-----BEGIN PUBLIC KEY-----\n!!!\n".utf8),
            Array(Array(valid.utf8).dropLast(30)) + Array("é".utf8),
        ]
        for file in files {
            #expect(throws: HandoffInputError.self) { try ConsumerPublicKey.parse(file) }
        }
        do {
            _ = try ConsumerPublicKey.parse(Array(privateKey.utf8))
            Issue.record("a private key file was accepted")
        } catch {
            #expect(String(describing: error).contains("PRIVATE"))
        }
        #expect(try ConsumerPublicKey.parse(Array(valid.utf8)).pemRepresentation == valid)
    }

    @Test("the container reader refuses damaged and non-canonical archives")
    func hostileArchives() throws {
        let archive = try DossierArchive.write([
            .init(name: "manifest.json", bytes: Array("{}".utf8)), .init(name: "a/b.bin", bytes: [1, 2, 3]),
        ])
        #expect(try DossierArchive.read(archive).map(\.name) == ["manifest.json", "a/b.bin"])
        // Every header and padding byte (file contents are the manifest's business: SHA-256).
        for index in stride(from: 0, to: archive.count, by: 7)
        where !(512..<514).contains(index) && !(1536..<1539).contains(index) {
            var damaged = archive
            damaged[index] ^= 0x80
            #expect(throws: DossierError.self) { try DossierArchive.read(damaged) }
        }
        for hostile in [[], Array(archive.prefix(600)), archive + [0], Array(archive.dropLast(512))] {
            #expect(throws: DossierError.self) { try DossierArchive.read(hostile) }
        }
        #expect(throws: DossierError.self) { try DossierArchive.write([.init(name: "../etc/passwd", bytes: [])]) }
        #expect(throws: DossierError.self) { try DossierArchive.write([.init(name: "/abs", bytes: [])]) }
    }
}
