/// What a card payment ended with, as the local API and `kit-agent pay` report it (ZVT spec
/// rev. 13.x: completion 06 0F / abort 06 1E after Authorization 06 01, or no end seen).
public struct PaymentResult: Codable, Sendable, Equatable {
    /// How the payment ended (06 0F approved, 06 1E / declined 04 0F not paid, no end seen unknown).
    public enum Status: String, Codable, Sendable, Equatable {
        /// The terminal approved; the fee is paid.
        case approved
        /// Declined, aborted, or never reached the terminal; nothing was charged.
        case notPaid = "not-paid"
        /// The link broke after 06 01 was sent: the kit asks the terminal by itself. Do not charge again.
        case unknown
    }

    public var status: Status
    public var caseId: String
    /// `txId` of the `payment.intent` transaction.
    public var intentTxId: String
    public var amountCents: Int
    /// ISO 4217 numeric currency (978 = EUR).
    public var currencyCode: Int
    /// Terminal trace number (BMP 0B), when approved.
    public var traceNumber: Int?
    /// Terminal receipt number (BMP 87), when approved.
    public var receiptNumber: Int?
    /// Outbox seq of the `payment.outcome` transaction, once recorded.
    public var outcomeSeq: UInt64?
    /// Why it was not paid, or why the outcome is unknown.
    public var reason: String?
    /// Receipt lines the terminal sent for the ECR to print (card number masked by the terminal).
    public var receiptLines: [String]
    /// One sentence for IT (English).
    public var message: String
    /// One sentence for the clerk, in German (for a declined payment with the terminal's own text).
    public var clerkMessage: String?

    public init(
        status: Status, caseId: String, intentTxId: String, amountCents: Int, currencyCode: Int,
        traceNumber: Int? = nil, receiptNumber: Int? = nil, outcomeSeq: UInt64? = nil, reason: String? = nil,
        receiptLines: [String] = []
    ) {
        self.status = status
        self.caseId = caseId
        self.intentTxId = intentTxId
        self.amountCents = amountCents
        self.currencyCode = currencyCode
        self.traceNumber = traceNumber
        self.receiptNumber = receiptNumber
        self.outcomeSeq = outcomeSeq
        self.reason = reason
        self.receiptLines = receiptLines
        let amount = PaymentError.euros(amountCents)
        switch status {
        case .approved: clerkMessage = ClerkText(.paymentApproved, ["amount": ClerkText.euros(amountCents)]).german
        case .notPaid:
            let settledByHand = reason?.hasPrefix("settled by hand") == true
            let notSent = reason?.hasPrefix("the terminal was not asked") == true
            clerkMessage =
                ClerkText(settledByHand ? .paymentSettledNotPaid : notSent ? .paymentNotSent : .paymentNotPaid).german
        case .unknown: clerkMessage = ClerkText(.paymentUnknown).german
        }
        switch status {
        case .approved:
            message =
                "payment of \(amount) for case \(caseId) approved (trace \(traceNumber.map(String.init) ?? "?"), "
                + "receipt \(receiptNumber.map(String.init) ?? "?"))"
        case .notPaid:
            message = "payment of \(amount) for case \(caseId) NOT paid: \(reason ?? "no reason given")"
        case .unknown:
            message =
                "payment outcome unknown; the kit will ask the terminal. Do NOT take the fee again "
                + "(\(amount), case \(caseId)\(reason.map { ": " + $0 } ?? ""))"
        }
    }

    init(record: PaymentIntentRecord, receiptLines: [String] = []) {
        let status: Status
        switch record.state {
        case .approved: status = .approved
        case .notPaid: status = .notPaid
        case .open: status = .unknown
        }
        self.init(
            status: status, caseId: record.caseId, intentTxId: record.intentTxId, amountCents: record.amountCents,
            currencyCode: record.currencyCode, traceNumber: record.traceNumber, receiptNumber: record.receiptNumber,
            outcomeSeq: record.outcomeSeq, reason: record.reason, receiptLines: receiptLines)
    }
}
