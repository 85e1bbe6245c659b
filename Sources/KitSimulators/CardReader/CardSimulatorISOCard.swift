import KitDrivers

/// A plain ISO/IEC 7816-4 card with a small file system, for reader tests without an ID card:
/// SELECT (MF, EF by FID, path), READ BINARY (also extended Ne), UPDATE BINARY on the
/// writable EF, and two files that exercise the transport decisions of §5.3.4: EF 0103 answers
/// SELECT with FCP via 61xx + GET RESPONSE, EF 0104 demands the exact Le (6Cxx).
public final class CardSimulatorISOCard: CardSimulatorCard {
    public let atr: [UInt8] = CardSimulatorATR.iso
    /// The card's file system.
    public private(set) var fileSystem: CardSimulatorFileSystem
    private var pendingResponse: [UInt8] = []

    /// Test content of EF 0101.
    public static let greeting = Array("Buergeramtskoffer test card".utf8)
    /// Test content of EF 0102 (1000 bytes, longer than one short APDU).
    public static let longFile = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
    /// Test content of EF 0104 (read only with Le = 17).
    public static let exactFile = Array("exactly 17 bytes!".utf8)

    /// Creates the card.
    public init() {
        fileSystem = CardSimulatorFileSystem(masterFiles: [
            CardSimulatorFile(fid: 0x0101, sfi: 0x01, content: Self.greeting, write: .always),
            CardSimulatorFile(fid: 0x0102, sfi: 0x02, content: Self.longFile),
            CardSimulatorFile(fid: 0x0103, content: Array("FCP via GET RESPONSE".utf8)),
            CardSimulatorFile(fid: 0x0104, content: Self.exactFile),
        ])
    }

    public func powerOn() { reset() }
    public func powerOff() { reset() }

    public func reset() {
        fileSystem.resetSelection()
        pendingResponse = []
    }

    public func respond(to apdu: [UInt8]) -> [UInt8] {
        guard let command = try? ISO7816CommandAPDU(bytes: apdu) else { return CardSimulatorResponse.status(0x6700) }
        guard command.cla & 0xF0 == 0 || command.cla == 0x80 else { return CardSimulatorResponse.status(0x6E00) }
        switch command.ins {
        case 0xA4:
            let response = fileSystem.select(command)
            if command.data == [0x01, 0x03], command.p2 != 0x0C, response.count > 2 {
                // T=0 style: announce the FCP with 61xx and hand it out on GET RESPONSE.
                pendingResponse = Array(response.dropLast(2))
                return CardSimulatorResponse.status(0x6100 | UInt16(min(pendingResponse.count, 0xFF)))
            }
            return response
        case 0xC0:
            guard !pendingResponse.isEmpty else { return CardSimulatorResponse.status(0x6985) }
            let count = min(command.ne ?? 256, pendingResponse.count)
            let part = Array(pendingResponse.prefix(count))
            pendingResponse.removeFirst(count)
            if pendingResponse.isEmpty { return CardSimulatorResponse.data(part) }
            return CardSimulatorResponse.data(part, 0x6100 | UInt16(min(pendingResponse.count, 0xFF)))
        case 0xB0:
            if fileSystem.currentFileID == 0x0104, command.p1 & 0x80 == 0, command.ne != Self.exactFile.count {
                return CardSimulatorResponse.status(0x6C00 | UInt16(Self.exactFile.count))
            }
            return fileSystem.readBinary(command) { $0 == .always }
        case 0xD6:
            return fileSystem.updateBinary(command) { $0 == .always }
        default:
            return CardSimulatorResponse.status(0x6D00)
        }
    }
}
