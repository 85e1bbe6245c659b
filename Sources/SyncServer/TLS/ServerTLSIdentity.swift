import Crypto
import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// The server's TLS key (`keys/tls-server.key`, 0600, used for nothing else) and its certificate
/// (`keys/tls-server.pem`) issued by the kit CA for the configured host names and addresses.
///
/// The certificate is issued again on start when the host names changed, when it was issued by
/// another CA, or when it expires within 30 days; the key stays.
public struct ServerTLSIdentity: Sendable {
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey
    public let authority: KitCertificateAuthority

    static let keyFileName = "tls-server.key"
    static let certificateFileName = "tls-server.pem"
    static let validity: TimeInterval = 397 * 86_400
    static let renewBefore: TimeInterval = 30 * 86_400

    public static func loadOrCreate(
        keysDirectory: String, authority: KitCertificateAuthority, hostnames: [String], now: Date = Date()
    ) throws(SyncServerError) -> ServerTLSIdentity {
        let files = ServerKeyFiles(directory: keysDirectory)
        let keyPath = keysDirectory + "/" + keyFileName
        let certificatePath = keysDirectory + "/" + certificateFileName
        do {
            let key: P256.Signing.PrivateKey
            if let pem = try files.read(keyPath) {
                key = try P256.Signing.PrivateKey(pemRepresentation: pem)
            } else {
                key = P256.Signing.PrivateKey()
                try files.write(key.pemRepresentation, to: keyPath, mode: 0o600)
            }
            if let pem = try files.read(certificatePath),
                let existing = try? Certificate(pemEncoded: pem),
                existing.publicKey == Certificate.PublicKey(key.publicKey),
                existing.issuer == authority.certificate.subject,
                authority.certificate.publicKey.isValidSignature(existing.signature, for: existing),
                existing.notValidAfter > now + renewBefore,
                Self.names(of: existing) == Set(hostnames)
            {
                return ServerTLSIdentity(certificate: existing, privateKey: key, authority: authority)
            }
            let certificate = try authority.issueServerCertificate(
                for: key.publicKey, hostnames: hostnames, validity: validity, now: now)
            try files.write(try certificate.serializeAsPEM().pemString, to: certificatePath, mode: 0o644)
            return ServerTLSIdentity(certificate: certificate, privateKey: key, authority: authority)
        } catch let error as SyncServerError {
            throw error
        } catch {
            throw .keys(path: keysDirectory, reason: "the server TLS key or certificate cannot be used: \(error)")
        }
    }

    /// The subjectAltName entries, as configured (`tls.hostnames`).
    static func names(of certificate: Certificate) -> Set<String> {
        guard let alternativeNames = try? certificate.extensions.subjectAlternativeNames else { return [] }
        var names = Set<String>()
        for name in alternativeNames {
            switch name {
            case .dnsName(let host): names.insert(host)
            case .ipAddress(let octets):
                let bytes = Array(octets.bytes)
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                let family = bytes.count == 4 ? AF_INET : AF_INET6
                if inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil {
                    names.insert(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                }
            default: break
            }
        }
        return names
    }

    /// The listener's TLS settings: TLS 1.2 or 1.3 (1.3 preferred), TR-02102-2 cipher suites and
    /// curves, the kit CA as the only trust root for client certificates.
    ///
    /// Client certificates are optional in the handshake so that `/v1/enroll`, `/healthz` and
    /// `/v1/version` work for a kit that has none yet; a certificate that is presented must verify
    /// (issued by the kit CA, within its validity), otherwise the handshake fails. Kit routes
    /// refuse requests without one (``KitAuthenticationMiddleware``).
    public func serverConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Self.der(certificate), format: .der))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKey.derRepresentation), format: .der)))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = Self.tr02102CipherSuites
        configuration.curves = Self.tr02102Curves
        configuration.certificateVerification = .optionalVerification
        // A kit's idle pooled connection does not answer close_notify; waiting NIOSSL's default
        // 5 s for it would hold every stop (SIGTERM, systemd restart) for 5 s.
        configuration.shutdownTimeout = .seconds(1)
        configuration.trustRoots = .certificates([
            try NIOSSLCertificate(bytes: Self.der(authority.certificate), format: .der)
        ])
        return configuration
    }

    /// TLS 1.2 suites from BSI TR-02102-2 §3.3.1 for ECDSA certificates (AEAD only). BoringSSL picks
    /// its TLS 1.3 suites itself (AES-GCM first on hardware with AES instructions).
    static let tr02102CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ]
    /// Key exchange groups from BSI TR-02102-2 §3.6 (no X25519, see ARCHITECTURE.md).
    static let tr02102Curves: [NIOTLSCurve] = [.secp256r1, .secp384r1]

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
