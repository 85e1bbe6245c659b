import Crypto
import Foundation
import KitCore
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// The kit CA of one sync server: issues the kits' TLS client certificates (from their PKCS#10
/// requests at enrollment) and the server's own TLS certificate. P-256 with ECDSA-SHA256 (BSI
/// TR-02102-1 §3.3 and §5.1.2).
///
/// One CA for both directions keeps what a kit has to pin to one certificate (`keys/kit-ca.pem`,
/// handed out at enrollment). Client certificates carry only the `clientAuth` extended key usage
/// and the server certificate only `serverAuth`, so neither can stand in for the other. The CA key
/// (`keys/kit-ca.key`, 0600) never leaves the server's state directory; it signs nothing but
/// certificates (BSI CON.1.A4: one key per purpose).
public struct KitCertificateAuthority: Sendable {
    /// The self-signed CA certificate kits pin.
    public let certificate: Certificate
    private let privateKey: P256.Signing.PrivateKey

    /// File names in the server's `keys` folder.
    public static let certificateFileName = "kit-ca.pem"
    static let keyFileName = "kit-ca.key"
    /// How long a new CA certificate is valid.
    static let validity: TimeInterval = 10 * 365 * 86_400
    /// Certificates are backdated a little so a kit whose clock is a few minutes behind accepts them.
    static let clockSkewAllowance: TimeInterval = 300

    init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Loads the CA from `keysDirectory` or creates it there on first start.
    public static func loadOrCreate(keysDirectory: String, now: Date = Date()) throws(SyncServerError)
        -> KitCertificateAuthority
    {
        let certificatePath = keysDirectory + "/" + certificateFileName
        let keyPath = keysDirectory + "/" + keyFileName
        let files = ServerKeyFiles(directory: keysDirectory)
        if let keyPEM = try files.read(keyPath) {
            guard let certificatePEM = try files.read(certificatePath) else {
                throw .keys(
                    path: certificatePath,
                    reason: "the kit CA key exists but its certificate is missing; restore it from the backup")
            }
            do {
                let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
                let certificate = try Certificate(pemEncoded: certificatePEM)
                guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
                    throw SyncServerError.keys(
                        path: certificatePath, reason: "the kit CA certificate does not belong to kit-ca.key")
                }
                return KitCertificateAuthority(certificate: certificate, privateKey: key)
            } catch let error as SyncServerError {
                throw error
            } catch {
                throw .keys(path: keysDirectory, reason: "the kit CA files cannot be read: \(error)")
            }
        }
        let key = P256.Signing.PrivateKey()
        do {
            let name = try DistinguishedName {
                OrganizationName("Buergeramtskoffer sync-server")
                CommonName("Buergeramtskoffer Kit CA")
            }
            let publicKey = Certificate.PublicKey(key.publicKey)
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: now - clockSkewAllowance, notValidAfter: now + validity, issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(keyIdentifier: keyIdentifier(key.publicKey))
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            try files.write(key.pemRepresentation, to: keyPath, mode: 0o600)
            try files.write(try certificate.serializeAsPEM().pemString, to: certificatePath, mode: 0o644)
            return KitCertificateAuthority(certificate: certificate, privateKey: key)
        } catch let error as SyncServerError {
            throw error
        } catch {
            throw .keys(path: keysDirectory, reason: "cannot create the kit CA: \(error)")
        }
    }

    /// The CA certificate in PEM form, as enrollment hands it to kits.
    public var certificatePEM: String {
        (try? certificate.serializeAsPEM().pemString) ?? ""
    }

    /// SHA-256 over the CA certificate's DER encoding, as colon-separated hex: what an operator
    /// compares when handing `kit-ca.pem` to a kit.
    public var fingerprint: String {
        Self.fingerprint(of: certificate)
    }

    /// SHA-256 fingerprint of any certificate, colon-separated hex.
    public static func fingerprint(of certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return "" }
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// Issues a kit's TLS client certificate from its PKCS#10 request (RFC 2986): the request's
    /// signature must verify with its own key, the key must be P-256 and the subject's common name
    /// must be the kit id the enrollment token was issued for.
    public func issueClientCertificate(
        csrPEM: String, kitId: String, validity: TimeInterval, now: Date = Date()
    ) throws(CertificateIssuanceError) -> Certificate {
        let request = try Self.verifiedRequest(csrPEM: csrPEM, kitId: kitId)
        guard let kitKey = P256.Signing.PublicKey(request.publicKey) else {
            throw .unsupportedKey
        }
        do {
            return try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: request.publicKey,
                notValidBefore: now - Self.clockSkewAllowance, notValidAfter: now + validity,
                issuer: certificate.subject, subject: try DistinguishedName { CommonName(kitId) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.clientAuth])
                    SubjectKeyIdentifier(keyIdentifier: Self.keyIdentifier(kitKey))
                    AuthorityKeyIdentifier(keyIdentifier: Self.keyIdentifier(privateKey.publicKey))
                },
                issuerPrivateKey: Certificate.PrivateKey(privateKey))
        } catch {
            throw .signingFailed(reason: "\(error)")
        }
    }

    /// A PKCS#10 request whose signature verifies with its own P-256 key and whose subject's common
    /// name is `kitId`; at most ``maximumRequestLength`` characters of PEM.
    public static func verifiedRequest(csrPEM: String, kitId: String) throws(CertificateIssuanceError)
        -> CertificateSigningRequest
    {
        let request: CertificateSigningRequest
        do {
            guard csrPEM.utf8.count <= maximumRequestLength else { throw CertificateIssuanceError.malformedRequest }
            request = try CertificateSigningRequest(pemEncoded: csrPEM)
        } catch {
            throw .malformedRequest
        }
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw .badSignature
        }
        let commonName = Self.commonName(of: request.subject)
        guard commonName == kitId else {
            throw .wrongSubject(expected: kitId, found: commonName)
        }
        guard P256.Signing.PublicKey(request.publicKey) != nil else {
            throw .unsupportedKey
        }
        return request
    }

    /// Longest certificate request accepted (a kit's P-256 request is about 400 characters).
    public static let maximumRequestLength = 8192

    /// Issues the server's TLS certificate for its host names and IP addresses.
    func issueServerCertificate(
        for key: P256.Signing.PublicKey, hostnames: [String], validity: TimeInterval, now: Date = Date()
    ) throws -> Certificate {
        let names: [GeneralName] = hostnames.map { name in
            if let address = IPAddressBytes.parse(name) {
                return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(address)))
            }
            return .dnsName(name)
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key),
            notValidBefore: now - Self.clockSkewAllowance, notValidAfter: now + validity,
            issuer: certificate.subject,
            subject: try DistinguishedName { CommonName(hostnames.first ?? "sync-server") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(keyIdentifier: Self.keyIdentifier(key))
                AuthorityKeyIdentifier(keyIdentifier: Self.keyIdentifier(privateKey.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
    }

    /// The first common name in a distinguished name.
    public static func commonName(of name: DistinguishedName) -> String? {
        for relativeName in name {
            for attribute in relativeName where attribute.type == .RDNAttributeType.commonName {
                return String(attribute.value)
            }
        }
        return nil
    }

    /// Key identifier: the leftmost 160 bits of SHA-256 over the public key (RFC 7093 §2 method 1).
    static func keyIdentifier(_ key: P256.Signing.PublicKey) -> ArraySlice<UInt8> {
        ArraySlice(SHA256.hash(data: key.x963Representation).prefix(20))
    }
}

/// Why a kit's certificate request was not signed; the enrollment endpoint answers with the sentence.
public enum CertificateIssuanceError: Error, Equatable, CustomStringConvertible {
    /// The request is not a PEM-encoded PKCS#10 certificate request.
    case malformedRequest
    /// The request's signature does not verify with the key it carries.
    case badSignature
    /// The subject's common name is not the kit id of the enrollment token.
    case wrongSubject(expected: String, found: String?)
    /// The request's key is not a P-256 key (BSI TR-02102-1).
    case unsupportedKey
    /// The CA could not sign (should not happen; the server log has the details).
    case signingFailed(reason: String)

    public var description: String {
        switch self {
        case .malformedRequest:
            return "the certificate request is not a PEM-encoded PKCS#10 request; update kit-agent and enroll again"
        case .badSignature:
            return "the certificate request's signature does not verify; the request was altered or broken on the way"
        case .wrongSubject(let expected, let found):
            return
                "the certificate request names kit \(found ?? "(no common name)") but the token is for kit \(expected)"
        case .unsupportedKey:
            return "the certificate request's key is not a P-256 key; update kit-agent and enroll again"
        case .signingFailed(let reason):
            return "the kit CA could not sign the certificate: \(reason)"
        }
    }
}

/// IPv4/IPv6 literals for subjectAltName iPAddress entries.
enum IPAddressBytes {
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

/// Reads and writes the server's key and certificate files with fixed modes.
struct ServerKeyFiles {
    let directory: String

    func read(_ path: String) throws(SyncServerError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .keys(path: path, reason: "the file cannot be read (check owner and mode)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    func write(_ text: String, to path: String, mode: Int) throws(SyncServerError) {
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .keys(path: directory, reason: "\(error)")
            }
        }
        do {
            try PrivateFile.write(Array(text.utf8), to: path, mode: mode_t(mode))
        } catch {
            throw .keys(path: path, reason: error.description)
        }
    }
}
