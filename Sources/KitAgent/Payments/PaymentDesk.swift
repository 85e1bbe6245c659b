import Foundation
import KitCore
import KitDrivers
import Logging
import Synchronization

/// Takes card payments for checked-out cases on the kit's EC terminal so that a payment is never
/// lost and never taken twice (issue #6; ZVT spec rev. 13.x Authorization 06 01, recovery with
/// status enquiry 05 01 and repeat receipt 06 20):
///
/// 1. the `payment.intent` and the local ``PaymentIntentRecord`` commit in one transaction
///    before anything is sent to the terminal;
/// 2. the terminal's answer (approved, declined, aborted) commits as `payment.outcome` together
///    with resolving the local record; an answer never seen (link broke after 06 01) leaves the
///    intent open;
/// 3. while any intent is open, no new payment starts; ``recoverUnresolved()`` asks the terminal
///    what became of open intents (at start-up and, with backoff, until none is left).
public actor PaymentDesk {
    /// The terminal, or nil when none is configured (payments then refuse with a clear message).
    public let terminal: ZVTTerminal?
    private let ledger: PaymentLedger?
    private let ledgerProblem: String?
    private let cases: CaseStore
    private let logger: Logger
    private var running = false
    /// A payment (or a recovery round) talks to the terminal now.
    public var isBusy: Bool { running }
    /// The payment's limit (after it the terminal is asked to abort) and the shutdown grace.
    private let waits: DeviceWaitPolicy
    private var stopping = false

    public init(
        ledger: PaymentLedger?, ledgerProblem: String? = nil, cases: CaseStore, terminal: ZVTTerminal?, logger: Logger,
        waits: DeviceWaitPolicy = .standard
    ) {
        self.waits = waits
        self.ledger = ledger
        self.ledgerProblem = ledgerProblem
        self.cases = cases
        self.terminal = terminal
        self.logger = logger
    }

    /// The desk of a running agent: ledger on the runtime's outbox, terminal from the configuration.
    public init(runtime: KitRuntime, terminalAddress: PaymentTerminalAddress?, password: Int, logger: Logger) {
        let terminal = terminalAddress.map { address in
            ZVTTerminal(
                transport: address.makeTransport(),
                configuration: ZVTTerminalConfiguration(
                    password: password,
                    timeouts: ZVTSessionTimeouts(cardholder: DeviceWaitPolicy.standard.terminalSilence)))
        }
        self.init(
            ledger: runtime.outbox.map { PaymentLedger(database: runtime.database, outbox: $0) },
            ledgerProblem: runtime.outboxProblem, cases: runtime.cases, terminal: terminal, logger: logger)
    }

    /// Takes `amountCents` (default: the sum of the case's fees) for a checked-out case. Returns
    /// approved, not paid, or unknown (the link broke after the authorization was sent; the kit
    /// keeps asking the terminal). Throws when the payment was not started.
    public func pay(caseId: String, amountCents requested: Int? = nil) async throws(PaymentError) -> PaymentResult {
        guard let terminal else { throw .noTerminal }
        let ledger = try requireLedger()
        guard !running else { throw .busy }
        guard !stopping else { throw .stopping }
        if let open = try ledger.unresolved().first {
            throw .unresolvedPayment(caseId: open.caseId, amountCents: open.amountCents, intentTxId: open.intentTxId)
        }
        running = true
        defer { running = false }

        let snapshot: CaseSnapshot
        do { snapshot = try await cases.snapshot(caseId: caseId) } catch { throw .caseUnavailable(error) }
        let amount = requested ?? snapshot.fees.reduce(0) { $0 + $1.amountCents }
        if requested == nil && amount == 0 { throw .noAmount(caseId: caseId) }
        guard (1...99_999_999).contains(amount) else { throw .invalidAmount(amount) }
        let currencyCode = await terminal.configuration.currencyCode
        var previousTrace = await terminal.statistics.lastTraceNumber
        if previousTrace == nil { previousTrace = try ledger.lastRecordedTraceNumber() }

        let intent = try ledger.openIntent(
            caseId: caseId, baseVersion: snapshot.version, amountCents: amount,
            currencyCode: currencyCode, previousTraceNumber: previousTrace)
        logger.info(
            "payment intent recorded",
            metadata: [
                "case": "\(caseId)", "amountCents": "\(amount)", "intentSeq": "\(intent.intentSeq)",
                "previousTrace": "\(previousTrace.map(String.init) ?? "none")",
            ])

        let receipt = ReceiptCollector()
        let outcome: ZVTTransactionOutcome
        // The policy's limit: then the terminal is asked to abort (06 B0); its answer (aborted, or an
        // authorisation it already had) is recorded below like any other.
        let limit = waits.deviceWait(.payment)
        let watchdog = Task { [logger] in
            try await Task.sleep(for: limit)
            logger.notice("card payment over its time limit; asking the terminal to abort")
            await terminal.requestAbort()
        }
        defer { watchdog.cancel() }
        do {
            try await prepare(terminal)
            outcome = try await terminal.pay(amountCents: amount, onEvent: { receipt.collect($0) })
        } catch {
            // Every error thrown here means the authorization was not sent.
            return record(
                intent, .notPaid(reason: "the terminal was not asked to pay: \(error.description)", recovered: false))
        }
        switch outcome {
        case .approved(let details):
            return record(
                intent,
                .approved(
                    traceNumber: details.traceNumber, receiptNumber: details.receiptNumber, receiptLines: receipt.lines,
                    recovered: false),
                receiptLines: receipt.lines)
        case .declined(let decline):
            var result = record(
                intent,
                .notPaid(
                    reason: "declined: \(decline.englishText)", traceNumber: decline.details?.traceNumber,
                    recovered: false))
            if result.status == .notPaid {
                result.clerkMessage = ClerkText(.paymentDeclined, ["terminal": decline.germanText]).german
            }
            return result
        case .aborted(let decline):
            var result = record(
                intent,
                .notPaid(
                    reason: "aborted: \(decline.englishText)", traceNumber: decline.details?.traceNumber,
                    recovered: false))
            if result.status == .notPaid {
                result.clerkMessage = ClerkText(.paymentAborted, ["terminal": decline.germanText]).german
            }
            return result
        case .unknown(let error):
            let finding = "the link to the terminal broke after the payment was sent (\(error.description))"
            try? ledger.noteRecoveryAttempt(intentTxId: intent.intentTxId, finding: finding, attempt: false)
            logger.warning(
                "payment outcome unknown; recovery will ask the terminal",
                metadata: ["case": "\(caseId)", "amountCents": "\(amount)", "intentSeq": "\(intent.intentSeq)"])
            return PaymentResult(
                status: .unknown, caseId: caseId, intentTxId: intent.intentTxId, amountCents: amount,
                currencyCode: intent.currencyCode, reason: finding, receiptLines: receipt.lines)
        }
    }

    /// The agent stops (SIGTERM): no new payment starts; a running one is asked to abort (06 B0) and
    /// given `grace` to answer, so its outcome is recorded now. A terminal that does not answer in
    /// time is disconnected and leaves the intent open (it was recorded before 06 01): the next
    /// start's recovery asks the terminal (status enquiry, repeat receipt, never 06 01 again) and
    /// records what became of it. Returns whether the desk is idle.
    public func stop(within grace: Duration) async -> Bool {
        stopping = true
        guard running, let terminal else { return true }
        logger.notice("kit-agent stops during a card payment; asking the terminal to abort")
        await terminal.requestAbort()
        await waitUntilIdle(for: grace)
        if running {
            // Cut the link: the payment ends as "unknown" with its intent open, exactly as after a
            // crash, and the next start's recovery asks the terminal what became of it.
            logger.warning("the terminal did not answer before the stop; the payment is recovered at the next start")
            await terminal.close()
            await waitUntilIdle(for: .milliseconds(500))
        }
        return !running
    }

    private func waitUntilIdle(for duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while running, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Intents without recorded outcome, oldest first.
    public func unresolved() throws(PaymentError) -> [PaymentIntentRecord] {
        try requireLedger().unresolved()
    }

    /// Settles an open intent by hand when the terminal cannot tell (it was replaced, its journal
    /// was cleared, it is broken): a person has checked the paper receipt, the terminal's end-of-day
    /// report or the acquirer's statement and says whether the fee was paid. Records one
    /// `payment.outcome` with `manualResolution` = `note`, like any outcome, and frees the kit for
    /// the next payment.
    ///
    /// Refused while a payment runs, before the kit has asked the terminal at least once (it may
    /// still know), without a note, and for an intent that is not open.
    public func resolveByHand(
        intentSeq: UInt64, paid: Bool, receiptNumber: Int? = nil, traceNumber: Int? = nil, note: String
    ) async throws(PaymentError) -> PaymentResult {
        let ledger = try requireLedger()
        guard !running else { throw .busy }
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw .manualResolutionRefused("say what was checked (receipt, end-of-day report, statement) in the note")
        }
        guard trimmed.count <= 500 else { throw .manualResolutionRefused("the note is longer than 500 characters") }
        guard let intent = try ledger.unresolved().first(where: { $0.intentSeq == intentSeq }) else {
            throw .noSuchIntent(intentTxId: "with seq \(intentSeq)")
        }
        guard intent.recoveryAttempts > 0 else {
            throw .manualResolutionRefused(
                "the kit has not asked the terminal about this payment yet; wait for its first attempt (a minute)")
        }
        let resolution: PaymentLedger.Resolution =
            paid
            ? .approved(traceNumber: traceNumber, receiptNumber: receiptNumber, receiptLines: [], recovered: true)
            : .notPaid(reason: "settled by hand: not paid", traceNumber: traceNumber, recovered: true)
        let resolved = try ledger.resolve(intentTxId: intent.intentTxId, as: resolution, manualNote: trimmed)
        // The terminal driver blocks new payments while one it sent has no known outcome; settled
        // by hand and nothing else open, the next payment may go to the terminal again.
        if let terminal, try ledger.unresolved().isEmpty { await terminal.markPaymentResolved() }
        logger.notice(
            "payment settled by hand",
            metadata: [
                "case": "\(intent.caseId)", "intentSeq": "\(intentSeq)", "state": "\(resolved.state.rawValue)",
                "outcomeSeq": "\(resolved.outcomeSeq.map(String.init) ?? "?")",
            ])
        return PaymentResult(record: resolved)
    }

    /// What one recovery round (status enquiry 05 01, repeat receipt 06 20 per open intent) did.
    public struct RecoveryRound: Sendable, Equatable {
        /// Intents whose outcome was recorded in this round.
        public var resolved: Int
        /// Intents still open afterwards.
        public var remaining: Int

        public init(resolved: Int, remaining: Int) {
            self.resolved = resolved
            self.remaining = remaining
        }
    }

    /// Asks the terminal about every open intent (05 01, 06 20; never 06 01) and records what it
    /// says. An intent the terminal cannot account for stays open. Skipped while a payment runs.
    public func recoverUnresolved() async -> RecoveryRound {
        guard let ledger, !running else { return RecoveryRound(resolved: 0, remaining: 0) }
        let open: [PaymentIntentRecord]
        do {
            open = try ledger.unresolved()
        } catch {
            logger.error("cannot read open payment intents", metadata: ["reason": "\(error)"])
            return RecoveryRound(resolved: 0, remaining: 1)
        }
        guard !open.isEmpty else { return RecoveryRound(resolved: 0, remaining: 0) }
        guard let terminal else {
            for intent in open {
                try? ledger.noteRecoveryAttempt(
                    intentTxId: intent.intentTxId, finding: PaymentError.noTerminal.description)
            }
            return RecoveryRound(resolved: 0, remaining: open.count)
        }
        running = true
        defer { running = false }
        var resolved = 0
        for intent in open {
            let recorded: Set<Int>
            do { recorded = try ledger.recordedTraceNumbers() } catch { continue }
            let question = ZVTPaymentIntent(
                id: intent.intentTxId, amountCents: intent.amountCents, currencyCode: intent.currencyCode,
                previousTraceNumber: intent.previousTraceNumber)
            let answer = await terminal.recover(question, recordedTraceNumbers: recorded)
            let metadata: Logger.Metadata = ["case": "\(intent.caseId)", "intentSeq": "\(intent.intentSeq)"]
            switch answer {
            case .approved(let details, let receipt):
                let result = record(
                    intent,
                    .approved(
                        traceNumber: details.traceNumber, receiptNumber: details.receiptNumber,
                        receiptLines: receipt.map(\.text), recovered: true))
                if result.status == .approved { resolved += 1 }
                logger.notice(
                    "recovered payment: approved by the terminal",
                    metadata: metadata.merging(["trace": "\(details.traceNumber.map(String.init) ?? "?")"]) { $1 })
            case .notDone(let reason):
                let result = record(intent, .notPaid(reason: reason, recovered: true))
                if result.status == .notPaid { resolved += 1 }
                logger.notice("recovered payment: not paid", metadata: metadata)
            case .stillUnknown(let reason):
                try? ledger.noteRecoveryAttempt(intentTxId: intent.intentTxId, finding: reason)
                logger.warning("payment still unknown", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
            }
        }
        return RecoveryRound(resolved: resolved, remaining: open.count - resolved)
    }

    // MARK: - Private

    private func requireLedger() throws(PaymentError) -> PaymentLedger {
        guard let ledger else { throw .notReady(ledgerProblem ?? "outbox unavailable") }
        return ledger
    }

    /// Opens, registers (06 00) and enables the terminal as far as needed.
    private func prepare(_ terminal: ZVTTerminal) async throws(ZVTTerminalError) {
        if await terminal.state == .closed { try await terminal.open() }
        if await !terminal.isClaimed { try await terminal.claim() }
        if await !terminal.isEnabled { try await terminal.enable() }
    }

    /// Records the outcome; when that fails the intent stays open and recovery records it later.
    private func record(
        _ intent: PaymentIntentRecord, _ resolution: PaymentLedger.Resolution, receiptLines: [String] = []
    ) -> PaymentResult {
        guard let ledger else { return PaymentResult(record: intent) }
        do {
            let resolved = try ledger.resolve(intentTxId: intent.intentTxId, as: resolution)
            logger.info(
                "payment outcome recorded",
                metadata: [
                    "case": "\(intent.caseId)", "state": "\(resolved.state.rawValue)",
                    "outcomeSeq": "\(resolved.outcomeSeq.map(String.init) ?? "?")",
                    "trace": "\(resolved.traceNumber.map(String.init) ?? "none")",
                ])
            return PaymentResult(record: resolved, receiptLines: receiptLines)
        } catch {
            logger.error(
                "payment outcome NOT recorded; recovery will ask the terminal again",
                metadata: ["case": "\(intent.caseId)", "reason": "\(error)"])
            try? ledger.noteRecoveryAttempt(intentTxId: intent.intentTxId, finding: error.description, attempt: false)
            var open = intent
            open.reason = "the terminal answered but the kit could not record it (\(error.description))"
            return PaymentResult(record: open, receiptLines: receiptLines)
        }
    }
}

/// Collects the receipt lines a terminal sends during a payment (06 D1 / 06 D3).
private final class ReceiptCollector: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    func collect(_ event: ZVTTerminalEvent) {
        if case .receiptLine(let line) = event { storage.withLock { $0.append(line.text) } }
    }
}
