import Foundation

/// A case as the sync server hands it to a kit at checkout: what the clerk has to do at one
/// citizen's home. Holds personal data: on the kit it is only ever stored encrypted
/// (``KitAgent/CaseStore``), and it never appears in logs.
public struct CaseSnapshot: Sendable, Codable, Equatable {
    /// Case id (not personal: an office reference such as `2026-0042`).
    public var caseId: String
    /// Server-side version; every transaction names the version it was done against.
    public var version: UInt64
    /// What the visit is for, e.g. "Ummeldung" or "Personalausweis beantragen".
    public var title: String
    /// The citizen.
    public var citizen: Citizen
    /// Steps in the order the clerk does them.
    public var steps: [CaseStep]
    /// Texts the citizen signs, by step (bound to the signature by SHA-256).
    public var textsToSign: [String]
    /// Fees to collect, in euro cents.
    public var fees: [Fee]
    /// Documents handed out at the door.
    public var documents: [Document]

    public init(
        caseId: String, version: UInt64, title: String, citizen: Citizen, steps: [CaseStep],
        textsToSign: [String] = [], fees: [Fee] = [], documents: [Document] = []
    ) {
        self.caseId = caseId
        self.version = version
        self.title = title
        self.citizen = citizen
        self.steps = steps
        self.textsToSign = textsToSign
        self.fees = fees
        self.documents = documents
    }

    /// The person visited.
    public struct Citizen: Sendable, Codable, Equatable {
        /// Id of the citizen's record in the residents' register.
        public var citizenId: String
        public var givenNames: String
        public var familyName: String
        public var dateOfBirth: String
        public var address: Address
        /// Version of the register record when the case was checked out: the `baseVersion` of an
        /// address change.
        public var registerVersion: UInt64
        public init(
            citizenId: String = "", givenNames: String, familyName: String, dateOfBirth: String, address: Address,
            registerVersion: UInt64 = 1
        ) {
            self.citizenId = citizenId
            self.givenNames = givenNames
            self.familyName = familyName
            self.dateOfBirth = dateOfBirth
            self.address = address
            self.registerVersion = registerVersion
        }
    }

    /// A German postal address as stored in the register (and on the ID card, DG17).
    public struct Address: Sendable, Codable, Equatable {
        public var street: String
        public var zip: String
        public var city: String
        public var country: String
        public init(street: String, zip: String, city: String, country: String = "D") {
            self.street = street
            self.zip = zip
            self.city = city
            self.country = country
        }
    }

    /// One fee.
    public struct Fee: Sendable, Codable, Equatable {
        public var label: String
        public var amountCents: Int
        public init(label: String, amountCents: Int) {
            self.label = label
            self.amountCents = amountCents
        }
    }

    /// One document to hand out.
    public struct Document: Sendable, Codable, Equatable {
        public var documentId: String
        public var title: String
        public init(documentId: String, title: String) {
            self.documentId = documentId
            self.title = title
        }
    }
}

/// The steps a home visit can consist of (ARCHITECTURE.md, "Data flow of a home visit").
public enum CaseStep: String, Sendable, Codable, CaseIterable {
    case identify
    case sign
    case pay
    /// The biometric photo for an ID-card or passport application (taken by the kit's camera).
    case photo
    case fingerprints
    case updateAddress = "update-address"
    case handOutDocument = "hand-out-document"
    case complete
}
