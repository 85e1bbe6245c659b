/// Why a terminal operation could not be done (UnifiedPOS 1.16 error codes closed / not
/// claimed / disabled / busy / offline / failure, applied to a ZVT terminal, ZVT spec rev. 13.x).
///
/// Payments do not throw for a link that broke after the command left: they return
/// `ZVTTransactionOutcome.unknown`, which must be resolved with `recover(_:)`.
public enum ZVTTerminalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open()` was not called, or `close()` was.
    case closed
    /// The terminal was not claimed (registration 06 00 not done).
    case notClaimed
    /// The device is not enabled.
    case disabled
    /// Another command is running on this terminal.
    case busy
    /// The terminal could not be reached; nothing was sent.
    case unreachable(ZVTTransportError)
    /// The terminal refused or aborted an administrative command.
    case refused(ZVTDecline)
    /// An administrative command was sent but its end was not seen.
    case outcomeUnknown(ZVTSessionError)
    /// A payment whose outcome is unknown must be recovered before the next payment starts.
    case unresolvedPayment
    /// The request cannot be encoded (amount out of range, password not six digits, …).
    case invalidRequest(ZVTError)

    public var description: String {
        switch self {
        case .closed:
            return "The payment terminal is not opened."
        case .notClaimed:
            return "The payment terminal is not claimed (registration 06 00 missing)."
        case .disabled:
            return "The payment terminal is disabled."
        case .busy:
            return "The payment terminal is busy with another command."
        case .unreachable(let error):
            return "The payment terminal is not reachable; nothing was sent. \(error.description)"
        case .refused(let decline):
            return "The payment terminal refused the command: \(decline.englishText) "
                + "(code 0x\(ZVTError.hex(decline.resultCode.rawValue)))."
        case .outcomeUnknown(let error):
            return "The command's result is unknown: \(error.description)"
        case .unresolvedPayment:
            return "A previous payment has an unknown outcome; resolve it with the terminal (recover) "
                + "before taking another payment."
        case .invalidRequest(let error):
            return "The request cannot be sent to the terminal: \(error.description)"
        }
    }
}

/// What happened while a command ran, for the clerk UI (ZVT spec rev. 13.x, chapter 3:
/// intermediate status 04 FF, status information 04 0F, print line 06 D1 / text block 06 D3).
public enum ZVTTerminalEvent: Sendable, Equatable {
    /// The terminal shows a new status ("Karte einstecken", "Bitte warten", …).
    case intermediateStatus(ZVTIntermediateStatusCode)
    /// The terminal reported transaction data (card number masked).
    case statusInformation(ZVTTransactionDetails)
    /// One receipt line.
    case receiptLine(ZVTReceiptLine)
    /// The terminal sent something unexpected; it was answered and skipped.
    case anomaly(ZVTSessionError)
}

/// Counters for IT staff (UnifiedPOS 1.16 statistics, e.g. CommunicationErrorCount).
public struct ZVTTerminalStatistics: Sendable, Equatable, Codable {
    /// Commands sent to the terminal.
    public var commandsSent = 0
    /// Commands that ended approved / completed.
    public var approvals = 0
    /// Commands declined or refused.
    public var declines = 0
    /// Commands aborted.
    public var aborts = 0
    /// Commands whose end was not seen.
    public var unknownOutcomes = 0
    /// Connection failures, broken links, timeouts.
    public var communicationErrors = 0
    /// Unexpected or malformed messages from the terminal.
    public var protocolAnomalies = 0
    /// The last error, readable.
    public var lastError: String?
    /// Trace number of the last transaction the terminal reported.
    public var lastTraceNumber: Int?
    /// Terminal software version from registration or status enquiry.
    public var softwareVersion: String?
    /// Terminal ID (BMP 29) from the registration completion.
    public var terminalID: String?

    public init() {}
}

/// How thoroughly `checkHealth` tests the terminal (UnifiedPOS 1.16 CheckHealth levels).
public enum ZVTHealthCheckLevel: Int, Sendable, Equatable, Codable {
    /// Status enquiry 05 01: is the terminal there and ready?
    case `internal` = 1
    /// Diagnosis 06 70: the terminal checks its connection to the payment host.
    case external = 2
    /// Same as external; the terminal shows the diagnosis on its display.
    case interactive = 3
}

/// The answer of `checkHealth`, readable by IT staff (UnifiedPOS CheckHealthText).
public struct ZVTHealthReport: Sendable, Equatable {
    /// Which check ran.
    public let level: ZVTHealthCheckLevel
    /// Whether the terminal answered and reported no error.
    public let isHealthy: Bool
    /// One or two sentences on the result.
    public let text: String
    /// Terminal status byte (0 = ready), when reported.
    public let terminalStatus: UInt8?
    /// Software version, when reported.
    public let softwareVersion: String?
    /// Receipt lines the terminal sent (diagnosis report).
    public let receipt: [ZVTReceiptLine]
}

/// Terminal settings on the ECR side (ZVT spec rev. 13.x, 06 00 Registration).
public struct ZVTTerminalConfiguration: Sendable, Equatable {
    /// Terminal password, six digits (000000 on most terminals).
    public var password: Int
    /// Registration config byte.
    public var registrationConfig: ZVTRegistrationConfig
    /// ISO 4217 currency (978 = EUR).
    public var currencyCode: Int
    /// Session timers (T3, card holder wait).
    public var timeouts: ZVTSessionTimeouts
    /// Longest single wait for data; bounds how late an abort request is sent.
    public var receiveSlice: Duration

    public init(
        password: Int = 0,
        registrationConfig: ZVTRegistrationConfig = [
            .ecrPrintsPaymentReceipts, .ecrPrintsAdministrationReceipts, .intermediateStatus, .ecrControlsPayment,
            .ecrControlsAdministration,
        ],
        currencyCode: Int = 978, timeouts: ZVTSessionTimeouts = ZVTSessionTimeouts(),
        receiveSlice: Duration = .milliseconds(100)
    ) {
        self.password = password
        self.registrationConfig = registrationConfig
        self.currencyCode = currencyCode
        self.timeouts = timeouts
        self.receiveSlice = receiveSlice
    }
}
