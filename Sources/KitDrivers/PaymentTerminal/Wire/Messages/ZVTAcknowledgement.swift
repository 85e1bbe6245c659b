/// Positive acknowledgement `80 00 00` (ZVT spec rev. 13.x, chapter 2 "Acknowledgement").
/// Some terminals (Feig) put data into it; the data is kept as sent.
public struct ZVTAcknowledgement: Sendable, Equatable {
    /// Data bytes, normally empty.
    public let data: [UInt8]

    public init(data: [UInt8] = []) {
        self.data = data
    }
}
