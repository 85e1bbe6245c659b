import Foundation
import KitDrivers
import KitSimulators

/// Hands APDUs straight to a simulated card, without pcscd: for protocol tests that need no reader.
final class CardSimulatorDirectTransport: CardReaderAPDUTransport, @unchecked Sendable {
    private let card: any CardSimulatorCard
    private let lock = NSLock()
    private(set) var log: [[UInt8]] = []

    init(card: any CardSimulatorCard) {
        self.card = card
        card.powerOn()
    }

    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        lock.withLock {
            log.append(apdu)
            return card.respond(to: apdu)
        }
    }
}

enum CardSimulatorTestData {
    static let address = NPAPlaceOfResidence.residence(
        .structured(NPAStructuredPlace(street: "HEIDESTRASSE 17", city: "KOELN", country: "D", zipCode: "51147")))

    static func npaCard(fault: CardSimulatorFault = .none) -> CardSimulatorNPACard {
        CardSimulatorNPACard(placeOfResidence: address, fault: fault)
    }
}
