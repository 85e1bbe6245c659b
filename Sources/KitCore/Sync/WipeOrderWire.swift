import Crypto
import Foundation

/// The server's order to a kit marked lost or stolen (`sync-server kits lost KIT`): hand over the
/// queue, then destroy every key, key slot, the TLS identity and the case store. It reaches the
/// kit with its checkout (``CheckoutPage/wipeOrder``) and is signed with the server's order key
/// (`keys/kit-order-signing-key.pem`, ECDSA P-256 / SHA-256, a key of its own, BSI CON.1.A4); the
/// kit obeys only an order for itself under the key it pinned (``CheckoutPage/orderKey``).
public struct WipeOrder: Codable, Sendable, Equatable {
    public var kitId: String
    /// A random id, echoed in the kit's ``WipeReport``.
    public var orderId: String
    /// When IT marked the kit lost.
    public var issuedAt: Date
    /// ECDSA P-256 / SHA-256 over ``signedBytes``, raw r‖s (64 bytes), base64 in JSON.
    public var signature: Data

    public init(kitId: String, orderId: String, issuedAt: Date, signature: Data = Data()) {
        self.kitId = kitId
        self.orderId = orderId
        self.issuedAt = issuedAt
        self.signature = signature
    }

    /// What the signature covers: a fixed label, the kit, the order id and the time in ms.
    public var signedBytes: Data {
        let millis = Int64((issuedAt.timeIntervalSince1970 * 1000).rounded())
        return Data("buergeramtskoffer wipe order v1\n\(kitId)\n\(orderId)\n\(millis)".utf8)
    }

    /// The order signed with the server's order key.
    public static func signed(
        kitId: String, orderId: String, issuedAt: Date, key: P256.Signing.PrivateKey
    ) throws -> WipeOrder {
        // Whole seconds, so the signed text survives the JSON round trip (ISO 8601 without
        // fractions, ``WireCoding``).
        let issued = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        var order = WipeOrder(kitId: kitId, orderId: orderId, issuedAt: issued)
        order.signature = try key.signature(for: order.signedBytes).rawRepresentation
        return order
    }

    /// True when the order names `kitId` and carries a valid signature by `key`.
    public func isValid(for kitId: String, key: P256.Signing.PublicKey) -> Bool {
        guard self.kitId == kitId, signature.count == 64,
            let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        else { return false }
        return key.isValidSignature(parsed, for: signedBytes)
    }
}

/// `POST /v1/kits/{kit}/wiped`: the kit reports that it obeyed a wipe order.
public struct WipeReport: Codable, Sendable, Equatable {
    public var orderId: String
    /// The last seq the kit recorded before the wipe (everything up to it was handed over).
    public var lastSeq: UInt64
    public var wipedAt: Date

    public init(orderId: String, lastSeq: UInt64, wipedAt: Date) {
        self.orderId = orderId
        self.lastSeq = lastSeq
        self.wipedAt = wipedAt
    }
}
