import Foundation
import KitDrivers
import KitSimulators

enum CardSimulatorTestData {
    static let address = NPAPlaceOfResidence.residence(
        .structured(NPAStructuredPlace(street: "HEIDESTRASSE 17", city: "KOELN", country: "D", zipCode: "51147")))

    static func npaCard(fault: CardSimulatorFault = .none) -> CardSimulatorNPACard {
        CardSimulatorNPACard(placeOfResidence: address, fault: fault)
    }
}
