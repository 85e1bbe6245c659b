extension StepPayload {
    /// `identity.checked`: the outcome of comparing the ID card (DG4, DG5, DG8) with the case's
    /// citizen, or a clerk's documented override when no matching card could be read.
    ///
    /// Data minimisation: the card's data groups are not sealed, only which fields differ and a
    /// ``cardBinding`` — a keyed hash, salted with the case id, of the holder data the kit read. It
    /// tells the server that the card later written to is the card checked here, without the names
    /// in clear, and it cannot be linked across cases.
    public struct IdentityCheck: Codable, Sendable, Equatable {
        /// Whether names and date of birth match the case's citizen.
        public var matchesCase: Bool
        /// The fields that differ: `givenNames`, `familyName`, `dateOfBirth`.
        public var mismatches: [String]
        /// The chip proved itself genuine (Chip Authentication).
        public var chipAuthenticated: Bool
        /// The terminal certificate the kit used (its holder reference); empty for an override.
        public var terminal: String
        /// The card's binding for this case (lowercase hex); nil for an override.
        public var cardBinding: String?
        /// Set when the clerk recorded an override instead of a matching card: the documented reason.
        /// An override never allows writing to a chip.
        public var overrideReason: String?

        public init(
            matchesCase: Bool, mismatches: [String], chipAuthenticated: Bool, terminal: String,
            cardBinding: String? = nil, overrideReason: String? = nil
        ) {
            self.matchesCase = matchesCase
            self.mismatches = mismatches
            self.chipAuthenticated = chipAuthenticated
            self.terminal = terminal
            self.cardBinding = cardBinding
            self.overrideReason = overrideReason
        }

        /// The check proves the case's citizen holds the card with `cardBinding`.
        public var verifiedCardBinding: String? {
            guard matchesCase, chipAuthenticated, overrideReason == nil else { return nil }
            return cardBinding
        }
    }
}
