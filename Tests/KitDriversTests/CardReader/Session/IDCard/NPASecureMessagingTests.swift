import KitSimulators
import Testing

@testable import KitDrivers

@Suite("Secure messaging format and hostile protected answers")
struct NPASecureMessagingTests {
    @Test func paddingRoundTrips() {
        for length in 0..<40 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            let padded = NPASecureMessaging.pad(data, blockSize: 16)
            #expect(padded.count % 16 == 0)
            #expect(NPASecureMessaging.unpad(padded) == data)
        }
        #expect(NPASecureMessaging.unpad([0x01, 0x00]) == nil)
        #expect(NPASecureMessaging.unpad([]) == nil)
    }

    @Test func leObjectUsesShortOrExtendedLength() {
        #expect(NPASecureMessaging.leBytes(256) == [0x00])
        #expect(NPASecureMessaging.leBytes(17) == [0x11])
        #expect(NPASecureMessaging.leBytes(1000) == [0x03, 0xE8])
        #expect(NPASecureMessaging.leBytes(65_536) == [0x00, 0x00])
    }

    /// Terminal and chip sides of one PACE run agree on every APDU shape.
    @Test func terminalAndChipHalvesAgree() throws {
        let (terminal, chip) = try Self.pairedMessaging()
        let commands = [
            try ISO7816CommandAPDU.selectFile(0x011C, target: .elementaryFile),
            try ISO7816CommandAPDU.readBinary(offset: 0, ne: 256),
            try ISO7816CommandAPDU.readBinary(offset: 0, ne: 1000),
            try ISO7816CommandAPDU.updateBinary(offset: 0, data: [UInt8](repeating: 0x42, count: 300)),
        ]
        for command in commands {
            let protected = try terminal.protect(command)
            #expect(protected.cla == 0x0C)
            #expect(try chip.unprotectCommand(protected) == command)
            let answer = ISO7816ResponseAPDU(data: [0x01, 0x02, 0x03], statusWord: .endOfFileReached)
            let wire = try chip.protectResponse(answer)
            #expect(try terminal.unprotect(wire, for: command) == answer)
        }
    }

    @Test func randomProtectedAnswersNeverCrash() throws {
        var generator = SeededRandom(seed: 0x5EC)
        let command = try ISO7816CommandAPDU.readBinary(offset: 0, ne: 16)
        for _ in 0..<300 {
            let (terminal, chip) = try Self.pairedMessaging()
            _ = try terminal.protect(command)
            let genuine = try chip.protectResponse(ISO7816ResponseAPDU(data: [0x42], statusWord: .success))
            let hostile =
                Bool.random(using: &generator)
                ? generator.mutate(genuine.data) : generator.bytes(count: Int.random(in: 0...40, using: &generator))
            do {
                _ = try terminal.unprotect(ISO7816ResponseAPDU(data: hostile, statusWord: .success), for: command)
            } catch {
                #expect(!error.description.isEmpty)
                #expect(terminal.isClosed)
            }
        }
    }

    /// Runs PACE in memory and returns the terminal's and the chip's secure messaging.
    static func pairedMessaging() throws -> (NPASecureMessaging, NPASecureMessaging) {
        let access = CardSimulatorNPACard.cardAccess
        let pcd = try NPAEACContext(cardAccess: access)
        let picc = try NPAEACContext(cardAccess: access)
        let secret = try NPAPACEPasswordSecret(.can, digits: "123456")
        try pcd.decryptNonce(try picc.encryptNonce(secret), password: secret)
        let pcdMap = try pcd.generateMappingData()
        let piccMap = try picc.generateMappingData()
        try pcd.mapGenerator(otherMappingData: piccMap)
        try picc.mapGenerator(otherMappingData: pcdMap)
        let pcdKey = try pcd.generateEphemeralKey()
        let piccKey = try picc.generateEphemeralKey()
        try pcd.computeSharedSecret(otherPublicKey: piccKey)
        try picc.computeSharedSecret(otherPublicKey: pcdKey)
        try pcd.deriveKeys()
        try picc.deriveKeys()
        #expect(try picc.verifyAuthenticationToken(try pcd.authenticationToken(otherPublicKey: piccKey)))
        #expect(try pcd.verifyAuthenticationToken(try picc.authenticationToken(otherPublicKey: pcdKey)))
        try pcd.startPACESecureMessaging()
        try picc.startPACESecureMessaging()
        return (NPASecureMessaging(context: pcd), NPASecureMessaging(context: picc))
    }
}
