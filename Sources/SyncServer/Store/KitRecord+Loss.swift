import Foundation

extension KitRecord {
    /// The lost-kit state in German for the fleet page and `kits list`; nil for a kit not marked
    /// lost. "gelöscht am 2026-12-07 11:30 UTC, letzte seq 5" once the kit reported its wipe.
    public var lossStatus: String? {
        if let wipedAt {
            return "gelöscht am \(PageTime.absolute(wipedAt)), letzte seq \(wipedLastSeq ?? 0)"
        }
        if let lostAt {
            return "als verloren gemeldet am \(PageTime.absolute(lostAt)); Löschauftrag beim nächsten Kontakt"
        }
        return nil
    }
}
