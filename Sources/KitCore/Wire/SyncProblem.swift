import Foundation

/// Why the kit's queue does not drain although the server answers: a refused request (413, 4xx),
/// an envelope the server refuses, an answer the kit cannot read, a damaged queue entry. Shown in
/// `kit-agent status`, `doctor`, the clerk page and the fleet view. A missing link is not a
/// problem of this kind: that is the ordinary offline case.
public struct SyncProblem: Codable, Sendable, Equatable {
    /// What kind of failure: decides the fix shown to IT and the clerk's sentence.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The server refused the request's size (HTTP 413) even for a single transaction.
        case tooLarge = "too_large"
        /// The server refused the request (another 4xx).
        case requestRefused = "request_refused"
        /// The server refused an envelope (gap, chain, signature) and asks for it again.
        case envelopeRefused = "envelope_refused"
        /// The server answered something that is not the sync API (5xx, HTML, garbage).
        case badAnswer = "bad_answer"
        /// A queued envelope was found damaged on the kit (sent as a tombstone).
        case damagedEntry = "damaged_entry"
        /// The kit's own database failed.
        case storage
        /// The server answers "busy, come back later" (HTTP 429, 503 with Retry-After): passing
        /// while a fleet reconnects at once; an alarm only when it lasts.
        case serverBusy = "server_busy"
    }

    public var kind: Kind
    /// The first transaction it concerns, when known.
    public var seq: UInt64?
    /// IT's sentence (English): what happened, with HTTP status and sizes.
    public var reason: String
    /// When the problem was first seen, and how many sync attempts failed with it since.
    public var since: Date
    public var attempts: Int

    /// Whether it is an alarm now: a failure that cannot pass by itself (too large, damaged,
    /// storage), or any other that failed twice in a row (a server restarting answers 503 once).
    public var isAlarm: Bool {
        switch kind {
        case .tooLarge, .damagedEntry, .storage: return true
        case .requestRefused, .envelopeRefused, .badAnswer: return attempts >= 2
        case .serverBusy: return attempts >= Self.busyAttemptsBeforeAlarm
        }
    }

    /// A server that stays busy this many sync attempts in a row (each after its Retry-After) is
    /// an alarm: at the server's usual 1–5 s, about a minute or more without progress.
    public static let busyAttemptsBeforeAlarm = 12

    public init(kind: Kind, seq: UInt64?, reason: String, since: Date, attempts: Int) {
        self.kind = kind
        self.seq = seq
        self.reason = reason
        self.since = since
        self.attempts = attempts
    }
}

extension SyncProblem.Kind {
    /// What the clerk and the back office read (German; the English ``SyncProblem/reason`` is for IT).
    public var clerkMessage: String {
        switch self {
        case .tooLarge:
            return "Übertragung blockiert: ein Vorgang ist größer, als der Server annimmt – bitte die IT anrufen. "
                + "Alles bleibt sicher im Koffer gespeichert."
        case .requestRefused, .envelopeRefused:
            return "Übertragung blockiert: der Server lehnt die Daten ab – bitte die IT anrufen. "
                + "Alles bleibt sicher im Koffer gespeichert."
        case .badAnswer:
            return "Übertragung gestört: der Server antwortet nicht richtig – bitte die IT anrufen. "
                + "Alles bleibt sicher im Koffer gespeichert."
        case .damagedEntry:
            return "Ein gespeicherter Vorgang ist im Koffer beschädigt und wurde als verloren gemeldet; "
                + "die Sachbearbeitung klärt ihn. Alle anderen Vorgänge werden übertragen."
        case .storage:
            return "Der Speicher des Koffers meldet einen Fehler – bitte die IT anrufen."
        case .serverBusy:
            return "Der Server ist seit Längerem ausgelastet; der Koffer überträgt von selbst, sobald er wieder "
                + "annimmt. Alles bleibt sicher im Koffer gespeichert. Hält das an, bitte die IT anrufen."
        }
    }
}
