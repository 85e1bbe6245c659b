import Crypto
import Foundation

/// The server's audit trail as a hash chain (issue #17): every entry stores the SHA-256 of the
/// entry before it and its own hash over that and its fields, written in the same database
/// transaction as the entry. An entry changed, removed or inserted later breaks the chain; the
/// audit export (``AuditExport``) signs the chain's head with the server's audit key.
///
/// `entryHash = SHA-256(prevHash(32) ‖ u64be(atMillis) ‖ u32be(len) actor ‖ u32be(len) action ‖
/// u32be(len) detail)`, texts in UTF-8; the first entry's `prevHash` is 32 zero bytes.
public enum AuditChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func entryHash(prev: [UInt8], atMillis: Int64, actor: String, action: String, detail: String)
        -> [UInt8]
    {
        var bytes = prev
        withUnsafeBytes(of: UInt64(bitPattern: atMillis).bigEndian) { bytes.append(contentsOf: $0) }
        for text in [actor, action, detail] {
            let utf8 = Array(text.utf8)
            withUnsafeBytes(of: UInt32(clamping: utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        return Array(SHA256.hash(data: bytes))
    }

    /// Milliseconds since 1970 of `date`, as chained.
    public static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}
