import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The kit's TLS identity towards the sync server (RFC 8446/5246 client authentication), kept in
/// the keys folder apart from the signing and sealing keys (BSI CON.1.A4):
/// - `tls-client.key`: the kit's own P-256 key for TLS client authentication only (0600);
/// - `tls-client.pem`: its client certificate, issued by the server's kit CA at enrollment;
/// - `server-ca.pem`: the kit CA certificate pinned at enrollment, the only trust root for the
///   server's certificate.
public struct KitTLSIdentity: Sendable {
    public let clientCertificate: Certificate
    public let authority: Certificate
    let privateKey: P256.Signing.PrivateKey

    static func keyPath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-client.key" }
    static func certificatePath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-client.pem" }
    static func authorityPath(_ keys: KitKeyStore) -> String { keys.directory + "/server-ca.pem" }

    /// The identity installed at enrollment, or nil when the kit has none yet.
    public static func load(from keys: KitKeyStore) throws(KeyStoreError) -> KitTLSIdentity? {
        guard let rawKey = try SecretFile.read(keyPath(keys)) else { return nil }
        guard let rawCertificate = try SecretFile.read(certificatePath(keys)),
            let rawAuthority = try SecretFile.read(authorityPath(keys))
        else { return nil }
        let key: P256.Signing.PrivateKey
        do { key = try P256.Signing.PrivateKey(rawRepresentation: rawKey) } catch {
            throw .damaged(path: keyPath(keys), reason: "not a P-256 private key")
        }
        let certificate: Certificate
        do { certificate = try Certificate(pemEncoded: String(decoding: rawCertificate, as: UTF8.self)) } catch {
            throw .damaged(path: certificatePath(keys), reason: "not a PEM certificate")
        }
        let authority: Certificate
        do { authority = try Certificate(pemEncoded: String(decoding: rawAuthority, as: UTF8.self)) } catch {
            throw .damaged(path: authorityPath(keys), reason: "not a PEM certificate")
        }
        return KitTLSIdentity(clientCertificate: certificate, authority: authority, privateKey: key)
    }

    /// Stores the key, the certificate and the pinned CA (enrollment).
    func save(to keys: KitKeyStore) throws(KeyStoreError) {
        let certificatePEM: String
        let authorityPEM: String
        do {
            certificatePEM = try clientCertificate.serializeAsPEM().pemString
            authorityPEM = try authority.serializeAsPEM().pemString
        } catch {
            throw .cannotWrite(path: Self.certificatePath(keys), reason: "\(error)")
        }
        try SecretFile.write(Array(privateKey.rawRepresentation), to: Self.keyPath(keys))
        try SecretFile.write(Array(certificatePEM.utf8), to: Self.certificatePath(keys))
        try SecretFile.write(Array(authorityPEM.utf8), to: Self.authorityPath(keys))
    }

    /// A PKCS#10 request (RFC 2986) for `key` with subject CN = kit id, signed with ECDSA-SHA256.
    static func certificateRequest(kitId: String, key: P256.Signing.PrivateKey) throws -> String {
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(kitId) },
            privateKey: Certificate.PrivateKey(key), attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256)
        return try request.serializeAsPEM().pemString
    }

    /// The client side of the sync link: TLS 1.2+ with the TR-02102-2 suites and curves, the
    /// pinned kit CA as the only trust root (host name checked), and this kit's certificate.
    public func clientConfiguration() throws -> TLSConfiguration {
        var configuration = Self.pinnedConfiguration(authority: try Self.der(authority))
        configuration.certificateChain = [
            .certificate(try NIOSSLCertificate(bytes: try Self.der(clientCertificate), format: .der))
        ]
        configuration.privateKey = .privateKey(
            try NIOSSLPrivateKey(bytes: Array(privateKey.derRepresentation), format: .der))
        return configuration
    }

    /// TLS towards a server whose certificate must chain to `authority` (DER), without a client
    /// certificate (enrollment).
    static func pinnedConfiguration(authority: [UInt8]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ]
        configuration.curves = [.secp256r1, .secp384r1]
        configuration.certificateVerification = .fullVerification
        if let root = try? NIOSSLCertificate(bytes: authority, format: .der) {
            configuration.trustRoots = .certificates([root])
        } else {
            // No usable root: trust nothing rather than the system store.
            configuration.trustRoots = .certificates([])
        }
        return configuration
    }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// SHA-256 over a certificate's DER encoding, colon-separated hex (as `sync-server kits enroll` prints it).
    public static func fingerprint(of certificate: Certificate) -> String {
        guard let bytes = try? der(certificate) else { return "" }
        return SHA256.hash(data: bytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }
}
