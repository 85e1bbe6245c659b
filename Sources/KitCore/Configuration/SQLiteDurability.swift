/// How an SQLite connection commits, as read back from the database after opening
/// (`PRAGMA journal_mode`, `synchronous`, `secure_delete`). Kit and server promise a commit on
/// disk when it returns: WAL with `synchronous=FULL` (or EXTRA). Tests and `kit-agent doctor` read
/// it back instead of trusting the line that set it.
public struct SQLiteDurability: Sendable, Equatable, CustomStringConvertible {
    /// `wal`, `delete`, `memory`, ….
    public var journalMode: String
    /// 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    public var synchronous: Int
    /// Freed pages overwritten with zeros.
    public var secureDelete: Bool

    public init(journalMode: String, synchronous: Int, secureDelete: Bool) {
        self.journalMode = journalMode
        self.synchronous = synchronous
        self.secureDelete = secureDelete
    }

    /// WAL and every commit synced before it returns.
    public var commitsAreDurable: Bool { journalMode.lowercased() == "wal" && synchronous >= 2 }

    public var description: String {
        let level =
            ["OFF", "NORMAL", "FULL", "EXTRA"].indices.contains(synchronous)
            ? ["OFF", "NORMAL", "FULL", "EXTRA"][synchronous] : "\(synchronous)"
        return "journal_mode=\(journalMode) synchronous=\(level) secure_delete=\(secureDelete ? "ON" : "OFF")"
    }
}
