import Crypto
import Foundation

/// The public key a receiving procedure gives the city for its dossiers: HPKE recipient key,
/// P-256 (BSI TR-02102-1), as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, RFC 5480).
public enum ConsumerPublicKey {
    public static let maximumFileBytes = 8 << 10

    /// Reads a key file; the error says what is wrong with it.
    public static func parse(_ bytes: [UInt8]) throws(HandoffInputError) -> P256.KeyAgreement.PublicKey {
        guard !bytes.isEmpty else { throw .invalid("the key file is empty") }
        guard bytes.count <= maximumFileBytes else {
            throw .invalid("the key file is larger than \(maximumFileBytes) bytes: not a public key")
        }
        guard let text = String(validating: bytes, as: UTF8.self), text.allSatisfy(\.isASCII) else {
            throw .invalid("the key file is not PEM text (-----BEGIN PUBLIC KEY-----)")
        }
        if text.contains("PRIVATE KEY") {
            throw .invalid("the key file holds a PRIVATE key: give the city only the public key (openssl pkey -pubout)")
        }
        guard text.contains("-----BEGIN PUBLIC KEY-----") else {
            throw .invalid("the key file is not a PEM public key (-----BEGIN PUBLIC KEY-----)")
        }
        do {
            return try P256.KeyAgreement.PublicKey(pemRepresentation: text)
        } catch {
            throw .invalid("the key is not a valid P-256 public key (other curves and RSA are not accepted)")
        }
    }

    /// The key as the store keeps it: the uncompressed point (X9.63).
    public static func x963(fromFile bytes: [UInt8]) throws(HandoffInputError) -> [UInt8] {
        Array(try parse(bytes).x963Representation)
    }
}
