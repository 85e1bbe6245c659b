import Foundation
import KitDrivers

/// Hands APDUs straight to a simulated card, without pcscd: for protocol runs in one process
/// (tests, the demo's dry runs) that need no reader. Records every command APDU.
public final class CardSimulatorDirectTransport: CardReaderAPDUTransport, @unchecked Sendable {
    private let card: any CardSimulatorCard
    private let lock = NSLock()
    private var commands: [[UInt8]] = []

    /// Powers the card on.
    public init(card: any CardSimulatorCard) {
        self.card = card
        card.powerOn()
    }

    /// The command APDUs sent so far, oldest first.
    public var log: [[UInt8]] { lock.withLock { commands } }

    public func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        lock.withLock {
            commands.append(apdu)
            return card.respond(to: apdu)
        }
    }
}
