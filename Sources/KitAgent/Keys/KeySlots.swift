import Crypto
import CryptoExtras
import Foundation
import KitCore
import Synchronization

/// The local storage key wrapped once per clerk, like LUKS key slots (`keys/key-slots.json`,
/// 0600): each slot holds the same storage key sealed (AES-256-GCM) under a key derived with
/// scrypt from that clerk's own secret; the clerk id is bound as associated data, so a slot
/// cannot be relabelled to record steps under another clerk's name. A kit from before clerks has
/// one slot in `storage.key.sealed`; it is read as the slot of clerk `bisher` and moved into the
/// slot file at the next change.
struct KeySlot: Codable, Sendable {
    var clerk: Clerk
    var kdf: String
    var cost: KitLock.KDFCost
    var salt: Data
    var sealed: Data
    /// True for the slot read from a kit before clerks (associated data of format v1).
    var legacy: Bool?

    var associatedData: Data {
        legacy == true
            ? Data("buergeramtskoffer storage key v1".utf8)
            : Data("buergeramtskoffer storage key v2 clerk \(clerk.id)".utf8)
    }
}

struct KeySlotFile: Codable, Sendable {
    var version: Int
    var slots: [KeySlot]
}

/// The clerk who unlocked the kit, readable without awaiting the lock: the outbox stamps every
/// step it seals with it (``StepPayload/stamp(_:recordedBy:)``).
public final class ClerkSession: Sendable {
    private let state = Mutex<Clerk?>(nil)

    public init() {}

    /// The clerk who unlocked the kit; nil while it is locked.
    public var current: Clerk? { state.withLock { $0 } }

    func set(_ clerk: Clerk?) { state.withLock { $0 = clerk } }
}

/// The clerk a kit from before clerks knows: its single unlock secret.
extension Clerk {
    static let legacy = Clerk(id: "bisher", name: "Bisheriges Koffer-Geheimnis")
    /// The clerk `initialize(secret:)` creates when none is named (set-up by IT).
    public static let firstClerk = Clerk(id: "einrichtung", name: "Einrichtung")
}

enum KeySlots {
    static func load(_ keys: KitKeyStore) throws(UnlockError) -> [KeySlot] {
        let raw: [UInt8]?
        do { raw = try SecretFile.read(keys.keySlotsPath) } catch { throw .keyStore(error) }
        if let raw {
            do {
                return try JSONDecoder().decode(KeySlotFile.self, from: Data(raw)).slots
            } catch {
                throw .keyStore(.damaged(path: keys.keySlotsPath, reason: "not a key slot file"))
            }
        }
        let legacyRaw: [UInt8]?
        do { legacyRaw = try SecretFile.read(keys.wrappedStorageKeyPath) } catch { throw .keyStore(error) }
        guard let legacyRaw else { return [] }
        struct WrappedKeyFile: Codable {
            var kdf: String
            var cost: KitLock.KDFCost
            var salt: Data
            var sealed: Data
        }
        do {
            let file = try JSONDecoder().decode(WrappedKeyFile.self, from: Data(legacyRaw))
            return [
                KeySlot(
                    clerk: .legacy, kdf: file.kdf, cost: file.cost, salt: file.salt, sealed: file.sealed, legacy: true)
            ]
        } catch {
            throw .keyStore(.damaged(path: keys.wrappedStorageKeyPath, reason: "not a wrapped storage key"))
        }
    }

    static func save(_ slots: [KeySlot], _ keys: KitKeyStore) throws(UnlockError) {
        do {
            let data = try JSONEncoder().encode(KeySlotFile(version: 2, slots: slots))
            try SecretFile.write(Array(data), to: keys.keySlotsPath)
            try SecretFile.remove(keys.wrappedStorageKeyPath)
        } catch let error as KeyStoreError {
            throw .keyStore(error)
        } catch {
            throw .cryptoFailure(String(describing: error))
        }
    }

    static func wrap(_ key: SymmetricKey, for clerk: Clerk, secret: String, cost: KitLock.KDFCost)
        throws(UnlockError) -> KeySlot
    {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
        var slot = KeySlot(clerk: clerk, kdf: "scrypt", cost: cost, salt: Data(salt), sealed: Data())
        let wrapping = try derive(secret: secret, salt: salt, cost: cost)
        do {
            slot.sealed =
                try AES.GCM.seal(
                    key.withUnsafeBytes { Data($0) }, using: wrapping, authenticating: slot.associatedData
                ).combined ?? Data()
        } catch {
            throw .cryptoFailure(String(describing: error))
        }
        return slot
    }

    /// The storage key if `secret` opens `slot`.
    static func unwrap(_ slot: KeySlot, secret: String) throws(UnlockError) -> SymmetricKey? {
        let wrapping = try derive(secret: secret, salt: Array(slot.salt), cost: slot.cost)
        guard let box = try? AES.GCM.SealedBox(combined: slot.sealed),
            let plain = try? AES.GCM.open(box, using: wrapping, authenticating: slot.associatedData)
        else { return nil }
        return SymmetricKey(data: plain)
    }

    static func derive(secret: String, salt: [UInt8], cost: KitLock.KDFCost) throws(UnlockError) -> SymmetricKey {
        do {
            return try KDF.Scrypt.deriveKey(
                from: Array(secret.utf8), salt: salt, outputByteCount: 32, rounds: cost.n, blockSize: cost.r,
                parallelism: cost.p)
        } catch {
            throw .cryptoFailure("scrypt: \(error)")
        }
    }
}
