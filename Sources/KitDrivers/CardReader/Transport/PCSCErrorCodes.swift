import CPCSCLite

/// The pcsclite.h return codes the driver reacts to (PC/SC Workgroup spec part 5 §3, pcsc-lite
/// `SCARD_E_*` / `SCARD_W_*`), and what each means for the device's life cycle.
extension PCSCError {
    /// SCARD_S_SUCCESS.
    static let successCode: LONG = 0
    /// SCARD_E_CANCELLED: SCardCancel interrupted a wait.
    static let cancelledCode: LONG = 0x8010_0002
    /// SCARD_E_INVALID_HANDLE: context or card handle no longer valid (pcscd restarted).
    static let invalidHandleCode: LONG = 0x8010_0003
    /// SCARD_E_INSUFFICIENT_BUFFER: the answer does not fit.
    static let insufficientBufferCode: LONG = 0x8010_0008
    /// SCARD_E_UNKNOWN_READER.
    static let unknownReaderCode: LONG = 0x8010_0009
    /// SCARD_E_TIMEOUT.
    static let timeoutCode: LONG = 0x8010_000A
    /// SCARD_E_SHARING_VIOLATION: another program holds the card exclusively.
    static let sharingViolationCode: LONG = 0x8010_000B
    /// SCARD_E_NO_SMARTCARD.
    static let noSmartcardCode: LONG = 0x8010_000C
    /// SCARD_E_NOT_TRANSACTED: the reader driver could not deliver the APDU.
    static let notTransactedCode: LONG = 0x8010_0016
    /// SCARD_E_READER_UNAVAILABLE.
    static let readerUnavailableCode: LONG = 0x8010_0017
    /// SCARD_E_NO_SERVICE: pcscd is not running.
    static let noServiceCode: LONG = 0x8010_001D
    /// SCARD_E_SERVICE_STOPPED: pcscd shut down.
    static let serviceStoppedCode: LONG = 0x8010_001E
    /// SCARD_E_NO_READERS_AVAILABLE.
    static let noReadersCode: LONG = 0x8010_002E
    /// SCARD_E_COMM_DATA_LOST.
    static let commDataLostCode: LONG = 0x8010_002F
    /// SCARD_W_UNRESPONSIVE_CARD.
    static let unresponsiveCardCode: LONG = 0x8010_0066
    /// SCARD_W_UNPOWERED_CARD.
    static let unpoweredCardCode: LONG = 0x8010_0067
    /// SCARD_W_RESET_CARD: another program reset the card; reconnect.
    static let resetCardCode: LONG = 0x8010_0068
    /// SCARD_W_REMOVED_CARD.
    static let removedCardCode: LONG = 0x8010_0069

    /// Whether the code is `code`.
    func hasCode(_ other: LONG) -> Bool { code == Int(other) }

    /// The card left the reader (or never was there): the connection is gone for good.
    public var isCardGone: Bool {
        hasCode(Self.removedCardCode) || hasCode(Self.noSmartcardCode) || hasCode(Self.unpoweredCardCode)
            || hasCode(Self.unresponsiveCardCode)
    }

    /// Another program (or pcscd) reset the card: reconnect and start again.
    public var isCardReset: Bool { hasCode(Self.resetCardCode) }

    /// pcscd is gone or restarted: establish a new context.
    public var isServiceGone: Bool {
        hasCode(Self.noServiceCode) || hasCode(Self.serviceStoppedCode) || hasCode(Self.invalidHandleCode)
    }

    /// The reader disappeared.
    public var isReaderGone: Bool {
        hasCode(Self.unknownReaderCode) || hasCode(Self.readerUnavailableCode) || hasCode(Self.noReadersCode)
    }

    /// The operation did not finish in time (pcscd's or the driver's own timeout).
    public var isTimeout: Bool { hasCode(Self.timeoutCode) }

    /// A driver-side timeout: the blocking PC/SC call did not return within `seconds`.
    static func timedOut(_ operation: String) -> PCSCError {
        PCSCError(code: timeoutCode, operation: operation)
    }
}
