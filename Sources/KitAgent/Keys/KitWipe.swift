import Foundation
import GRDB
import KitCore

#if canImport(Glibc)
    import Glibc
#endif

/// The kit's answer to a signed wipe order (issue #17, lost or stolen kit). The queue has been
/// handed over before (the kit checks out only after sending); then, in this order:
/// 1. the storage key is forgotten and every key file except the TLS identity is overwritten and
///    removed (signing key, wrapped storage key and clerk key slots, server keys, unlock state);
/// 2. the case store and every local table with case data are emptied (`secure_delete` overwrites
///    the freed pages) and the database is vacuumed;
/// 3. the marker `keys/wiped.json` records the order, the last seq and that the report is due;
/// 4. the wipe is reported to the server (it needs the TLS identity and API token);
/// 5. the TLS identity and API token are overwritten and removed.
/// A report that fails is sent again at the next sync; until then only the TLS identity and token
/// remain, which open nothing on the kit.
public enum KitWipe {
    /// What a wiped kit says instead of working, in German for the clerk.
    public static let wipedSentence =
        "Dieser Koffer wurde als verloren gemeldet und hat alle Schlüssel und Falldaten gelöscht; "
        + "bitte der IT zurückgeben."

    /// The marker's content.
    public struct Marker: Codable, Sendable, Equatable {
        public var orderId: String
        public var lastSeq: UInt64
        public var wipedAt: Date
        public var reported: Bool
    }

    public static func isWiped(_ keys: KitKeyStore) -> Bool {
        FileManager.default.fileExists(atPath: keys.wipedMarkerPath)
    }

    public static func marker(_ keys: KitKeyStore) -> Marker? {
        guard let raw = try? SecretFile.read(keys.wipedMarkerPath) else { return nil }
        return try? JSONDecoder().decode(Marker.self, from: Data(raw))
    }

    /// Files that only serve the report to the server; removed after it.
    static func reportFiles(_ keys: KitKeyStore) -> [String] {
        [
            KitTLSIdentity.keyPath(keys), KitTLSIdentity.certificatePath(keys), KitTLSIdentity.authorityPath(keys),
            KitTLSIdentity.nextKeyPath(keys), KitTLSIdentity.nextCertificatePath(keys),
            KitTLSIdentity.renewalLockPath(keys), KitCredentials.path(keys),
        ]
    }

    /// Steps 1–3: destroys what can open or show data on the kit, keeps what the report needs.
    public static func wipeData(runtime: KitRuntime, orderId: String, now: Date = Date()) async throws(KeyStoreError) {
        await runtime.lock.lock()
        let lastSeq = (try? runtime.outbox?.stats().lastSeq) ?? 0
        // The marker first: from now on nothing creates a new signing or storage key.
        let marker = Marker(orderId: orderId, lastSeq: lastSeq, wipedAt: now, reported: false)
        try writeMarker(marker, keys: runtime.keys)
        let keep = Set(reportFiles(runtime.keys) + [runtime.keys.wipedMarkerPath, runtime.keys.kitIdPath])
        for path in try files(in: runtime.keys.directory) where !keep.contains(path) {
            try shred(path)
        }
        do {
            try await runtime.database.queue.write { db in
                for table in ["cases", "identity_checks", "payment_intents", "outbox"] {
                    try db.execute(sql: "DELETE FROM \(table)")
                }
            }
            try await runtime.database.queue.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw .cannotWrite(path: runtime.database.path, reason: "wipe of the local database failed: \(error)")
        }
    }

    /// Step 5, after the server confirmed the report.
    public static func finish(keys: KitKeyStore) throws(KeyStoreError) {
        for path in reportFiles(keys) { try shred(path) }
        if var marker = marker(keys) {
            marker.reported = true
            try writeMarker(marker, keys: keys)
        }
    }

    static func writeMarker(_ marker: Marker, keys: KitKeyStore) throws(KeyStoreError) {
        let data: Data
        do { data = try JSONEncoder().encode(marker) } catch {
            throw .cannotWrite(path: keys.wipedMarkerPath, reason: "\(error)")
        }
        try SecretFile.write(Array(data), to: keys.wipedMarkerPath)
    }

    static func files(in directory: String) throws(KeyStoreError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).map { directory + "/" + $0 }
        } catch {
            throw .cannotRead(path: directory, reason: "\(error)")
        }
    }

    /// Overwrites a file with zeros (fsync) and removes it; a missing file is fine. On flash the
    /// overwrite is best effort: what protects the old blocks is that every secret on the kit
    /// was wrapped or sealed (docs/data-protection.md).
    static func shred(_ path: String) throws(KeyStoreError) {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd >= 0 {
            if size > 0 {
                let zeros = [UInt8](repeating: 0, count: size)
                _ = zeros.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                _ = fsync(fd)
            }
            close(fd)
        }
        try SecretFile.remove(path)
    }
}
