/// Why the kit refused or could not finish bookkeeping for a card payment (ZVT spec rev. 13.x
/// 06 01 flow with the crash-safety rules of issue #6), worded for the clerk and IT staff.
public enum PaymentError: Error, Equatable, CustomStringConvertible {
    /// No EC terminal is configured.
    case noTerminal
    /// The outbox cannot record transactions (e.g. the server's data key is missing).
    case notReady(String)
    /// The case cannot be read (kit locked, not checked out, …).
    case caseUnavailable(CaseStoreError)
    /// No amount was given and the case lists no fees.
    case noAmount(caseId: String)
    /// The amount is outside what a terminal accepts.
    case invalidAmount(Int)
    /// A payment without recorded outcome exists; no new charge may start until it is resolved.
    case unresolvedPayment(caseId: String, amountCents: Int, intentTxId: String)
    /// Another payment is running right now.
    case busy
    /// kit-agent is stopping (SIGTERM); no payment starts now.
    case stopping
    /// The intent or outcome could not be recorded.
    case outbox(OutboxError)
    /// The intent was resolved already; its outcome is recorded once only.
    case alreadyResolved(intentTxId: String)
    /// No payment intent with this id.
    case noSuchIntent(intentTxId: String)
    /// A payment may be settled by hand only with a note of what was checked, and only after the
    /// kit has asked the terminal at least once.
    case manualResolutionRefused(String)

    public var description: String {
        switch self {
        case .noTerminal:
            return "no EC terminal is configured on this kit: set terminal.zvt.address (flag --terminal, "
                + "KIT_AGENT_TERMINAL_ZVT_ADDRESS) to HOST:PORT or a serial device and restart kit-agent"
        case .notReady(let reason): return "the kit cannot record payments yet: \(reason)"
        case .caseUnavailable(let error): return error.description
        case .noAmount(let caseId):
            return "case \(caseId) lists no fees: give the amount in cents (--amount, amountCents)"
        case .invalidAmount(let cents):
            return "the amount \(cents) cents cannot be paid by card: give 1 to 99999999 cents"
        case .unresolvedPayment(let caseId, let amountCents, let intentTxId):
            return "a card payment of \(Self.euros(amountCents)) for case \(caseId) has no known outcome yet "
                + "(intent \(intentTxId)); the kit keeps asking the terminal. Do NOT take the fee again: wait, "
                + "or check the terminal's journal and call IT support"
        case .busy: return "another card payment is running on the terminal: wait until it has finished"
        case .stopping: return "kit-agent is stopping; start the payment again after it has restarted"
        case .outbox(let error): return "the payment was not recorded: \(error.description)"
        case .alreadyResolved(let intentTxId):
            return "the outcome of payment intent \(intentTxId) is recorded already"
        case .noSuchIntent(let intentTxId): return "there is no payment intent \(intentTxId) on this kit"
        case .manualResolutionRefused(let reason): return "the payment cannot be settled by hand: \(reason)"
        }
    }

    /// `1250` → `12,50 EUR` (German notation, as on the terminal's receipt).
    static func euros(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        let fraction = value % 100
        return "\(sign)\(value / 100),\(fraction < 10 ? "0" : "")\(fraction) EUR"
    }
}
