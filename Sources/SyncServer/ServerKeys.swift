import Crypto
import Foundation
import KitCore

#if canImport(Glibc)
    import Glibc
#endif

/// The server's keys in `<state>/keys` (mode 0700): the data key that kits seal payloads to
/// (`data-key.pem`, private, 0600, created on first start) and its public half
/// (`data-key.pub.pem`) that enrollment hands to kits, the operator token, and the kit CA
/// (``KitCertificateAuthority``, own key). The server's TLS key is another file again
/// (``ServerTLSIdentity``): one key per purpose (BSI CON.1.A4).
public struct ServerKeys: Sendable {
    public let dataKey: P256.KeyAgreement.PrivateKey
    public let directory: String
    /// SHA-256 of the back-office operator token (`keys/admin.token`, 0600).
    public let adminTokenHash: [UInt8]
    /// The kit CA that signs kit client certificates and the server's TLS certificate.
    public let authority: KitCertificateAuthority
    /// Signs hand-off dossier manifests (`dossier-signing-key.pem`, 0600; public half
    /// `dossier-signing-key.pub.pem` for the receiving procedures): a key of its own.
    public let dossierSigningKey: P256.Signing.PrivateKey
    /// Signs wipe orders to lost kits (`kit-order-signing-key.pem`, 0600): a key of its own,
    /// pinned by each kit at its first checkout (issue #17).
    public let kitOrderSigningKey: P256.Signing.PrivateKey
    /// Signs audit exports (`audit-signing-key.pem`, 0600; public half `audit-signing-key.pub.pem`
    /// for the data-protection officer's verifier): a key of its own (issue #17).
    public let auditSigningKey: P256.Signing.PrivateKey

    public static func loadOrCreate(in stateDirectory: StateDirectory) throws(SyncServerError) -> ServerKeys {
        let directory = stateDirectory.appending("keys")
        let privatePath = directory + "/data-key.pem"
        let publicPath = directory + "/data-key.pub.pem"
        do {
            if !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            }
            let adminPath = directory + "/admin.token"
            if !FileManager.default.fileExists(atPath: adminPath) {
                try PrivateFile.write(Array(BearerToken.generate().utf8), to: adminPath)
            }
            let adminToken = String(decoding: FileManager.default.contents(atPath: adminPath) ?? Data(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !adminToken.isEmpty else {
                throw SyncServerError.keys(path: adminPath, reason: "empty operator token")
            }
            let adminTokenHash = BearerToken.hash(adminToken)
            let authority = try KitCertificateAuthority.loadOrCreate(keysDirectory: directory)
            let dossierSigningKey = try loadOrCreateDossierSigningKey(in: directory)
            let kitOrderSigningKey = try loadOrCreateSigningKey(in: directory, name: "kit-order-signing-key")
            let auditSigningKey = try loadOrCreateSigningKey(in: directory, name: "audit-signing-key")
            if let data = FileManager.default.contents(atPath: privatePath) {
                let key = try P256.KeyAgreement.PrivateKey(pemRepresentation: String(decoding: data, as: UTF8.self))
                return ServerKeys(
                    dataKey: key, directory: directory, adminTokenHash: adminTokenHash, authority: authority,
                    dossierSigningKey: dossierSigningKey, kitOrderSigningKey: kitOrderSigningKey,
                    auditSigningKey: auditSigningKey)
            }
            let key = P256.KeyAgreement.PrivateKey()
            try PrivateFile.write(Array(key.pemRepresentation.utf8), to: privatePath)
            try PrivateFile.write(Array(key.publicKey.pemRepresentation.utf8), to: publicPath, mode: 0o644)
            return ServerKeys(
                dataKey: key, directory: directory, adminTokenHash: adminTokenHash, authority: authority,
                dossierSigningKey: dossierSigningKey, kitOrderSigningKey: kitOrderSigningKey,
                auditSigningKey: auditSigningKey)
        } catch let error as SyncServerError {
            throw error
        } catch {
            throw .keys(path: directory, reason: String(describing: error))
        }
    }

    /// The dossier signing key, created on first use with its public half beside it.
    static func loadOrCreateDossierSigningKey(in directory: String) throws -> P256.Signing.PrivateKey {
        try loadOrCreateSigningKey(in: directory, name: "dossier-signing-key")
    }

    /// A P-256 signing key `<name>.pem`, created on first use with `<name>.pub.pem` beside it.
    static func loadOrCreateSigningKey(in directory: String, name: String) throws -> P256.Signing.PrivateKey {
        let privatePath = directory + "/\(name).pem"
        if let data = FileManager.default.contents(atPath: privatePath) {
            return try P256.Signing.PrivateKey(pemRepresentation: String(decoding: data, as: UTF8.self))
        }
        let key = P256.Signing.PrivateKey()
        // 0600 whatever the umask (PrivateFile sets the mode on the open file).
        try PrivateFile.write(Array(key.pemRepresentation.utf8), to: privatePath)
        try PrivateFile.write(
            Array(key.publicKey.pemRepresentation.utf8), to: directory + "/\(name).pub.pem", mode: 0o644)
        return key
    }

    /// The public audit key the data-protection officer verifies exports with.
    public var auditPublicKeyPath: String { directory + "/audit-signing-key.pub.pem" }

    /// The public dossier key receiving procedures verify manifests with.
    public var dossierPublicKeyPath: String { directory + "/dossier-signing-key.pub.pem" }

    /// The operator token file for back-office tools.
    public var adminTokenPath: String { directory + "/admin.token" }

    /// The kit CA certificate (public) that kits pin at enrollment (`kit-agent enroll --ca-file`).
    public var caCertificatePath: String { directory + "/" + KitCertificateAuthority.certificateFileName }

    /// Where the public data key is written for enrollment and for tests.
    public var publicKeyPath: String { directory + "/data-key.pub.pem" }
}
