/// Something the card reader reports to its user while enabled (UnifiedPOS 1.16 §"Events":
/// status updates; PC/SC part 5 `SCardGetStatusChange` for the underlying changes).
public enum CardReaderDeviceEvent: Equatable, Sendable {
    /// A card was put on the claimed reader.
    case cardInserted(atr: [UInt8])
    /// The card left the claimed reader; an open connection is closed.
    case cardRemoved
    /// A card is on the reader but mute.
    case cardMute
    /// The claimed reader was unplugged.
    case readerLost
    /// The claimed reader is back.
    case readerBack
    /// pcscd went away; the device is in the error state until it returns.
    case serviceUnavailable(PCSCError)
    /// pcscd is reachable again.
    case serviceAvailable
    /// The device's state changed.
    case stateChanged(DeviceState)
}

/// What the driver learned when it connected to a card.
public struct CardReaderCardInfo: Equatable, Sendable {
    /// The answer to reset.
    public let atr: [UInt8]
    /// What the ATR says about the card (ISO/IEC 7816-3 §8; known German ID card ATRs).
    public let identification: ATRCardIdentification
    /// The negotiated transmission protocol.
    public let transmissionProtocol: PCSCTransmissionProtocol?
}
