import Foundation

/// How deep a health check goes (UnifiedPOS 1.16 `checkHealth`: internal, external, interactive).
public enum CardReaderHealthCheckLevel: String, Sendable, Codable, CaseIterable {
    /// Driver state only: pcscd reachable, readers, card present, last error. No card traffic.
    case `internal`
    /// Also a SELECT round trip to the card in the claimed reader.
    case external
    /// Waits a while for a card to be put on the reader, then as `external`.
    case interactive
}

/// The result of ``CardReaderDevice/checkHealth(_:)``, readable by IT staff (kit-agent doctor).
public struct CardReaderHealthReport: Equatable, Sendable, Codable, CustomStringConvertible {
    /// The level that was checked.
    public var level: CardReaderHealthCheckLevel
    /// The device's life-cycle state.
    public var state: DeviceState
    /// Whether pcscd answered.
    public var serviceReachable: Bool
    /// All readers pcscd offers.
    public var readers: [String]
    /// The claimed (or configured) reader.
    public var reader: String?
    /// Whether that reader is connected.
    public var readerPresent: Bool
    /// Whether a card is on that reader.
    public var cardPresent: Bool
    /// The card's ATR in hex, when present.
    public var cardATR: String?
    /// What the ATR says about the card.
    public var cardKind: String?
    /// Status word of the SELECT round trip (external / interactive checks).
    public var selectStatus: String?
    /// Duration of that round trip in milliseconds.
    public var roundTripMilliseconds: Int?
    /// The last error of the device.
    public var lastError: String?
    /// Problems found, each a sentence saying what to do.
    public var problems: [String]

    /// True when nothing is wrong for this level.
    public var isHealthy: Bool { problems.isEmpty }

    public var description: String {
        var lines = ["card reader health (\(level.rawValue)): \(isHealthy ? "OK" : "PROBLEM")"]
        lines.append("  state: \(state)")
        lines.append("  smart-card service (pcscd): \(serviceReachable ? "reachable" : "NOT reachable")")
        lines.append("  readers: \(readers.isEmpty ? "none" : readers.joined(separator: ", "))")
        if let reader { lines.append("  reader in use: \(reader) (\(readerPresent ? "connected" : "NOT connected"))") }
        lines.append("  card: \(cardPresent ? "present" : "none")" + (cardKind.map { " — \($0)" } ?? ""))
        if let cardATR { lines.append("  ATR: \(cardATR)") }
        if let selectStatus {
            lines.append("  SELECT round trip: \(selectStatus)" + (roundTripMilliseconds.map { " in \($0) ms" } ?? ""))
        }
        if let lastError { lines.append("  last error: \(lastError)") }
        for problem in problems { lines.append("  ! \(problem)") }
        return lines.joined(separator: "\n")
    }
}
