import Foundation

/// The simulated terminal's transaction journal: what a real terminal keeps for repeat receipt,
/// reversal and end-of-day (ZVT spec rev. 13.x, 06 20 / 06 30 / 06 50), plus counters that tests
/// read from the `--journal` JSON file.
public struct ZVTSimulatorJournal: Sendable, Equatable, Codable {
    /// One booked transaction.
    public struct Entry: Sendable, Equatable, Codable {
        /// "authorization", "reversal", "refund" or "endOfDay".
        public var kind: String
        /// Whether it was approved.
        public var approved: Bool
        /// Result code (0 = approved).
        public var resultCode: Int
        /// Amount in cents (end-of-day: the batch total).
        public var amountCents: Int
        /// Trace number.
        public var traceNumber: Int
        /// Receipt number (approved payments, reversals, refunds).
        public var receiptNumber: Int?
        /// Trace number of the reversed payment.
        public var originalTraceNumber: Int?
        /// Whether a later reversal cancelled this payment.
        public var reversed: Bool
        /// End-of-day batch it belongs to.
        public var batch: Int
        /// Card number as printed (masked).
        public var maskedPAN: String
        /// Card name.
        public var cardName: String
    }

    /// Every 06 01 received (including declined, aborted and interrupted ones).
    public var authorizationRequests = 0
    /// Authorizations approved and booked.
    public var approvedAuthorizations = 0
    /// Commands received, by name.
    public var commands: [String: Int] = [:]
    /// Booked transactions, oldest first.
    public var entries: [Entry] = []
    /// Next trace number.
    public var nextTraceNumber: Int
    /// Next receipt number.
    public var nextReceiptNumber = 1
    /// Current end-of-day batch.
    public var batch = 1
    /// Last registration config byte (nil: never registered).
    public var registrationConfig: Int?

    public init(firstTraceNumber: Int = 1) {
        nextTraceNumber = max(1, firstTraceNumber)
    }

    /// The JSON written to the journal file.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the journal atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try jsonData().write(to: url, options: .atomic)
    }

    /// Reads a journal file.
    public static func read(from url: URL) throws -> ZVTSimulatorJournal {
        try JSONDecoder().decode(ZVTSimulatorJournal.self, from: Data(contentsOf: url))
    }
}
