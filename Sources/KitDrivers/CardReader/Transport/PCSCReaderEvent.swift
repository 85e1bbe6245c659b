/// A change in the set of card readers or of the cards in them, as seen through
/// `SCardGetStatusChange` (PC/SC Workgroup spec part 5 §3.1.2; pcsc-lite's `\\?PnP?\Notification`
/// pseudo reader for reader hotplug).
public enum PCSCReaderEvent: Equatable, Sendable, CustomStringConvertible {
    /// A reader appeared (also reported once for every reader present when monitoring starts).
    case readerAdded(String)
    /// A reader disappeared (unplugged, or pcscd stopped).
    case readerRemoved(String)
    /// A card was put on the reader; `atr` is its answer to reset (ISO/IEC 7816-3 §8).
    case cardInserted(reader: String, atr: [UInt8])
    /// The card left the reader.
    case cardRemoved(reader: String)
    /// A card is on the reader but does not answer to reset (mute or upside down).
    case cardMute(reader: String)
    /// The first report of a new reader found no card on it (a card on it is `cardInserted`):
    /// from now on its card state is known.
    case readerEmpty(reader: String)
    /// pcscd cannot be reached; the monitor keeps trying to reconnect.
    case serviceUnavailable(PCSCError)
    /// pcscd is reachable (again).
    case serviceAvailable

    public var description: String {
        switch self {
        case .readerAdded(let name): return "reader \"\(name)\" connected"
        case .readerRemoved(let name): return "reader \"\(name)\" disconnected"
        case .cardInserted(let reader, let atr):
            return "card inserted into \"\(reader)\" (ATR \(atr.map { ATRHex.byte($0) }.joined(separator: " ")))"
        case .cardRemoved(let reader): return "card removed from \"\(reader)\""
        case .cardMute(let reader): return "card in \"\(reader)\" does not answer; turn it or put it back"
        case .readerEmpty(let reader): return "no card on \"\(reader)\""
        case .serviceUnavailable(let error): return "smart-card service unavailable: \(error.hint)"
        case .serviceAvailable: return "smart-card service available"
        }
    }
}

/// What the driver knows about one reader's slot.
public enum PCSCCardPresence: Equatable, Sendable {
    /// No card on the reader.
    case empty
    /// A card is present and answered to reset with `atr`.
    case present(atr: [UInt8])
    /// A card is present but mute.
    case mute
}

/// Pure bookkeeping that turns successive `SCardGetStatusChange` observations into
/// ``PCSCReaderEvent``s (PC/SC part 5 §3.1.2: `dwEventState` flags; pcsc-lite keeps an event
/// counter in the upper 16 bits so that a removal and re-insertion between two calls is not lost).
struct PCSCReaderStateTracker: Sendable {
    private(set) var readerNames: [String] = []
    private(set) var presence: [String: PCSCCardPresence] = [:]
    private var eventCounters: [String: UInt64] = [:]

    static let stateChanged: UInt64 = 0x0002
    static let stateUnknown: UInt64 = 0x0004
    static let stateUnavailable: UInt64 = 0x0008
    static let statePresent: UInt64 = 0x0020
    static let stateMute: UInt64 = 0x0200

    /// Applies a fresh reader list.
    mutating func update(readerList: [String]) -> [PCSCReaderEvent] {
        var events: [PCSCReaderEvent] = []
        for name in readerNames where !readerList.contains(name) {
            events += removeReader(name)
        }
        for name in readerList where !readerNames.contains(name) {
            readerNames.append(name)
            presence[name] = .empty
            events.append(.readerAdded(name))
        }
        return events
    }

    /// Applies one reader's `dwEventState` and ATR.
    mutating func update(reader name: String, eventState: UInt64, atr: [UInt8]) -> [PCSCReaderEvent] {
        guard readerNames.contains(name) else { return [] }
        if eventState & (Self.stateUnknown | Self.stateUnavailable) != 0 {
            return []  // the reader list update reports the reader's departure
        }
        let counter = (eventState >> 16) & 0xFFFF
        let previousCounter = eventCounters[name]
        eventCounters[name] = counter
        let old = presence[name] ?? .empty
        let new: PCSCCardPresence
        if eventState & Self.statePresent == 0 {
            new = .empty
        } else if eventState & Self.stateMute != 0 || atr.isEmpty {
            new = .mute
        } else {
            new = .present(atr: atr)
        }
        presence[name] = new
        var events: [PCSCReaderEvent] = []
        if previousCounter == nil && new == .empty {
            events.append(.readerEmpty(reader: name))
        }
        let cardWasSwapped = old != .empty && new != .empty && previousCounter != nil && previousCounter != counter
        if old != .empty && (new == .empty || cardWasSwapped || old != new) {
            events.append(.cardRemoved(reader: name))
        }
        if new != .empty && (old == .empty || cardWasSwapped || old != new) {
            switch new {
            case .present(let atr): events.append(.cardInserted(reader: name, atr: atr))
            case .mute: events.append(.cardMute(reader: name))
            case .empty: break
            }
        }
        return events
    }

    /// pcscd went away: every reader (and card) is gone.
    mutating func serviceLost() -> [PCSCReaderEvent] {
        var events: [PCSCReaderEvent] = []
        for name in readerNames {
            events += removeReader(name)
        }
        return events
    }

    private mutating func removeReader(_ name: String) -> [PCSCReaderEvent] {
        var events: [PCSCReaderEvent] = []
        if let card = presence[name], card != .empty {
            events.append(.cardRemoved(reader: name))
        }
        readerNames.removeAll { $0 == name }
        presence[name] = nil
        eventCounters[name] = nil
        events.append(.readerRemoved(name))
        return events
    }
}
