/// A payment the kit committed to its outbox before sending Authorization 06 01, as the
/// recovery needs it (crash safety of issue #6; ZVT spec rev. 13.x 05 01 and 06 20).
public struct ZVTPaymentIntent: Sendable, Equatable, Hashable, Codable {
    /// The outbox's identifier of the intent.
    public let id: String
    /// Amount in cents.
    public let amountCents: Int
    /// ISO 4217 currency (978 = EUR).
    public let currencyCode: Int
    /// The terminal's last trace number known before 06 01 was sent (`ZVTTerminal.statistics
    /// .lastTraceNumber`), if known. With it, "nothing happened since" is recognised exactly.
    public let previousTraceNumber: Int?

    public init(id: String, amountCents: Int, currencyCode: Int = 978, previousTraceNumber: Int? = nil) {
        self.id = id
        self.amountCents = amountCents
        self.currencyCode = currencyCode
        self.previousTraceNumber = previousTraceNumber
    }
}

/// What the terminal says about a payment intent without recorded outcome (ZVT spec rev. 13.x,
/// answers to 05 01 and 06 20).
public enum ZVTRecoveryResult: Sendable, Equatable {
    /// The terminal's last transaction is this payment, approved: record it with these details.
    case approved(ZVTTransactionDetails, receipt: [ZVTReceiptLine])
    /// The payment did not happen (or was declined): record it as not paid.
    case notDone(reason: String)
    /// The terminal cannot tell yet (unreachable, busy, ambiguous): keep the intent and ask again
    /// later or let the clerk check the terminal's journal. Never pay again in this state.
    case stillUnknown(reason: String)
}

/// The pure rules that turn the terminal's answers into a `ZVTRecoveryResult` (ZVT spec rev.
/// 13.x: status enquiry 05 01 shows the terminal is there and idle; repeat receipt 06 20 returns
/// status information 04 0F of the last transaction with amount, trace number and receipt).
///
/// Approved only when the last transaction is new (its trace number is newer than the intent's
/// `previousTraceNumber`, counting the wrap after 999999, and not already recorded), approved, in the intent's currency, for the
/// intent's amount, and not a reversal. Not done when the last transaction is an older, known
/// one, or a new decline of the same amount. Everything else stays unknown.
public enum ZVTRecoveryDecision {
    public static func decide(
        intent: ZVTPaymentIntent, statusEnquiry: ZVTTransactionOutcome, lastTransaction: ZVTSessionResult?,
        recordedTraceNumbers: Set<Int>
    ) -> ZVTRecoveryResult {
        switch statusEnquiry {
        case .approved: break
        case .declined(let decline), .aborted(let decline):
            return .stillUnknown(
                reason: "The terminal refused the status enquiry (\(decline.englishText)); it may be busy.")
        case .unknown(let error):
            return .stillUnknown(reason: "The terminal did not answer the status enquiry: \(error.description)")
        }
        guard let lastTransaction else {
            return .stillUnknown(reason: "The terminal's last transaction could not be read (repeat receipt failed).")
        }
        let details: ZVTTransactionDetails
        switch lastTransaction.outcome {
        case .approved(let received): details = received
        case .declined(let decline) where decline.source == .statusInformation && decline.details != nil:
            // The repeated receipt is of a declined transaction: judge its data below.
            details = decline.details ?? ZVTTransactionDetails()
        case .declined(let decline), .aborted(let decline):
            return .stillUnknown(reason: "The terminal cannot repeat its last receipt (\(decline.englishText)).")
        case .unknown(let error):
            return .stillUnknown(reason: "The repeat receipt did not finish: \(error.description)")
        }
        guard let trace = details.traceNumber else {
            return .stillUnknown(reason: "The terminal's last transaction has no trace number.")
        }
        if let previous = intent.previousTraceNumber, !isNewer(trace, than: previous) {
            return .notDone(
                reason: "The terminal's last transaction (trace \(trace)) is not newer than trace \(previous) "
                    + "seen before this payment; the authorization never reached the terminal.")
        }
        if recordedTraceNumbers.contains(trace) {
            return .notDone(
                reason: "The terminal's last transaction (trace \(trace)) is older than this payment; "
                    + "the authorization never reached the terminal.")
        }
        guard details.originalTraceNumber == nil else {
            return .stillUnknown(
                reason: "The terminal's last transaction (trace \(trace)) is a reversal; check its journal.")
        }
        if let currency = details.currencyCode, currency != intent.currencyCode {
            return .stillUnknown(reason: "The terminal's last transaction (trace \(trace)) is in currency \(currency).")
        }
        guard details.amountCents == intent.amountCents else {
            let amount = details.amountCents.map(String.init) ?? "no"
            return .stillUnknown(
                reason: "The terminal's last transaction (trace \(trace)) has amount \(amount) cents, "
                    + "not \(intent.amountCents); check the terminal's journal.")
        }
        if let code = details.resultCode, code != 0 {
            return .notDone(
                reason: "The terminal declined this payment (trace \(trace), "
                    + "\(ZVTDecline(resultCode: ZVTResultCode(code), source: .statusInformation).englishText)).")
        }
        return .approved(details, receipt: lastTransaction.receipt)
    }

    /// Trace numbers count up to 999999 and wrap; "newer" means up to half the range ahead.
    static func isNewer(_ trace: Int, than previous: Int) -> Bool {
        let distance = ((trace - previous) % 1_000_000 + 1_000_000) % 1_000_000
        return distance > 0 && distance < 500_000
    }
}
