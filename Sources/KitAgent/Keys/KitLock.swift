import Crypto
import CryptoExtras
import Foundation
import KitCore

/// Guards the local storage key: it rests on disk only wrapped (AES-256-GCM) once per clerk under
/// a key derived from that clerk's own unlock secret with scrypt (key slots, ``KeySlot``), and
/// lives in memory only while the kit is unlocked; the clerk who unlocked it is known
/// (``session``) and recorded with every step.
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
    private let maximumOffline: TimeInterval
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

    /// - Parameter maximumOffline: seconds the kit may go without reaching its sync server before
    ///   new unlocks are refused (``recordServerContact(at:)`` resets the clock).
    public init(
        keys: KitKeyStore, cost: KDFCost = .interactive, idleTimeout: TimeInterval = 900, maximumAttempts: Int = 5,
        maximumOffline: TimeInterval = 14 * 86400
    ) {
        self.maximumOffline = maximumOffline
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
        /// The clerk who unlocked the kit (nil while locked).
        public var clerk: Clerk?
    }

    /// The clerk who unlocked the kit, for the outbox (stamped into every step it seals).
    public nonisolated let session = ClerkSession()

    public var status: Status {
        let attempts = (try? loadAttempts()) ?? Attempts()
        return Status(
            initialized: !((try? KeySlots.load(keys)) ?? []).isEmpty,
            unlocked: storageKey != nil, failedAttempts: attempts.failed, retryAfter: retryAfter(attempts),
            clerk: storageKey == nil ? nil : session.current)
    }

    /// The clerks with a key slot on this kit.
    public func clerks() throws(UnlockError) -> [Clerk] {
        try KeySlots.load(keys).map(\.clerk)
    }

    /// Sets the first clerk's unlock secret on a new kit and creates the storage key. Refuses when
    /// the kit has one.
    public func initialize(secret: String, clerk: Clerk = .firstClerk) throws(UnlockError) {
        guard !KitWipe.isWiped(keys) else { throw .wiped }
        guard secret.count >= 8 else { throw .secretTooShort(minimum: 8) }
        guard Clerk.isValidId(clerk.id) else { throw .unknownClerk(clerk.id) }
        guard try KeySlots.load(keys).isEmpty else { throw .alreadyInitialized }
        let key = SymmetricKey(size: .bits256)
        try KeySlots.save([try KeySlots.wrap(key, for: clerk, secret: secret, cost: cost)], keys)
        storageKey = key
        session.set(clerk)
        lastActivity = Date()
    }

    /// Unwraps the storage key with a clerk's secret: only `clerkId`'s slot when given (`kit-agent
    /// unlock` asks who is unlocking), else every slot in turn. A wrong secret is counted once.
    public func unlock(secret: String, clerkId: String? = nil, now: Date = Date()) throws(UnlockError) {
        guard !KitWipe.isWiped(keys) else { throw .wiped }
        try checkOfflineLimit(now: now)
        var attempts = try loadAttempts()
        if let retry = retryAfter(attempts), retry > now { throw .tooManyAttempts(retryAfter: retry) }
        let slots = try KeySlots.load(keys)
        guard !slots.isEmpty else { throw .notInitialized }
        let candidates = clerkId.map { id in slots.filter { $0.clerk.id == id } } ?? slots
        if let clerkId, candidates.isEmpty { throw .unknownClerk(clerkId) }
        for slot in candidates {
            if let key = try KeySlots.unwrap(slot, secret: secret) {
                storageKey = key
                session.set(slot.clerk)
                if attempts.failed > 0 { try saveAttempts(Attempts()) }
                lastActivity = now
                return
            }
        }
        attempts.failed += 1
        attempts.lastFailureMillis = Int64(now.timeIntervalSince1970 * 1000)
        try saveAttempts(attempts)
        throw .wrongSecret(
            failedAttempts: attempts.failed, remainingBeforeWait: max(0, maximumAttempts - attempts.failed))
    }

    /// Adds a key slot for `clerk` (IT at the office, or a clerk on the server's list): the kit must
    /// be unlocked, since the slot wraps the storage key in memory. `revoked` are the clerk ids the
    /// server lists as revoked; they get no slot.
    public func addClerk(_ clerk: Clerk, secret: String, revoked: Set<String> = []) throws(UnlockError) {
        guard Clerk.isValidId(clerk.id), !clerk.name.isEmpty, clerk.name.count <= 128 else {
            throw .unknownClerk(clerk.id)
        }
        guard secret.count >= 8 else { throw .secretTooShort(minimum: 8) }
        guard !revoked.contains(clerk.id) else { throw .clerkRevoked(clerk.id) }
        let key = try currentStorageKey()
        var slots = try KeySlots.load(keys)
        guard !slots.contains(where: { $0.clerk.id == clerk.id }) else { throw .clerkExists(clerk.id) }
        slots.append(try KeySlots.wrap(key, for: clerk, secret: secret, cost: cost))
        try KeySlots.save(slots, keys)
    }

    /// Removes the key slots of `clerkIds` (revoked on the server); locks the kit when the clerk
    /// who unlocked it is among them. Returns the removed ids.
    @discardableResult
    public func removeClerks(_ clerkIds: Set<String>) throws(UnlockError) -> [String] {
        let slots = try KeySlots.load(keys)
        let removed = slots.filter { clerkIds.contains($0.clerk.id) }.map(\.clerk.id)
        guard !removed.isEmpty else { return [] }
        try KeySlots.save(slots.filter { !clerkIds.contains($0.clerk.id) }, keys)
        if let current = session.current, clerkIds.contains(current.id) { lock() }
        return removed
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
        session.set(nil)
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
            session.set(nil)
        }
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

    /// Notes that the kit reached its sync server: the offline limit starts again.
    public func recordServerContact(at now: Date = Date()) {
        try? SecretFile.write(Array(String(Int64(now.timeIntervalSince1970 * 1000)).utf8), to: keys.lastContactPath)
    }

    /// When the kit last reached its sync server; a kit that never recorded a contact (new, or
    /// from before this check) starts the clock now.
    public func lastServerContact(now: Date = Date()) -> Date {
        if let raw = try? SecretFile.read(keys.lastContactPath), let text = String(validating: raw, as: UTF8.self),
            let millis = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return Date(timeIntervalSince1970: Double(millis) / 1000)
        }
        recordServerContact(at: now)
        return now
    }

    /// Refuses when the kit has been offline longer than allowed (a lost kit stops working even if
    /// it never comes online again); a clock set back before the last contact counts as offline too.
    private func checkOfflineLimit(now: Date) throws(UnlockError) {
        let last = lastServerContact(now: now)
        let offline = now.timeIntervalSince(last)
        if offline > maximumOffline || offline < -300 {
            throw .offlineTooLong(lastContact: last, limit: maximumOffline)
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
    /// No clerk with this id has a key slot on the kit (or the id is not valid).
    case unknownClerk(String)
    /// The clerk has a key slot already.
    case clerkExists(String)
    /// The server lists the clerk as revoked.
    case clerkRevoked(String)
    /// The kit has not reached its sync server for longer than allowed.
    case offlineTooLong(lastContact: Date, limit: TimeInterval)
    /// The kit wiped itself after it was reported lost.
    case wiped

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
        case .offlineTooLong(let last, let limit):
            return "Der Koffer war seit \(Self.germanDate(last)) nicht mehr mit dem Server verbunden (erlaubt sind "
                + "\(Self.germanDuration(limit))). Bitte verbinden Sie ihn mit dem Netz der Stadt und synchronisieren "
                + "Sie; danach lässt er sich wieder entsperren."
        case .unknownClerk(let id):
            return
                "Für „\(id)“ ist auf diesem Koffer kein Zugang eingerichtet. Bitte die Kennung prüfen oder die IT fragen."
        case .clerkExists(let id): return "„\(id)“ hat auf diesem Koffer schon einen Zugang."
        case .clerkRevoked(let id):
            return "Der Zugang von „\(id)“ wurde zentral gesperrt und kann nicht neu eingerichtet werden."
        case .wiped:
            return "Dieser Koffer wurde als verloren gemeldet und hat alle Schlüssel und Falldaten gelöscht. "
                + "Bitte geben Sie ihn der IT zurück; er muss neu eingerichtet werden."
        }
    }
}

extension UnlockError {
    /// `07.12.2026, 14:10 Uhr` in the kit's local time.
    static func germanDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "de_DE")
        formatter.dateFormat = "dd.MM.yyyy, HH:mm 'Uhr'"
        return formatter.string(from: date)
    }

    /// `14 Tage`, `3 Stunden`, `2 Sekunden`.
    public static func germanDuration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 86400, whole % 86400 == 0 { return whole == 86400 ? "1 Tag" : "\(whole / 86400) Tage" }
        if whole >= 3600, whole % 3600 == 0 { return whole == 3600 ? "1 Stunde" : "\(whole / 3600) Stunden" }
        if whole >= 60, whole % 60 == 0 { return whole == 60 ? "1 Minute" : "\(whole / 60) Minuten" }
        return whole == 1 ? "1 Sekunde" : "\(whole) Sekunden"
    }
}
