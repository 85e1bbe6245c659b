import Foundation

/// Counters of a card reader (UnifiedPOS 1.16 §"Statistics": operations, communication errors,
/// last error; the firmware field holds the PC/SC reader name, pcscd reports no version).
public struct CardReaderStatistics: Equatable, Sendable, Codable {
    /// APDUs sent to a card (each GET RESPONSE counts).
    public var commandsSent = 0
    /// Bytes sent in APDUs.
    public var bytesSent = 0
    /// Bytes received in responses.
    public var bytesReceived = 0
    /// Exchanges that failed at the PC/SC or APDU level.
    public var communicationErrors = 0
    /// Card insertions seen on the claimed reader.
    public var cardInsertions = 0
    /// Card removals seen on the claimed reader.
    public var cardRemovals = 0
    /// Successful card connections.
    public var cardConnections = 0
    /// The last error's description, if any.
    public var lastError: String?
    /// When the last error happened.
    public var lastErrorAt: Date?
    /// The reader the statistics belong to.
    public var readerName: String?

    /// Empty counters.
    public init() {}
}
