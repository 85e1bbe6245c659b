import CPCSCLite
import Foundation

/// How a connection shares the card with other programs (PC/SC part 5 `SCardConnect` dwShareMode).
public enum PCSCShareMode: Sendable, Equatable {
    /// Other programs may use the card between our transactions.
    case shared
    /// Only this connection may use the card.
    case exclusive

    var raw: DWORD {
        switch self {
        case .shared: return DWORD(SCARD_SHARE_SHARED)
        case .exclusive: return DWORD(SCARD_SHARE_EXCLUSIVE)
        }
    }
}

/// The transmission protocol of a connection (ISO/IEC 7816-3 §10 T=0, §11 T=1).
public enum PCSCTransmissionProtocol: Sendable, Equatable, CustomStringConvertible {
    /// Character protocol T=0.
    case t0
    /// Block protocol T=1.
    case t1

    var raw: DWORD {
        switch self {
        case .t0: return DWORD(SCARD_PROTOCOL_T0)
        case .t1: return DWORD(SCARD_PROTOCOL_T1)
        }
    }

    init?(raw: DWORD) {
        switch raw {
        case DWORD(SCARD_PROTOCOL_T0): self = .t0
        case DWORD(SCARD_PROTOCOL_T1): self = .t1
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .t0: return "T=0"
        case .t1: return "T=1"
        }
    }
}

/// What happens to the card when a connection ends or is re-established
/// (PC/SC part 5 `SCardDisconnect` / `SCardReconnect` dwDisposition / dwInitialization).
public enum PCSCCardDisposition: Sendable, Equatable {
    /// Leave the card as it is.
    case leave
    /// Warm reset.
    case reset
    /// Power the card down (cold reset on the next connect).
    case unpower

    var raw: DWORD {
        switch self {
        case .leave: return DWORD(SCARD_LEAVE_CARD)
        case .reset: return DWORD(SCARD_RESET_CARD)
        case .unpower: return DWORD(SCARD_UNPOWER_CARD)
        }
    }
}

/// A connection to the card in one reader (PC/SC part 5 `SCardConnect`, `SCardTransmit`,
/// `SCardReconnect`, `SCardStatus`, `SCardDisconnect`).
///
/// Every call runs on the connection's own serial queue, never on Swift's cooperative pool, and
/// every call has a deadline: a card or reader that stops answering yields a timeout error
/// instead of a hang. Errors such as `SCARD_W_REMOVED_CARD` arrive as ``PCSCError`` (see
/// ``PCSCError/isCardGone``).
public final class PCSCCardConnection: @unchecked Sendable {
    /// The reader this connection belongs to.
    public let readerName: String
    /// Deadline of each PC/SC call.
    public let callTimeout: Duration

    private let context: PCSCContextHandle
    private let calls: PCSCBlockingCall
    private let lock = NSLock()
    private var cardHandle: SCARDHANDLE
    private var activeProtocolRaw: DWORD
    private var isOpen = true

    /// The largest APDU pcsc-lite passes (MAX_BUFFER_SIZE_EXTENDED: 4 + 3 + 65 536 + 3 + 2).
    public static let maximumAPDUSize = 65_548

    private init(
        readerName: String, callTimeout: Duration, context: PCSCContextHandle, calls: PCSCBlockingCall,
        cardHandle: SCARDHANDLE, activeProtocol: DWORD
    ) {
        self.readerName = readerName
        self.callTimeout = callTimeout
        self.context = context
        self.calls = calls
        self.cardHandle = cardHandle
        self.activeProtocolRaw = activeProtocol
    }

    deinit {
        if isOpen {
            SCardDisconnect(cardHandle, DWORD(SCARD_LEAVE_CARD))
        }
    }

    /// Connects to the card in `readerName` with a context of its own.
    ///
    /// - Parameters:
    ///   - protocols: acceptable protocols; the card's ATR and the reader decide which one is used.
    ///   - callTimeout: deadline for this and every later call on the connection.
    public static func connect(
        reader readerName: String, share: PCSCShareMode = .shared, protocols: [PCSCTransmissionProtocol] = [.t0, .t1],
        callTimeout: Duration = .seconds(5)
    ) async throws(PCSCError) -> PCSCCardConnection {
        let calls = PCSCBlockingCall(label: "pcsc-card-\(readerName)")
        let preferred = protocols.reduce(DWORD(0)) { $0 | $1.raw }
        let result = await calls.run("connect to the card in \(readerName)", timeout: callTimeout) {
            () -> Result<PCSCCardConnection, PCSCError> in
            let context: PCSCContextHandle
            do throws(PCSCError) {
                context = try PCSCContextHandle()
            } catch {
                return .failure(error)
            }
            var handle: SCARDHANDLE = 0
            var active: DWORD = 0
            let rv = SCardConnect(context.raw, readerName, share.raw, preferred, &handle, &active)
            guard rv == PCSCError.successCode else {
                return .failure(PCSCError(code: rv, operation: "connect to the card in \(readerName)"))
            }
            return .success(
                PCSCCardConnection(
                    readerName: readerName, callTimeout: callTimeout, context: context, calls: calls,
                    cardHandle: handle, activeProtocol: active))
        }
        return try result.get()
    }

    /// The protocol negotiated for the current connection.
    public var activeProtocol: PCSCTransmissionProtocol? {
        lock.withLock { PCSCTransmissionProtocol(raw: activeProtocolRaw) }
    }

    /// Sends one APDU and returns the raw response (data + SW1 SW2), without any 61xx/6Cxx handling.
    public func transmit(raw apdu: [UInt8]) async throws(PCSCError) -> [UInt8] {
        guard !apdu.isEmpty, apdu.count <= Self.maximumAPDUSize else {
            throw PCSCError(code: PCSCError.insufficientBufferCode, operation: "send a command to the card")
        }
        let state = try currentState("send a command to the card")
        let operation = "exchange a command with the card in \(readerName)"
        let result = await calls.run(operation, timeout: callTimeout) { () -> Result<[UInt8], PCSCError> in
            var sendPCI = SCARD_IO_REQUEST(
                dwProtocol: state.protocolRaw, cbPciLength: DWORD(MemoryLayout<SCARD_IO_REQUEST>.size))
            var received = [UInt8](repeating: 0, count: Self.maximumAPDUSize)
            var receivedLength = DWORD(received.count)
            let rv = apdu.withUnsafeBufferPointer { send in
                SCardTransmit(
                    state.handle, &sendPCI, send.baseAddress, DWORD(send.count), nil, &received, &receivedLength)
            }
            guard rv == PCSCError.successCode else { return .failure(PCSCError(code: rv, operation: operation)) }
            return .success(Array(received.prefix(Int(receivedLength))))
        }
        return try result.get()
    }

    /// Re-establishes the connection, e.g. after `SCARD_W_RESET_CARD` or to reset the card
    /// (`initialization: .reset`). Returns the protocol now in use.
    @discardableResult
    public func reconnect(
        share: PCSCShareMode = .shared, protocols: [PCSCTransmissionProtocol] = [.t0, .t1],
        initialization: PCSCCardDisposition = .reset
    ) async throws(PCSCError) -> PCSCTransmissionProtocol? {
        let state = try currentState("reconnect to the card")
        let preferred = protocols.reduce(DWORD(0)) { $0 | $1.raw }
        let operation = "reconnect to the card in \(readerName)"
        let result = await calls.run(operation, timeout: callTimeout) { () -> Result<DWORD, PCSCError> in
            var active: DWORD = 0
            let rv = SCardReconnect(state.handle, share.raw, preferred, initialization.raw, &active)
            guard rv == PCSCError.successCode else { return .failure(PCSCError(code: rv, operation: operation)) }
            return .success(active)
        }
        let active = try result.get()
        lock.withLock { activeProtocolRaw = active }
        return PCSCTransmissionProtocol(raw: active)
    }

    /// The card's current ATR as pcscd reports it (`SCardStatus`).
    public func status() async throws(PCSCError) -> [UInt8] {
        let state = try currentState("read the card status")
        let operation = "read the status of the card in \(readerName)"
        let result = await calls.run(operation, timeout: callTimeout) { () -> Result<[UInt8], PCSCError> in
            var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
            var atrLength = DWORD(atr.count)
            var cardState: DWORD = 0
            var proto: DWORD = 0
            var nameLength: DWORD = 0
            let rv = SCardStatus(state.handle, nil, &nameLength, &cardState, &proto, &atr, &atrLength)
            guard rv == PCSCError.successCode else { return .failure(PCSCError(code: rv, operation: operation)) }
            return .success(Array(atr.prefix(Int(atrLength))))
        }
        return try result.get()
    }

    /// Ends the connection. Safe to call more than once; errors (card already gone) are ignored.
    public func disconnect(_ disposition: PCSCCardDisposition = .leave) async {
        let handle = lock.withLock { () -> SCARDHANDLE? in
            guard isOpen else { return nil }
            isOpen = false
            return cardHandle
        }
        guard let handle else { return }
        _ = await calls.run("disconnect from the card", timeout: callTimeout) { () -> Result<Bool, PCSCError> in
            .success(SCardDisconnect(handle, disposition.raw) == PCSCError.successCode)
        }
    }

    private func currentState(_ operation: String) throws(PCSCError) -> (handle: SCARDHANDLE, protocolRaw: DWORD) {
        let state = lock.withLock { isOpen ? (cardHandle, activeProtocolRaw) : nil }
        guard let state else { throw PCSCError(code: PCSCError.invalidHandleCode, operation: operation) }
        return state
    }
}
