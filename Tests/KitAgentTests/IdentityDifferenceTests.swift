import Foundation
import KitCore
import KitDrivers
import Testing

@testable import KitAgent

/// The card's and the case's values side by side for the clerk (issue #20), from what the chip
/// sent: dates as TT.MM.JJJJ, anything odd shown as it is, never a crash.
@Suite("Identity differences: both values side by side, hostile card data shown as it is")
struct IdentityDifferenceTests {
    static let citizen = CaseSnapshot.Citizen(
        givenNames: "Friederike", familyName: "Probe", dateOfBirth: "1941-11-03",
        address: .init(street: "Große Bleiche 5", zip: "55116", city: "Mainz"))

    @Test func onlyTheDifferingFieldsWithBothValues() {
        let card = NPAIdentity(givenNames: "HILDEGARD", familyNames: "PROBE", dateOfBirth: "19370402")
        #expect(
            IdentityDifference.differences(card, with: Self.citizen) == [
                .init(field: "givenNames", card: "HILDEGARD", caseValue: "Friederike"),
                .init(field: "dateOfBirth", card: "02.04.1937", caseValue: "03.11.1941"),
            ])
        let same = NPAIdentity(givenNames: "FRIEDERIKE", familyNames: "PROBE", dateOfBirth: "19411103")
        #expect(IdentityDifference.differences(same, with: Self.citizen).isEmpty)
    }

    @Test(arguments: [
        ("19640812", "12.08.1964"), ("1964-08-12", "12.08.1964"), ("1964    ", "1964"), ("", ""),
        ("        ", ""), ("196408", "196408"), ("1964081299", "1964081299"), ("١٩٦٤٠٨١٢", "١٩٦٤٠٨١٢"),
        ("19\u{0}640812", "12.08.1964"),
    ])
    func datesFromTheCard(_ raw: String, _ shown: String) {
        #expect(IdentityDifference.germanDate(raw) == shown)
    }

    @Test func encodesTheCaseValueAsCase() throws {
        let json = try JSONEncoder().encode(IdentityDifference(field: "familyName", card: "A", caseValue: "B"))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: String])
        #expect(object == ["field": "familyName", "card": "A", "case": "B"])
    }
}
