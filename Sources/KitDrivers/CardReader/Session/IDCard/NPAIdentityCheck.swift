/// What the Änderungsterminal established about the card holder: identity and address read
/// after PACE, TA and CA, with the terminal certificate used (for the outbox transaction).
public struct NPAIdentityCheck: Equatable, Sendable {
    /// DG4, DG5, DG8.
    public var identity: NPAIdentity
    /// DG17.
    public var placeOfResidence: NPAPlaceOfResidence
    /// CHR of the terminal certificate.
    public var terminalHolder: String

    /// Creates the value.
    public init(identity: NPAIdentity, placeOfResidence: NPAPlaceOfResidence, terminalHolder: String) {
        self.identity = identity
        self.placeOfResidence = placeOfResidence
        self.terminalHolder = terminalHolder
    }
}
