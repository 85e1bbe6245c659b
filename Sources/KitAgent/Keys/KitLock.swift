import Crypto
import CryptoExtras
import Foundation
import KitCore

/// Guards the local storage key: it rests on disk only wrapped (AES-256-GCM) under a key derived
/// from the clerk's unlock secret with scrypt, and lives in memory only while the kit is unlocked.
/// After an idle time the key is dropped (auto-lock); failed attempts are counted on disk and,
/// after too many, further attempts wait.
///
/// BSI TR-02102-1 recommends Argon2id for password-based key derivation; the package mirror has
/// no Argon2 implementation, so scrypt (memory-hard) is used and its parameters are stored with
/// the wrapped key, so a later release can re-wrap with Argon2id.
public actor KitLock {
    private let keys: KitKeyStore
    private let cost: KDFCost
    private let idleTimeout: TimeInterval
    private let maximumAttempts: Int
    private var storageKey: SymmetricKey?
    private var lastActivity = Date()

    /// scrypt work factors. `interactive` costs about 32 MiB and 0.1–0.3 s.
    public struct KDFCost: Sendable, Codable, Equatable {
        public var n: Int
        public var r: Int
        public var p: Int
        public static let interactive = KDFCost(n: 1 << 15, r: 8, p: 1)
        /// Only for tests: fast, weak.
        public static let testing = KDFCost(n: 1 << 10, r: 8, p: 1)
    }

    public init(
        keys: KitKeyStore, cost: KDFCost = .interactive, idleTimeout: TimeInterval = 900, maximumAttempts: Int = 5
    ) {
        self.keys = keys
        self.cost = cost
        self.idleTimeout = idleTimeout
        self.maximumAttempts = maximumAttempts
    }

    /// What `kit-agent status` and the clerk UI show.
    public struct Status: Sendable, Codable, Equatable {
        public var initialized: Bool
        public var unlocked: Bool
        public var failedAttempts: Int
        public var retryAfter: Date?
    }

    public var status: Status {
        let attempts = (try? loadAttempts()) ?? Attempts()
        return Status(
            initialized: FileManager.default.fileExists(atPath: keys.wrappedStorageKeyPath),
            unlocked: storageKey != nil, failedAttempts: attempts.failed, retryAfter: retryAfter(attempts))
    }

    /// Sets the unlock secret for a new kit and creates the storage key. Refuses when one exists.
    public func initialize(secret: String) throws(UnlockError) {
        guard secret.count >= 8 else { throw .secretTooShort(minimum: 8) }
        guard !FileManager.default.fileExists(atPath: keys.wrappedStorageKeyPath) else { throw .alreadyInitialized }
        let key = SymmetricKey(size: .bits256)
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
        let wrapping = try derive(secret: secret, salt: salt, cost: cost)
        let sealed: Data
        do {
            sealed =
                try AES.GCM.seal(key.withUnsafeBytes { Data($0) }, using: wrapping, authenticating: Self.aad)
                .combined ?? Data()
        } catch {
            throw .cryptoFailure(String(describing: error))
        }
        let file = WrappedKeyFile(version: 1, kdf: "scrypt", cost: cost, salt: Data(salt), sealed: sealed)
        do {
            try SecretFile.write(Array(try JSONEncoder().encode(file)), to: keys.wrappedStorageKeyPath)
        } catch let error as KeyStoreError {
            throw .keyStore(error)
        } catch {
            throw .cryptoFailure(String(describing: error))
        }
        storageKey = key
        lastActivity = Date()
    }

    /// Unwraps the storage key with the clerk's secret. A wrong secret is counted.
    public func unlock(secret: String, now: Date = Date()) throws(UnlockError) {
        var attempts = try loadAttempts()
        if let retry = retryAfter(attempts), retry > now { throw .tooManyAttempts(retryAfter: retry) }
        let file = try loadWrappedKey()
        let wrapping = try derive(secret: secret, salt: Array(file.salt), cost: file.cost)
        do {
            let box = try AES.GCM.SealedBox(combined: file.sealed)
            storageKey = SymmetricKey(data: try AES.GCM.open(box, using: wrapping, authenticating: Self.aad))
        } catch {
            attempts.failed += 1
            attempts.lastFailureMillis = Int64(now.timeIntervalSince1970 * 1000)
            try saveAttempts(attempts)
            throw .wrongSecret(
                failedAttempts: attempts.failed, remainingBeforeWait: max(0, maximumAttempts - attempts.failed))
        }
        if attempts.failed > 0 { try saveAttempts(Attempts()) }
        lastActivity = now
    }

    /// Seconds until the auto-lock if nothing happens meanwhile (nil: locked). Not activity itself:
    /// the clerk page asks it to warn a minute before.
    public func secondsUntilAutoLock(now: Date = Date()) -> Double? {
        expireIfIdle(now: now)
        guard storageKey != nil else { return nil }
        return max(0, idleTimeout - now.timeIntervalSince(lastActivity))
    }

    /// The clerk is still working ("Weiterarbeiten"): counts as activity when unlocked.
    public func keepUnlocked(now: Date = Date()) throws(UnlockError) {
        _ = try currentStorageKey(now: now)
    }

    /// Forgets the storage key now.
    public func lock() {
        storageKey = nil
    }

    /// The storage key, if unlocked and not idle for too long; counts as activity unless
    /// `activity` is false (background work such as the sync's case checkout must not keep an
    /// unattended kit unlocked).
    public func currentStorageKey(now: Date = Date(), activity: Bool = true) throws(UnlockError) -> SymmetricKey {
        expireIfIdle(now: now)
        guard let storageKey else { throw .locked }
        if activity { lastActivity = now }
        return storageKey
    }

    /// Locks when the idle time has passed. Called by the agent's timer and before every use.
    public func expireIfIdle(now: Date = Date()) {
        if storageKey != nil, now.timeIntervalSince(lastActivity) > idleTimeout {
            storageKey = nil
        }
    }

    private static let aad = Data("buergeramtskoffer storage key v1".utf8)

    private struct WrappedKeyFile: Codable {
        var version: Int
        var kdf: String
        var cost: KDFCost
        var salt: Data
        var sealed: Data
    }

    private struct Attempts: Codable {
        var failed = 0
        var lastFailureMillis: Int64 = 0
    }

    private func retryAfter(_ attempts: Attempts) -> Date? {
        guard attempts.failed >= maximumAttempts else { return nil }
        let wait = 30.0 * pow(2.0, Double(min(attempts.failed - maximumAttempts, 10)))
        return Date(timeIntervalSince1970: Double(attempts.lastFailureMillis) / 1000 + wait)
    }

    private func derive(secret: String, salt: [UInt8], cost: KDFCost) throws(UnlockError) -> SymmetricKey {
        do {
            return try KDF.Scrypt.deriveKey(
                from: Array(secret.utf8), salt: salt, outputByteCount: 32, rounds: cost.n, blockSize: cost.r,
                parallelism: cost.p)
        } catch {
            throw .cryptoFailure("scrypt: \(error)")
        }
    }

    private func loadWrappedKey() throws(UnlockError) -> WrappedKeyFile {
        let raw: [UInt8]?
        do { raw = try SecretFile.read(keys.wrappedStorageKeyPath) } catch { throw .keyStore(error) }
        guard let raw else { throw .notInitialized }
        do {
            return try JSONDecoder().decode(WrappedKeyFile.self, from: Data(raw))
        } catch {
            throw .keyStore(.damaged(path: keys.wrappedStorageKeyPath, reason: "not a wrapped storage key"))
        }
    }

    private func loadAttempts() throws(UnlockError) -> Attempts {
        do {
            guard let raw = try SecretFile.read(keys.unlockStatePath) else { return Attempts() }
            return (try? JSONDecoder().decode(Attempts.self, from: Data(raw))) ?? Attempts()
        } catch {
            throw .keyStore(error)
        }
    }

    private func saveAttempts(_ attempts: Attempts) throws(UnlockError) {
        do {
            try SecretFile.write(Array(try JSONEncoder().encode(attempts)), to: keys.unlockStatePath)
        } catch let error as KeyStoreError {
            throw .keyStore(error)
        } catch {
            throw .cryptoFailure(String(describing: error))
        }
    }
}

/// Why the kit could not be unlocked, worded for the clerk.
public enum UnlockError: Error, Equatable, CustomStringConvertible {
    /// The kit is locked: the clerk has to unlock it first.
    case locked
    /// No unlock secret has been set on this kit yet.
    case notInitialized
    /// An unlock secret is already set.
    case alreadyInitialized
    /// The secret is wrong; nothing was decrypted.
    case wrongSecret(failedAttempts: Int, remainingBeforeWait: Int)
    /// Too many wrong secrets: wait before trying again.
    case tooManyAttempts(retryAfter: Date)
    /// A new secret is too short.
    case secretTooShort(minimum: Int)
    /// A key file problem.
    case keyStore(KeyStoreError)
    /// The crypto library failed.
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case .locked: return "the kit is locked: unlock it with your secret (kit-agent unlock)"
        case .notInitialized: return "this kit has no unlock secret yet: set one with kit-agent unlock --initialize"
        case .alreadyInitialized: return "this kit already has an unlock secret"
        case .wrongSecret(let failed, let remaining):
            return remaining > 0
                ? "wrong unlock secret (\(failed) failed attempt(s); \(remaining) more before the kit makes you wait)"
                : "wrong unlock secret (\(failed) failed attempts): the kit now makes you wait before the next try"
        case .tooManyAttempts(let retry):
            return "too many wrong unlock secrets: try again after \(retry.formatted(.iso8601))"
        case .secretTooShort(let minimum): return "the unlock secret must have at least \(minimum) characters"
        case .keyStore(let error): return error.description
        case .cryptoFailure(let reason): return "key derivation or decryption failed: \(reason)"
        }
    }
}
