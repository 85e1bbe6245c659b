/// An EC payment terminal driven over ZVT (ZVT spec rev. 13.x) with the UnifiedPOS 1.16 device
/// life cycle: `open` (connect) → `claim` (registration 06 00) → `enable` … `disable` →
/// `release` (log-off 06 02) → `close`.
///
/// One command runs at a time; each is an `ZVTECRSession` driven over the transport, with every
/// wait bounded by the session's timers. A payment whose end was not seen returns
/// `.unknown`; until `recover(_:recordedTraceNumbers:)` resolves it, `pay` refuses to start
/// another one, and `recover` itself only ever sends status enquiry 05 01 and repeat receipt 06 20.
public actor ZVTTerminal {
    /// The link to the terminal.
    public let transport: any ZVTTransport
    /// ECR-side settings.
    public let configuration: ZVTTerminalConfiguration

    /// UnifiedPOS state.
    public private(set) var state: DeviceState = .closed
    /// UnifiedPOS power state: online after the terminal answered, offline when it could not be reached.
    public private(set) var power: DevicePower = .unknown
    /// Whether registration succeeded (`claim`).
    public private(set) var isClaimed = false
    /// Whether the device is enabled.
    public private(set) var isEnabled = false
    /// Counters and last error.
    public private(set) var statistics = ZVTTerminalStatistics()
    /// The payment whose outcome is unknown, if any.
    public private(set) var unresolvedPaymentAmountCents: Int?

    private var running = false
    private var abortRequested = false

    public init(transport: any ZVTTransport, configuration: ZVTTerminalConfiguration = ZVTTerminalConfiguration()) {
        self.transport = transport
        self.configuration = configuration
    }

    // MARK: - Life cycle

    /// Connects to the terminal.
    public func open() async throws(ZVTTerminalError) {
        guard state == .closed else { return }
        do {
            try await transport.open()
        } catch {
            note(communicationError: error.description)
            power = .offline
            throw .unreachable(error)
        }
        state = .idle
        power = .online
    }

    /// Registers the kit as the terminal's ECR (06 00 with password, config byte, currency).
    public func claim() async throws(ZVTTerminalError) {
        guard state != .closed else { throw .closed }
        let registration: ZVTRegistration
        do {
            registration = try ZVTRegistration(
                password: configuration.password, config: configuration.registrationConfig,
                currencyCode: configuration.currencyCode)
        } catch {
            throw .invalidRequest(error)
        }
        let result = try await administrative(.registration(registration), onEvent: { _ in })
        // Terminals name themselves in BMP 29 of the registration completion.
        if let terminalID = result.outcome.approvedDetails?.terminalID { statistics.terminalID = terminalID }
        isClaimed = true
    }

    /// Allows payments and administrative commands.
    public func enable() throws(ZVTTerminalError) {
        guard state != .closed else { throw .closed }
        guard isClaimed else { throw .notClaimed }
        isEnabled = true
    }

    /// Stops accepting new commands.
    public func disable() {
        isEnabled = false
    }

    /// Logs off (06 02); the registration ends even when the terminal does not answer.
    public func release() async {
        isEnabled = false
        guard isClaimed, state != .closed else { return }
        _ = try? await execute(.logOff, onEvent: { _ in })
        isClaimed = false
    }

    /// Closes the connection.
    public func close() async {
        isEnabled = false
        isClaimed = false
        await transport.close()
        state = .closed
    }

    // MARK: - Payments

    /// Takes a card payment (06 01). Returns `.unknown` when the link broke after the command
    /// was sent: record that and resolve it with `recover` — never simply pay again.
    public func pay(
        amountCents: Int, currencyCode: Int? = nil, onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void = { _ in }
    ) async throws(ZVTTerminalError) -> ZVTTransactionOutcome {
        try requireEnabled()
        guard unresolvedPaymentAmountCents == nil else { throw .unresolvedPayment }
        let command: ZVTECRCommand
        do {
            command = try .payment(amountCents: amountCents, currencyCode: currencyCode ?? configuration.currencyCode)
        } catch {
            throw .invalidRequest(error)
        }
        let result = try await execute(command, onEvent: onEvent)
        if result.outcome.needsRecovery { unresolvedPaymentAmountCents = amountCents }
        return result.outcome
    }

    /// Reverses a payment by its receipt number (06 30).
    public func reverse(
        receiptNumber: Int, onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void = { _ in }
    ) async throws(ZVTTerminalError) -> ZVTTransactionOutcome {
        try requireEnabled()
        let body: ZVTPasswordCommand
        do {
            body = try .reversal(password: configuration.password, receiptNumber: receiptNumber)
        } catch {
            throw .invalidRequest(error)
        }
        return try await execute(.reversal(body), onEvent: onEvent).outcome
    }

    /// Refunds an amount to a card (06 31).
    public func refund(
        amountCents: Int, onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void = { _ in }
    ) async throws(ZVTTerminalError) -> ZVTTransactionOutcome {
        try requireEnabled()
        let body: ZVTPasswordCommand
        do {
            body = try .refund(
                password: configuration.password, amountCents: amountCents, currencyCode: configuration.currencyCode)
        } catch {
            throw .invalidRequest(error)
        }
        return try await execute(.refund(body), onEvent: onEvent).outcome
    }

    /// Asks the running command to stop (sends 06 B0). The terminal decides; a payment that is
    /// already authorised still completes.
    public func requestAbort() {
        if running { abortRequested = true }
    }

    // MARK: - Administration

    /// End-of-day (06 50): the terminal submits its batch.
    public func endOfDay(onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void = { _ in })
        async throws(ZVTTerminalError) -> ZVTSessionResult
    {
        try requireEnabled()
        return try await administrative(.endOfDay(passwordCommand()), onEvent: onEvent)
    }

    /// Diagnosis (06 70): the terminal checks its host connection.
    public func diagnosis(onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void = { _ in })
        async throws(ZVTTerminalError) -> ZVTSessionResult
    {
        guard state != .closed else { throw .closed }
        return try await administrative(.diagnosis(ZVTFieldList()), onEvent: onEvent)
    }

    /// Status enquiry (05 01).
    public func statusEnquiry() async throws(ZVTTerminalError) -> ZVTSessionResult {
        guard state != .closed else { throw .closed }
        return try await administrative(.statusEnquiry(passwordCommand()), onEvent: { _ in })
    }

    /// Repeat receipt (06 20): the last transaction's data and receipt again.
    public func repeatReceipt(onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void = { _ in })
        async throws(ZVTTerminalError) -> ZVTSessionResult
    {
        guard state != .closed else { throw .closed }
        return try await administrative(.repeatReceipt(passwordCommand()), onEvent: onEvent)
    }

    /// Abort (06 B0) sent as a command of its own, when no command of this ECR is running.
    public func abortTerminal() async throws(ZVTTerminalError) {
        guard state != .closed else { throw .closed }
        _ = try await administrative(.abort, onEvent: { _ in })
    }

    /// UnifiedPOS CheckHealth: internal = status enquiry, external/interactive = diagnosis.
    /// Never throws; an unreachable terminal is an unhealthy report. A closed device is opened
    /// for the check (IT staff run it without claiming the terminal) and stays open.
    public func checkHealth(_ level: ZVTHealthCheckLevel) async -> ZVTHealthReport {
        let command: ZVTECRCommand =
            level == .internal ? .statusEnquiry(passwordCommand()) : .diagnosis(ZVTFieldList())
        let name = level == .internal ? "Status enquiry 05 01" : "Diagnosis 06 70"
        if state == .closed {
            do {
                try await open()
            } catch {
                return ZVTHealthReport(
                    level: level, isHealthy: false, text: "\(name): \(error.description)", terminalStatus: nil,
                    softwareVersion: nil, receipt: [])
            }
        }
        do {
            let result = try await execute(command, onEvent: { _ in })
            let text: String
            let healthy: Bool
            switch result.outcome {
            case .approved:
                healthy = (result.terminalStatus ?? 0) == 0
                text =
                    healthy
                    ? "\(name): terminal at \(transport.endpointDescription) is ready."
                    : "\(name): terminal reports status 0x\(ZVTError.hex(result.terminalStatus ?? 0))."
            case .declined(let decline), .aborted(let decline):
                healthy = false
                text = "\(name) refused: \(decline.englishText)."
            case .unknown(let error):
                healthy = false
                text = "\(name) failed: \(error.description)"
            }
            return ZVTHealthReport(
                level: level, isHealthy: healthy, text: text, terminalStatus: result.terminalStatus,
                softwareVersion: result.softwareVersion, receipt: result.receipt)
        } catch {
            return ZVTHealthReport(
                level: level, isHealthy: false, text: "\(name): \(error.description)", terminalStatus: nil,
                softwareVersion: nil, receipt: [])
        }
    }

    // MARK: - Recovery

    /// Resolves a payment intent whose outcome was never recorded, by asking the terminal:
    /// status enquiry 05 01, then repeat receipt 06 20 of its last transaction. Never sends an
    /// authorization. See `ZVTRecoveryDecision` for the rules.
    ///
    /// - Parameter recordedTraceNumbers: trace numbers of payments already recorded in the
    ///   outbox; a last transaction with one of these is not this intent's.
    public func recover(_ intent: ZVTPaymentIntent, recordedTraceNumbers: Set<Int> = [])
        async -> ZVTRecoveryResult
    {
        if state == .closed {
            do {
                try await open()
            } catch {
                return .stillUnknown(reason: error.description)
            }
        }
        let status: ZVTSessionResult
        do {
            status = try await execute(.statusEnquiry(passwordCommand()), onEvent: { _ in })
        } catch {
            return .stillUnknown(reason: error.description)
        }
        var lastTransaction: ZVTSessionResult?
        if case .approved = status.outcome {
            lastTransaction = try? await execute(.repeatReceipt(passwordCommand()), onEvent: { _ in })
        }
        let decision = ZVTRecoveryDecision.decide(
            intent: intent, statusEnquiry: status.outcome, lastTransaction: lastTransaction,
            recordedTraceNumbers: recordedTraceNumbers)
        switch decision {
        case .approved, .notDone:
            if unresolvedPaymentAmountCents == intent.amountCents { unresolvedPaymentAmountCents = nil }
        case .stillUnknown:
            break
        }
        return decision
    }

    /// UnifiedPOS resetStatistics: starts the counters afresh (trace number, version and terminal ID stay).
    public func resetStatistics() {
        var fresh = ZVTTerminalStatistics()
        fresh.lastTraceNumber = statistics.lastTraceNumber
        fresh.softwareVersion = statistics.softwareVersion
        fresh.terminalID = statistics.terminalID
        statistics = fresh
    }

    /// Clears the block on new payments after the clerk resolved an unknown payment by other
    /// means (e.g. the terminal's printed journal); `recover` clears it by itself.
    public func markPaymentResolved() {
        unresolvedPaymentAmountCents = nil
    }

    // MARK: - Running a session

    private func requireEnabled() throws(ZVTTerminalError) {
        guard state != .closed else { throw .closed }
        guard isClaimed else { throw .notClaimed }
        guard isEnabled else { throw .disabled }
    }

    private func passwordCommand() -> ZVTPasswordCommand {
        (try? ZVTPasswordCommand(password: configuration.password)) ?? .empty
    }

    /// Runs an administrative command; anything but approval is thrown.
    private func administrative(
        _ command: ZVTECRCommand, onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void
    ) async throws(ZVTTerminalError) -> ZVTSessionResult {
        let result = try await execute(command, onEvent: onEvent)
        switch result.outcome {
        case .approved: return result
        case .declined(let decline), .aborted(let decline): throw .refused(decline)
        case .unknown(let error): throw .outcomeUnknown(error)
        }
    }

    /// Drives one session to its end. Throws only when nothing was sent.
    private func execute(
        _ command: ZVTECRCommand, onEvent: @escaping @Sendable (ZVTTerminalEvent) -> Void
    ) async throws(ZVTTerminalError) -> ZVTSessionResult {
        guard state != .closed else { throw .closed }
        guard !running else { throw .busy }
        running = true
        abortRequested = false
        state = .busy
        defer {
            running = false
            abortRequested = false
            if state == .busy { state = .idle }
        }
        if !(await transport.isOpen) {
            do {
                try await transport.open()
            } catch {
                note(communicationError: error.description)
                power = .offline
                state = .error
                throw .unreachable(error)
            }
        }
        var session = ZVTECRSession(command: command, timeouts: configuration.timeouts)
        var queue: [ZVTSessionAction]
        do {
            queue = try session.start()
        } catch {
            throw .invalidRequest(error)
        }
        statistics.commandsSent += 1
        var timer: (timer: ZVTSessionTimer, deadline: ContinuousClock.Instant)?
        while true {
            while !queue.isEmpty {
                let action = queue.removeFirst()
                switch action {
                case .send(let apdu):
                    do {
                        try await transport.send(apdu.encode())
                    } catch {
                        note(communicationError: error.description)
                        await transport.close()
                        queue = session.connectionLost(reason: error.description)
                    }
                case .startTimer(let started, let duration):
                    timer = (started, ContinuousClock.now.advanced(by: duration))
                case .intermediateStatus(let code):
                    onEvent(.intermediateStatus(code))
                case .statusInformation(let details):
                    if let trace = details.traceNumber { statistics.lastTraceNumber = trace }
                    onEvent(.statusInformation(details))
                case .receiptLine(let line):
                    onEvent(.receiptLine(line))
                case .anomaly(let error):
                    statistics.protocolAnomalies += 1
                    onEvent(.anomaly(error))
                case .finish(let result):
                    record(result)
                    if result.outcome.needsRecovery {
                        // Late messages of the abandoned command must not reach the next one.
                        await transport.close()
                    }
                    return result
                }
            }
            if abortRequested {
                abortRequested = false
                queue = session.requestAbort()
                continue
            }
            guard let current = timer else {
                queue = session.connectionLost(reason: "session has no running timer")
                continue
            }
            let now = ContinuousClock.now
            if now >= current.deadline {
                timer = nil
                queue = session.timerExpired(current.timer)
                continue
            }
            let slice = min(current.deadline - now, configuration.receiveSlice)
            do {
                if let frame = try await transport.receive(timeout: slice) {
                    queue = session.receive(frame: frame)
                }
            } catch {
                note(communicationError: error.description)
                await transport.close()
                queue = session.connectionLost(reason: error.description)
            }
        }
    }

    private func record(_ result: ZVTSessionResult) {
        if let version = result.softwareVersion { statistics.softwareVersion = version }
        switch result.outcome {
        case .approved(let details):
            statistics.approvals += 1
            if let trace = details.traceNumber { statistics.lastTraceNumber = trace }
            power = .online
            if state == .error { state = .idle }
        case .declined(let decline):
            statistics.declines += 1
            statistics.lastError = decline.englishText
            power = .online
        case .aborted(let decline):
            statistics.aborts += 1
            statistics.lastError = decline.englishText
            power = .online
        case .unknown(let error):
            statistics.unknownOutcomes += 1
            note(communicationError: error.description)
            state = .error
        }
    }

    private func note(communicationError text: String) {
        statistics.communicationErrors += 1
        statistics.lastError = text
    }
}

extension ZVTPasswordCommand {
    /// A command body without password (empty data part).
    fileprivate static var empty: ZVTPasswordCommand {
        ZVTPasswordCommand(decodingEmpty: ())
    }

    private init(decodingEmpty: Void) {
        self.password = nil
        self.fields = ZVTFieldList()
    }
}
