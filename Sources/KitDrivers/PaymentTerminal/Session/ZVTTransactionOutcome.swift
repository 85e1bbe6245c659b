/// How a command sent to the terminal ended, from the ECR's point of view (ZVT spec rev. 13.x,
/// chapter 2: completion 06 0F, abort 06 1E, negative acknowledgement 84 xx).
///
/// For administrative commands (end-of-day, diagnosis, …) `.approved` means "the terminal
/// completed the command". `.unknown` means the end of the command was never seen: money may
/// have moved, so a payment in that state must be resolved with `ZVTTerminal.recover(_:)` and
/// never simply be repeated.
public enum ZVTTransactionOutcome: Sendable, Equatable {
    /// The terminal approved the transaction (or completed the command).
    case approved(ZVTTransactionDetails)
    /// The terminal, the card or the issuer declined; nothing was charged.
    case declined(ZVTDecline)
    /// Aborted by the card holder, the abort key, a terminal timeout or the ECR; nothing was charged.
    case aborted(ZVTDecline)
    /// The end of the command was not seen; resolve with the terminal before doing anything else.
    case unknown(ZVTSessionError)

    /// Whether the outcome still has to be resolved with the terminal.
    public var needsRecovery: Bool {
        if case .unknown = self { return true }
        return false
    }

    /// The approved transaction's details, if approved.
    public var approvedDetails: ZVTTransactionDetails? {
        if case .approved(let details) = self { return details }
        return nil
    }

    /// A one-line German text for the clerk.
    public var germanText: String {
        switch self {
        case .approved: return "Zahlung erfolgreich"
        case .declined(let decline): return "Abgelehnt: \(decline.germanText)"
        case .aborted(let decline): return "Abgebrochen: \(decline.germanText)"
        case .unknown: return "Ergebnis unbekannt – bitte Terminal abfragen, nicht erneut kassieren"
        }
    }
}

/// Why the terminal declined or aborted (ZVT spec rev. 13.x, chapter 10 "Error messages").
public struct ZVTDecline: Sendable, Equatable, Hashable {
    /// Where the refusal came from.
    public enum Source: String, Sendable, Equatable, Hashable, Codable {
        /// `84 xx` in answer to the command: the terminal did not start it.
        case negativeAcknowledgement
        /// Abort 06 1E (result byte).
        case abort
        /// Status information 04 0F with a result code other than 00, ended by a completion.
        case statusInformation
    }

    /// The terminal's result code.
    public let resultCode: ZVTResultCode
    /// Where it came from.
    public let source: Source
    /// Transaction details the terminal sent with the refusal (masked card number only).
    public let details: ZVTTransactionDetails?

    public init(resultCode: ZVTResultCode, source: Source, details: ZVTTransactionDetails? = nil) {
        self.resultCode = resultCode
        self.source = source
        self.details = details
    }

    /// German text for the clerk; unknown codes are named by number.
    public var germanText: String {
        resultCode.germanText ?? "unbekannter Fehler (Code 0x\(ZVTError.hex(resultCode.rawValue)))"
    }

    /// English text for logs.
    public var englishText: String {
        resultCode.englishText ?? "unknown error (code 0x\(ZVTError.hex(resultCode.rawValue)))"
    }
}

/// One receipt line the terminal sent for the ECR's printer (ZVT spec rev. 13.x, chapter 3:
/// print line 06 D1, print text block 06 D3).
public struct ZVTReceiptLine: Sendable, Equatable, Hashable, Codable {
    /// The text without line end.
    public let text: String
    /// Attribute byte of a print line (0xFF on the last line of a receipt), `nil` for text blocks.
    public let attribute: UInt8?
    /// Receipt type of a text block (01 merchant, 02 customer, 03 administration), if sent.
    public let receiptType: UInt8?

    public init(text: String, attribute: UInt8? = nil, receiptType: UInt8? = nil) {
        self.text = text
        self.attribute = attribute
        self.receiptType = receiptType
    }

    /// Whether the terminal marked this as the last line of a receipt.
    public var isLastLine: Bool { attribute == 0xFF }
}

/// How a session ended: the outcome plus everything the terminal sent on the way (ZVT spec
/// rev. 13.x, chapter 2 message flows up to completion 06 0F / abort 06 1E).
public struct ZVTSessionResult: Sendable, Equatable {
    /// Which command ran.
    public let command: ZVTECRCommand.Kind
    /// How it ended.
    public let outcome: ZVTTransactionOutcome
    /// Receipt lines in the order received.
    public let receipt: [ZVTReceiptLine]
    /// Software version text of a registration or status enquiry completion.
    public let softwareVersion: String?
    /// Terminal status byte of a registration or status enquiry completion (0 = ready).
    public let terminalStatus: UInt8?
    /// Unexpected or malformed messages the session answered and skipped.
    public let anomalies: [ZVTSessionError]

    public init(
        command: ZVTECRCommand.Kind, outcome: ZVTTransactionOutcome, receipt: [ZVTReceiptLine] = [],
        softwareVersion: String? = nil, terminalStatus: UInt8? = nil, anomalies: [ZVTSessionError] = []
    ) {
        self.command = command
        self.outcome = outcome
        self.receipt = receipt
        self.softwareVersion = softwareVersion
        self.terminalStatus = terminalStatus
        self.anomalies = anomalies
    }
}
