import Crypto
import Foundation

/// The server's signature over a dossier manifest: JWS compact serialization (RFC 7515) with
/// ES256 (RFC 7518 §3.4: ECDSA P-256 / SHA-256, raw `r ‖ s`), made with the server's dossier
/// signing key — a key of its own, not the data key or the TLS key (BSI CON.1.A4). The payload
/// is exactly the bytes of `manifest.json`.
public enum DossierSignature {
    /// The protected header, fixed so signatures are comparable: `{"alg":"ES256","kid":…,"typ":"JOSE"}`.
    static func protectedHeader(keyId: String) -> [UInt8] {
        Array(#"{"alg":"ES256","kid":"\#(keyId)","typ":"JOSE"}"#.utf8)
    }

    /// The key id: the first 16 hex digits of the SHA-256 of the public key's uncompressed point.
    public static func keyId(_ key: P256.Signing.PublicKey) -> String {
        String(Hex.encode(SHA256.hash(data: key.x963Representation)).prefix(16))
    }

    public static func sign(manifest: [UInt8], with key: P256.Signing.PrivateKey) throws(DossierError) -> String {
        let signingInput =
            Base64URL.encode(protectedHeader(keyId: keyId(key.publicKey))) + "." + Base64URL.encode(manifest)
        do {
            let signature = try key.signature(for: Array(signingInput.utf8))
            return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
        } catch {
            throw .signature("the manifest cannot be signed: \(error)")
        }
    }

    /// Checks `jws` against the manifest bytes and the server's public dossier key.
    public static func verify(_ jws: String, manifest: [UInt8], key: P256.Signing.PublicKey) throws(DossierError) {
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(String(parts[0])),
            let payload = Base64URL.decode(String(parts[1])), let signature = Base64URL.decode(String(parts[2]))
        else {
            throw .signature("manifest.jws is not a JWS in compact serialization")
        }
        guard
            let fields = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any],
            fields["alg"] as? String == "ES256"
        else {
            throw .signature("the JWS header does not name ES256")
        }
        guard payload == manifest else { throw .signature("the JWS payload is not manifest.json") }
        guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
            key.isValidSignature(ecdsa, for: Array("\(parts[0]).\(parts[1])".utf8))
        else {
            throw .signature("the server signature does not verify with the given server dossier key")
        }
    }
}

/// base64url without padding (RFC 4648 §5), as JWS uses it.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// nil for characters outside the alphabet, padding, or an impossible length.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0.isBase64URL }), text.utf8.count % 4 != 1 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        // Only the canonical encoding: no unused bits set in the last character.
        guard encode(Array(data)) == text else { return nil }
        return Array(data)
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-")
            || self == UInt8(ascii: "_")
    }
}
