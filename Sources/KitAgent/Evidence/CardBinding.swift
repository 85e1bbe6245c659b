import Crypto
import KitCore
import KitDrivers

/// Binds an `identity.checked` and the `address.changed` that follows to the same ID card holder
/// without sealing the holder's data in clear: HMAC-SHA256 over the holder data the kit read from
/// the chip (DG4 given names, DG5 family names, DG8 date of birth, in the card's spelling), keyed
/// with a key derived from the case id.
///
/// Data minimisation: the binding reveals nothing the server does not already hold in its
/// register, and because the key differs per case the same person's bindings cannot be linked
/// across cases. Restricted Identification (TR-03110-2 §3.6) would bind the chip itself, but needs
/// a sector key this kit does not have; the holder data read inside the same secure channel that
/// writes DG17 is what the kit can prove.
public struct CardBinding: Sendable, Equatable, CustomStringConvertible {
    /// Lowercase hex of the 32-byte HMAC.
    public let value: String

    /// The binding of a card holder's identity within one case.
    public init(identity: NPAIdentity, caseId: String) {
        let key = SymmetricKey(data: SHA256.hash(data: Array("kit.card-binding.v1|\(caseId)".utf8)))
        let fields = [
            IdentityStation.cardText(identity.givenNames), IdentityStation.cardText(identity.familyNames),
            identity.dateOfBirth.filter(\.isNumber),
        ]
        // Unit separators keep field boundaries unambiguous.
        let message = Array(fields.joined(separator: "\u{1F}").utf8)
        value = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: message, using: key)))
    }

    public var description: String { value }
}
