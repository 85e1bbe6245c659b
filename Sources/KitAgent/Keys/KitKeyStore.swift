import Crypto
import Foundation
import KitCore

/// The kit's keys in `<state>/keys` (mode 0700), one per purpose (BSI CON.1.A4):
/// - `signing.key`: the kit's ECDSA P-256 key that signs every envelope (created on first use);
/// - `server-data-key.pem`: the sync server's P-256 public key that payloads are sealed to;
/// - `key-slots.json`: the local storage key, wrapped once per clerk under that clerk's unlock
///   secret (``KeySlot``, ``KitLock``); `storage.key.sealed` on kits from before clerks.
/// TLS keys live apart (enrollment).
public struct KitKeyStore: Sendable {
    /// The keys folder.
    public let directory: String

    public init(stateDirectory: StateDirectory) throws(KeyStoreError) {
        directory = stateDirectory.appending("keys")
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw .cannotWrite(path: directory, reason: String(cString: strerror(errno)))
            }
        }
    }

    var signingKeyPath: String { directory + "/signing.key" }
    var serverDataKeyPath: String { directory + "/server-data-key.pem" }
    var wrappedStorageKeyPath: String { directory + "/storage.key.sealed" }
    /// The storage key wrapped once per clerk (``KeySlot``).
    var keySlotsPath: String { directory + "/key-slots.json" }
    /// The clerk who had the kit last (the next unlock by another clerk is a hand-over).
    var holderPath: String { directory + "/holder.json" }
    /// The server's clerk list for this kit as of the last checkout.
    var clerkRosterPath: String { directory + "/clerk-roster.json" }
    var unlockStatePath: String { directory + "/unlock-attempts.json" }
    var kitIdPath: String { directory + "/kit-id" }
    /// When the kit last reached its sync server (ms since 1970, the offline limit's clock).
    var lastContactPath: String { directory + "/last-contact" }
    /// The server's wipe-order public key, pinned at the first checkout that names one.
    var serverOrderKeyPath: String { directory + "/server-order-key.pem" }
    /// Present once the kit has wiped itself after a loss report (``KitWipe``).
    var wipedMarkerPath: String { directory + "/wiped.json" }

    /// The kit's signing key, created on first use.
    public func signingKey() throws(KeyStoreError) -> P256.Signing.PrivateKey {
        if let raw = try SecretFile.read(signingKeyPath) {
            do {
                return try P256.Signing.PrivateKey(rawRepresentation: raw)
            } catch {
                throw .damaged(path: signingKeyPath, reason: "not a P-256 private key")
            }
        }
        let key = P256.Signing.PrivateKey()
        try SecretFile.write(Array(key.rawRepresentation), to: signingKeyPath)
        return key
    }

    /// The kit's identity: configured, or the one kept from enrollment, or a random one created
    /// and kept on first use. `replacingWith` stores a new identity (enrollment).
    public func kitId(configured: String?, replacingWith newId: String? = nil) throws(KeyStoreError) -> String {
        if let newId {
            try SecretFile.write(Array(newId.utf8), to: kitIdPath)
            return newId
        }
        if let configured { return configured }
        if let raw = try SecretFile.read(kitIdPath), let text = String(validating: raw, as: UTF8.self) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var generator = SystemRandomNumberGenerator()
        let id =
            "kit-" + (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try SecretFile.write(Array(id.utf8), to: kitIdPath)
        return id
    }

    /// The sync server's data public key (PEM), from `path` or the installed copy.
    public func serverDataKey(from path: String? = nil) throws(KeyStoreError) -> P256.KeyAgreement.PublicKey {
        let location = path ?? serverDataKeyPath
        guard let data = FileManager.default.contents(atPath: location) else {
            throw .noServerDataKey(path: location)
        }
        do {
            return try P256.KeyAgreement.PublicKey(pemRepresentation: String(decoding: data, as: UTF8.self))
        } catch {
            throw .damaged(path: location, reason: "not a P-256 public key in PEM form")
        }
    }

    /// Installs the server's data public key (enrollment).
    public func installServerDataKey(_ key: P256.KeyAgreement.PublicKey) throws(KeyStoreError) {
        try SecretFile.write(Array(key.pemRepresentation.utf8), to: serverDataKeyPath)
    }
}

/// PEM parsing kept in one place.
enum P256KeyParsing {
    static func keyAgreementPublicKey(pem: String) throws -> P256.KeyAgreement.PublicKey {
        try P256.KeyAgreement.PublicKey(pemRepresentation: pem)
    }
}
