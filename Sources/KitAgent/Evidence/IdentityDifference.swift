import Foundation
import KitCore
import KitDrivers

/// One field in which the ID card on the reader differs from the case's citizen, with both values
/// as the clerk compares them: the card's as printed on it (upper case), the case's as the register
/// holds it, dates as `TT.MM.JJJJ`. Shown on the clerk's screen only; the sealed transaction keeps
/// just the field names (data minimisation, see ``StepPayload/IdentityCheck``).
public struct IdentityDifference: Codable, Sendable, Equatable {
    /// `givenNames`, `familyName` or `dateOfBirth` (the names of ``StepPayload/IdentityCheck/mismatches``).
    public var field: String
    /// The value on the card.
    public var card: String
    /// The value in the case.
    public var caseValue: String

    enum CodingKeys: String, CodingKey {
        case field, card
        case caseValue = "case"
    }

    public init(field: String, card: String, caseValue: String) {
        self.field = field
        self.card = card
        self.caseValue = caseValue
    }

    /// The differing fields of `identity` against `citizen`, in the order of
    /// ``IdentityStation/mismatches(_:with:)``.
    static func differences(_ identity: NPAIdentity, with citizen: CaseSnapshot.Citizen) -> [IdentityDifference] {
        IdentityStation.mismatches(identity, with: citizen).map { field in
            switch field {
            case "givenNames":
                return IdentityDifference(field: field, card: identity.givenNames, caseValue: citizen.givenNames)
            case "familyName":
                return IdentityDifference(field: field, card: identity.familyNames, caseValue: citizen.familyName)
            default:
                return IdentityDifference(
                    field: field, card: germanDate(identity.dateOfBirth), caseValue: germanDate(citizen.dateOfBirth))
            }
        }
    }

    /// `19640812` or `1964-08-12` → `12.08.1964`; anything else (unknown parts on the card) as it is.
    static func germanDate(_ text: String) -> String {
        let digits = text.filter { $0.isASCII && $0.isNumber }
        guard digits.count == 8 else { return text.trimmingCharacters(in: .whitespaces) }
        let year = digits.prefix(4)
        let month = digits.dropFirst(4).prefix(2)
        let day = digits.suffix(2)
        return "\(day).\(month).\(year)"
    }
}
