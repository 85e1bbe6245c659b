/// A PC/SC card connection is the raw APDU transport of the card-reader driver
/// (PC/SC part 5 `SCardTransmit`).
extension PCSCCardConnection: CardReaderAPDUTransport {
    /// Sends `apdu` through `SCardTransmit`; PC/SC failures arrive as ``CardReaderError/pcsc(_:)``.
    public func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        do {
            return try await transmit(raw: apdu)
        } catch {
            throw .pcsc(error)
        }
    }
}
