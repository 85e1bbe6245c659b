/// A command the ECR (the kit) sends to the payment terminal (ZVT spec rev. 13.x, chapter 2
/// "ECR commands"), with the flow rules the session needs.
public enum ZVTECRCommand: Sendable, Equatable {
    /// 06 00 Registration: password, config byte, currency.
    case registration(ZVTRegistration)
    /// 06 01 Authorization: a card payment.
    case authorization(ZVTAuthorization)
    /// 06 30 Reversal of a payment by receipt number.
    case reversal(ZVTPasswordCommand)
    /// 06 31 Refund.
    case refund(ZVTPasswordCommand)
    /// 06 50 End-of-day.
    case endOfDay(ZVTPasswordCommand)
    /// 06 70 Diagnosis.
    case diagnosis(ZVTFieldList)
    /// 05 01 Status enquiry.
    case statusEnquiry(ZVTPasswordCommand)
    /// 06 B0 Abort, sent on its own.
    case abort
    /// 06 02 Log-off.
    case logOff
    /// 06 20 Repeat receipt of the last transaction.
    case repeatReceipt(ZVTPasswordCommand)

    /// The command's name without its data, for results, statistics and logs.
    public enum Kind: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        case registration, authorization, reversal, refund, endOfDay, diagnosis, statusEnquiry, abort, logOff,
            repeatReceipt
    }

    /// The command's kind.
    public var kind: Kind {
        switch self {
        case .registration: return .registration
        case .authorization: return .authorization
        case .reversal: return .reversal
        case .refund: return .refund
        case .endOfDay: return .endOfDay
        case .diagnosis: return .diagnosis
        case .statusEnquiry: return .statusEnquiry
        case .abort: return .abort
        case .logOff: return .logOff
        case .repeatReceipt: return .repeatReceipt
        }
    }

    /// The message on the wire.
    public var message: ZVTMessage {
        switch self {
        case .registration(let body): return .registration(body)
        case .authorization(let body): return .authorization(body)
        case .reversal(let body): return .reversal(body)
        case .refund(let body): return .refund(body)
        case .endOfDay(let body): return .endOfDay(body)
        case .diagnosis(let fields): return .diagnosis(fields)
        case .statusEnquiry(let body): return .statusEnquiry(body)
        case .abort: return .abortRequest(ZVTFieldList())
        case .logOff: return .logOff(ZVTFieldList())
        case .repeatReceipt(let body): return .repeatReceipt(body)
        }
    }

    /// Whether the command can move money; such commands are never repeated blindly.
    public var movesMoney: Bool {
        switch kind {
        case .authorization, .reversal, .refund: return true
        default: return false
        }
    }

    /// Whether the terminal's acknowledgement `80 00 00` already ends the command.
    public var endsWithAcknowledgement: Bool { kind == .abort || kind == .logOff }

    /// 06 01 for an amount in cents (978 = EUR).
    public static func payment(amountCents: Int, currencyCode: Int = 978) throws(ZVTError) -> ZVTECRCommand {
        .authorization(try ZVTAuthorization(amountCents: amountCents, currencyCode: currencyCode))
    }
}

/// The two timers of an ECR session (ZVT spec rev. 13.x, transport chapter: T3 for the
/// acknowledgement, then the wait while the card holder acts).
public struct ZVTSessionTimeouts: Sendable, Equatable {
    /// T3: how long to wait for `80 00 00` after sending a command (about 5 s).
    public var acknowledgement: Duration
    /// How long the terminal may stay silent while it is master (card holder inserts card,
    /// enters PIN, host answers); minutes, restarted by every message.
    public var cardholder: Duration

    public init(acknowledgement: Duration = .seconds(5), cardholder: Duration = .seconds(180)) {
        self.acknowledgement = acknowledgement
        self.cardholder = cardholder
    }
}

/// A timer the session asks its driver to run (ZVT spec rev. 13.x, transport timeouts); an
/// expiry is reported back with the same value. The generation makes expiries of replaced
/// timers harmless.
public struct ZVTSessionTimer: Sendable, Equatable, Hashable {
    /// What the timer waits for.
    public enum Kind: Sendable, Equatable, Hashable {
        /// T3, the acknowledgement of the command.
        case acknowledgement
        /// The next message while the terminal is master.
        case terminalActivity
    }

    public let kind: Kind
    public let generation: Int
}

/// What the session asks its driver to do (ZVT spec rev. 13.x, chapter 2 message flows).
public enum ZVTSessionAction: Sendable, Equatable {
    /// Write this APDU to the terminal.
    case send(ZVTAPDU)
    /// Start this timer, replacing any running one.
    case startTimer(ZVTSessionTimer, Duration)
    /// The terminal shows a new intermediate status (04 FF).
    case intermediateStatus(ZVTIntermediateStatusCode)
    /// The terminal sent status information (04 0F), card number masked.
    case statusInformation(ZVTTransactionDetails)
    /// A receipt line for the printer (06 D1 or from 06 D3).
    case receiptLine(ZVTReceiptLine)
    /// Something unexpected arrived; it was answered and skipped.
    case anomaly(ZVTSessionError)
    /// The session is over.
    case finish(ZVTSessionResult)
}
