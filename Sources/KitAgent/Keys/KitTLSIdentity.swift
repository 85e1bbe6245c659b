import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The kit's TLS identity towards the sync server (RFC 8446/5246 client authentication), kept in
/// the keys folder apart from the signing and sealing keys (BSI CON.1.A4):
/// - `tls-client.key`: the kit's own P-256 key for TLS client authentication only (0600);
/// - `tls-client.pem`: its client certificate, issued by the server's kit CA at enrollment or the
///   last renewal;
/// - `server-ca.pem`: the kit CA certificate pinned at enrollment, the only trust root for the
///   server's certificate;
/// - during a renewal (``CertificateRenewal``): `tls-client.next.key`, the key the renewal asks a
///   certificate for (written before the request is sent), and `tls-client.next.pem`, the renewed
///   certificate (written when the answer arrives). Both are moved over the live files afterwards;
///   ``load(from:)`` finishes a move a crash interrupted and, until then, uses whichever
///   certificate and key belong together, preferring the renewed pair.
public struct KitTLSIdentity: Sendable {
    public let clientCertificate: Certificate
    public let authority: Certificate
    let privateKey: P256.Signing.PrivateKey

    static func keyPath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-client.key" }
    static func certificatePath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-client.pem" }
    static func authorityPath(_ keys: KitKeyStore) -> String { keys.directory + "/server-ca.pem" }
    static func nextKeyPath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-client.next.key" }
    static func nextCertificatePath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-client.next.pem" }
    static func renewalLockPath(_ keys: KitKeyStore) -> String { keys.directory + "/tls-renewal.lock" }

    /// The identity installed at enrollment or the last renewal, or nil when the kit has none yet.
    public static func load(from keys: KitKeyStore) throws(KeyStoreError) -> KitTLSIdentity? {
        // Best effort: another process renewing right now holds the lock and finishes itself.
        if let lock = try? RenewalLock.acquire(keys, wait: false) {
            try? completeInterruptedRenewal(keys)
            lock.release()
        }
        let privateKeys = [try key(at: nextKeyPath(keys)), try key(at: keyPath(keys))].compactMap { $0 }
        let certificates = [try certificate(at: nextCertificatePath(keys)), try certificate(at: certificatePath(keys))]
            .compactMap { $0 }
        guard !privateKeys.isEmpty, !certificates.isEmpty, let authority = try certificate(at: authorityPath(keys))
        else { return nil }
        for certificate in certificates {
            for key in privateKeys where certificate.publicKey == Certificate.PublicKey(key.publicKey) {
                return KitTLSIdentity(clientCertificate: certificate, authority: authority, privateKey: key)
            }
        }
        throw .damaged(
            path: certificatePath(keys),
            reason: "the client certificate does not belong to tls-client.key; enroll the kit again")
    }

    private static func certificate(at path: String) throws(KeyStoreError) -> Certificate? {
        guard let raw = try SecretFile.read(path) else { return nil }
        do { return try Certificate(pemEncoded: String(decoding: raw, as: UTF8.self)) } catch {
            throw .damaged(path: path, reason: "not a PEM certificate")
        }
    }

    private static func key(at path: String) throws(KeyStoreError) -> P256.Signing.PrivateKey? {
        guard let raw = try SecretFile.read(path) else { return nil }
        do { return try P256.Signing.PrivateKey(rawRepresentation: raw) } catch {
            throw .damaged(path: path, reason: "not a P-256 private key")
        }
    }

    /// Stores the key, the certificate and the pinned CA (enrollment). Leftovers of an earlier
    /// renewal are removed: enrollment replaces whatever the kit had.
    func save(to keys: KitKeyStore) throws(KeyStoreError) {
        let certificatePEM: String
        let authorityPEM: String
        do {
            certificatePEM = try clientCertificate.serializeAsPEM().pemString
            authorityPEM = try authority.serializeAsPEM().pemString
        } catch {
            throw .cannotWrite(path: Self.certificatePath(keys), reason: "\(error)")
        }
        try SecretFile.remove(Self.nextCertificatePath(keys))
        try SecretFile.remove(Self.nextKeyPath(keys))
        try SecretFile.write(Array(privateKey.rawRepresentation), to: Self.keyPath(keys))
        try SecretFile.write(Array(certificatePEM.utf8), to: Self.certificatePath(keys))
        try SecretFile.write(Array(authorityPEM.utf8), to: Self.authorityPath(keys))
    }

    // MARK: Renewal files (callers hold the ``RenewalLock``)

    /// The key of a renewal that was started but not finished (its request may have reached the
    /// server), or nil.
    static func pendingKey(_ keys: KitKeyStore) throws(KeyStoreError) -> P256.Signing.PrivateKey? {
        try key(at: nextKeyPath(keys))
    }

    /// Keeps the key a renewal is about to ask a certificate for, before the request is sent.
    static func savePendingKey(_ key: P256.Signing.PrivateKey, to keys: KitKeyStore) throws(KeyStoreError) {
        try SecretFile.write(Array(key.rawRepresentation), to: nextKeyPath(keys))
    }

    /// Stores a renewed certificate for the pending key, then moves both over the live files. From
    /// the first write on, ``load(from:)`` uses the new pair.
    static func installRenewed(_ certificate: Certificate, to keys: KitKeyStore) throws(KeyStoreError) {
        let pem: String
        do { pem = try certificate.serializeAsPEM().pemString } catch {
            throw .cannotWrite(path: nextCertificatePath(keys), reason: "\(error)")
        }
        try SecretFile.write(Array(pem.utf8), to: nextCertificatePath(keys))
        try completeInterruptedRenewal(keys)
    }

    /// Rolls a stored renewal forward: `tls-client.next.key` → `tls-client.key`, then
    /// `tls-client.next.pem` → `tls-client.pem`, each a rename, then the folder is synced. A
    /// renewed certificate that belongs to no key the kit holds is removed.
    static func completeInterruptedRenewal(_ keys: KitKeyStore) throws(KeyStoreError) {
        guard let renewed = try certificate(at: nextCertificatePath(keys)) else { return }
        if let next = try key(at: nextKeyPath(keys)), renewed.publicKey == Certificate.PublicKey(next.publicKey) {
            try SecretFile.move(nextKeyPath(keys), to: keyPath(keys))
        }
        if let live = try key(at: keyPath(keys)), renewed.publicKey == Certificate.PublicKey(live.publicKey) {
            try SecretFile.move(nextCertificatePath(keys), to: certificatePath(keys))
        } else {
            try SecretFile.remove(nextCertificatePath(keys))
        }
        try SecretFile.syncDirectory(keys.directory)
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
    ///
    /// TLS 1.3 suites cannot be set in swift-nio-ssl: BoringSSL's client offers AES-128-GCM,
    /// AES-256-GCM and then ChaCha20 on processors with AES instructions, and the sync server
    /// refuses a ClientHello that prefers ChaCha20 (`TLSClientHelloPolicy`), so the link uses only
    /// the TR-02102-2 suites; a kit without AES instructions fails the handshake instead.
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
