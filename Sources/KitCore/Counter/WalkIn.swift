import Foundation

/// A citizen who walks in at the counter without an appointment ("Vorsprache"), as the clerk
/// types them in: the facts a `case.opened` carries and a register lookup searches by.
public struct WalkInCitizen: Sendable, Codable, Equatable {
    public var givenNames: String
    public var familyName: String
    /// `YYYY-MM-DD`.
    public var dateOfBirth: String
    /// Only where the service needs it (or the register supplied it online).
    public var address: CaseSnapshot.Address?

    public init(givenNames: String, familyName: String, dateOfBirth: String, address: CaseSnapshot.Address? = nil) {
        self.givenNames = givenNames
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
        self.address = address
    }

    /// The longest name part, street or city accepted (the payload crosses a thin link).
    public static let maximumFieldLength = 200

    /// What is wrong with the typed facts (English, for IT), or nil. Pure; the kit checks it
    /// before recording and the server again on replay.
    public var problem: String? {
        for (name, value) in [("givenNames", givenNames), ("familyName", familyName)] {
            if value.trimmingCharacters(in: .whitespaces).isEmpty { return "\(name) is empty" }
            if value.count > Self.maximumFieldLength { return "\(name) is longer than \(Self.maximumFieldLength)" }
            if value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                return "\(name) contains control characters"
            }
        }
        guard Self.isDate(dateOfBirth) else { return "dateOfBirth is not a date YYYY-MM-DD" }
        if let address {
            for (name, value) in [("street", address.street), ("zip", address.zip), ("city", address.city)] {
                if value.trimmingCharacters(in: .whitespaces).isEmpty { return "address \(name) is empty" }
                if value.count > Self.maximumFieldLength {
                    return "address \(name) is longer than \(Self.maximumFieldLength)"
                }
            }
        }
        return nil
    }

    /// Same person by the register's keys: names (ignoring case and surrounding blanks) and date
    /// of birth.
    public func sameKeys(givenNames other: String, familyName otherFamily: String, dateOfBirth otherDate: String)
        -> Bool
    {
        Self.fold(givenNames) == Self.fold(other) && Self.fold(familyName) == Self.fold(otherFamily)
            && dateOfBirth == otherDate
    }

    /// The register's search key for a person: folded names and the date of birth. Stored beside
    /// each register record, so a lookup is one indexed equality on both databases.
    public static func personKey(givenNames: String, familyName: String, dateOfBirth: String) -> String {
        "\(fold(familyName))|\(fold(givenNames))|\(dateOfBirth)"
    }

    public var personKey: String {
        Self.personKey(givenNames: givenNames, familyName: familyName, dateOfBirth: dateOfBirth)
    }

    static func fold(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces).lowercased()
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return (1850...2200).contains(year) && (1...12).contains(month) && (1...31).contains(day)
    }
}

/// A register record as the server's register knows a citizen (the answer of a lookup, and what
/// the conflict rules compare a walk-in with).
public struct RegisterRecord: Sendable, Codable, Equatable {
    public var citizenId: String
    public var givenNames: String
    public var familyName: String
    public var dateOfBirth: String
    public var address: CaseSnapshot.Address
    public var version: UInt64

    public init(
        citizenId: String, givenNames: String, familyName: String, dateOfBirth: String,
        address: CaseSnapshot.Address, version: UInt64
    ) {
        self.citizenId = citizenId
        self.givenNames = givenNames
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
        self.address = address
        self.version = version
    }
}

/// `POST /v1/register/lookup` (kit-authenticated): search the register by name and date of birth.
public struct RegisterLookupRequest: Sendable, Codable, Equatable {
    public var givenNames: String
    public var familyName: String
    public var dateOfBirth: String

    public init(givenNames: String, familyName: String, dateOfBirth: String) {
        self.givenNames = givenNames
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
    }
}

/// The lookup's answer: the record, or nil when the register does not know the citizen (not an
/// error: a newcomer is opened with what the clerk typed).
public struct RegisterLookupAnswer: Sendable, Codable, Equatable {
    public var record: RegisterRecord?

    public init(record: RegisterRecord?) {
        self.record = record
    }
}

extension StepPayload {
    /// `case.opened`: a walk-in case the kit opened at the counter, before any of its steps. The
    /// case id is the kit's own (``walkInCaseIdPrefix(kitId:)`` and a random part), so two kits
    /// never pick the same one; the server builds the case from its own catalogue entry.
    public struct CaseOpened: Codable, Sendable, Equatable {
        public var serviceId: String
        /// The catalogue version the kit chose from.
        public var catalogueVersion: UInt64
        public var citizen: WalkInCitizen
        /// The register record the kit found online (nil offline or for a newcomer).
        public var citizenId: String?
        /// Whether the kit opened it without the register (offline): a provisional case.
        public var provisional: Bool

        public init(
            serviceId: String, catalogueVersion: UInt64, citizen: WalkInCitizen, citizenId: String?, provisional: Bool
        ) {
            self.serviceId = serviceId
            self.catalogueVersion = catalogueVersion
            self.citizen = citizen
            self.citizenId = citizenId
            self.provisional = provisional
        }
    }

    /// How a walk-in case id starts: `V-<kit id>-`; the server refuses one naming another kit.
    public static func walkInCaseIdPrefix(kitId: String) -> String { "V-\(kitId)-" }

    /// Whether `caseId` is a well-formed walk-in case id of `kitId`: the prefix, then 8 to 32
    /// letters or digits.
    public static func isWalkInCaseId(_ caseId: String, kitId: String) -> Bool {
        let prefix = walkInCaseIdPrefix(kitId: kitId)
        guard caseId.hasPrefix(prefix) else { return false }
        let rest = caseId.dropFirst(prefix.count)
        return (8...32).contains(rest.count) && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
