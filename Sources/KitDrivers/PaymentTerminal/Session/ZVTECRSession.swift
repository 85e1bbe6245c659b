/// The ECR side of one ZVT command as a pure state machine (ZVT spec rev. 13.x, chapter 2
/// "ECR commands" message flows and the acknowledgement rules of chapter 2.1): the ECR sends
/// a command, the terminal acknowledges it with `80 00 00` (or refuses with `84 xx`), then
/// the terminal is master and sends intermediate status 04 FF, status information 04 0F,
/// print lines 06 D1 / text blocks 06 D3, until completion 06 0F or abort 06 1E. The ECR
/// answers each of these with `80 00 00`.
///
/// Feed it what arrives (`receive`), timer expiries (`timerExpired`) and link loss
/// (`connectionLost`); it returns what to do. It does no I/O and never traps on hostile input:
/// unknown or malformed messages are answered (`84 83 00` / `84 9A 00`), reported as
/// `.anomaly`, and after `maximumAnomalies` the session gives up with an unknown outcome.
public struct ZVTECRSession: Sendable {
    /// Where the session is.
    public enum State: Sendable, Equatable {
        /// Created; `start()` not called yet.
        case ready
        /// Command sent; waiting for `80 00 00`.
        case awaitingAcknowledgement
        /// The terminal is master and works on the command.
        case terminalMaster
        /// Over; see the `.finish` action.
        case finished
    }

    /// The command this session runs.
    public let command: ZVTECRCommand
    /// Its timers.
    public let timeouts: ZVTSessionTimeouts
    /// Anomalies tolerated before the session gives up.
    public let maximumAnomalies: Int

    /// Current state.
    public private(set) var state: State = .ready
    /// The result once finished.
    public private(set) var result: ZVTSessionResult?

    private var generation = 0
    private var details = ZVTTransactionDetails()
    private var statusResultCode: ZVTResultCode?
    private var receipt: [ZVTReceiptLine] = []
    private var anomalies: [ZVTSessionError] = []
    private var softwareVersion: String?
    private var terminalStatus: UInt8?
    private var abortRequested = false

    public init(command: ZVTECRCommand, timeouts: ZVTSessionTimeouts = ZVTSessionTimeouts(), maximumAnomalies: Int = 16)
    {
        self.command = command
        self.timeouts = timeouts
        self.maximumAnomalies = max(0, maximumAnomalies)
    }

    /// The acknowledgement the ECR sends for every terminal message.
    static let acknowledgement = ZVTAPDU.short(0x80, 0x00)
    /// "Function not possible": the answer to commands the ECR does not take.
    static let notPossible = ZVTAPDU.short(0x84, 0x83)
    /// "Protocol error": the answer to messages that do not decode.
    static let protocolError = ZVTAPDU.short(0x84, 0x9A)

    /// Sends the command and starts T3. Fails only if the command's data exceed 65 535 bytes.
    public mutating func start() throws(ZVTError) -> [ZVTSessionAction] {
        guard state == .ready else { return [] }
        let apdu = try command.message.apdu()
        state = .awaitingAcknowledgement
        return [.send(apdu), startTimer(.acknowledgement, timeouts.acknowledgement)]
    }

    /// Feeds one received frame (the bytes of one APDU).
    public mutating func receive(frame: [UInt8]) -> [ZVTSessionAction] {
        guard state != .finished else { return [] }
        do {
            return receive(try ZVTAPDU.decode(frame))
        } catch {
            return anomaly(
                .malformedMessage(controlField: Array(frame.prefix(2)), reason: error.description),
                reply: Self.protocolError)
        }
    }

    /// Feeds one received APDU.
    public mutating func receive(_ apdu: ZVTAPDU) -> [ZVTSessionAction] {
        guard state == .awaitingAcknowledgement || state == .terminalMaster else { return [] }
        let message: ZVTMessage
        do {
            message = try ZVTMessage(apdu: apdu)
        } catch {
            return anomaly(
                .malformedMessage(controlField: apdu.controlField, reason: error.description),
                reply: Self.protocolError)
        }
        switch message {
        case .acknowledgement:
            return acknowledged()
        case .negativeAcknowledgement(let nak):
            return negativeAcknowledgement(nak.resultCode)
        case .intermediateStatus(let status):
            state = .terminalMaster
            return [.send(Self.acknowledgement), .intermediateStatus(status.status), restartActivityTimer()]
        case .statusInformation(let information):
            state = .terminalMaster
            let received = ZVTTransactionDetails(fields: information.fields)
            details = details.merging(received)
            statusResultCode = information.resultCode
            return [.send(Self.acknowledgement), .statusInformation(received), restartActivityTimer()]
        case .printLine(let line):
            state = .terminalMaster
            let receiptLine = ZVTReceiptLine(text: line.text, attribute: line.attribute)
            receipt.append(receiptLine)
            return [.send(Self.acknowledgement), .receiptLine(receiptLine), restartActivityTimer()]
        case .printTextBlock(let block):
            state = .terminalMaster
            let type = block.receiptType
            let lines = block.lines.map { ZVTReceiptLine(text: $0, receiptType: type) }
            receipt += lines
            return [.send(Self.acknowledgement)] + lines.map { .receiptLine($0) } + [restartActivityTimer()]
        case .completion(let completion):
            return completed(completion)
        case .abort(let abort):
            return aborted(abort)
        case .unknown:
            return anomaly(.unexpectedMessage(name: message.name), reply: Self.notPossible)
        default:
            return anomaly(.unexpectedMessage(name: message.name), reply: Self.notPossible)
        }
    }

    /// A timer the session started has run out.
    public mutating func timerExpired(_ timer: ZVTSessionTimer) -> [ZVTSessionAction] {
        guard timer.generation == generation, state == .awaitingAcknowledgement || state == .terminalMaster else {
            return []
        }
        switch timer.kind {
        case .acknowledgement:
            return finish(.unknown(.acknowledgementTimeout(milliseconds: Self.milliseconds(timeouts.acknowledgement))))
        case .terminalActivity:
            return finish(.unknown(.completionTimeout(milliseconds: Self.milliseconds(timeouts.cardholder))))
        }
    }

    /// The link broke (closed, reset, unrecoverable framing error).
    public mutating func connectionLost(reason: String) -> [ZVTSessionAction] {
        guard state == .awaitingAcknowledgement || state == .terminalMaster else { return [] }
        return finish(.unknown(.connectionLost(reason: reason)))
    }

    /// The clerk wants to stop a running command: sends Abort 06 B0 once. The terminal decides;
    /// a payment that is already authorised still completes.
    public mutating func requestAbort() -> [ZVTSessionAction] {
        guard state == .awaitingAcknowledgement || state == .terminalMaster, !abortRequested,
            command.kind != .abort
        else { return [] }
        abortRequested = true
        return [.send(ZVTAPDU.short(0x06, 0xB0))]
    }

    // MARK: - Steps

    private mutating func acknowledged() -> [ZVTSessionAction] {
        guard state == .awaitingAcknowledgement else { return [] }  // e.g. the answer to our 06 B0
        if command.endsWithAcknowledgement { return finish(.approved(details)) }
        state = .terminalMaster
        return [restartActivityTimer()]
    }

    private mutating func negativeAcknowledgement(_ code: ZVTResultCode) -> [ZVTSessionAction] {
        if state == .terminalMaster {
            let refusal = ZVTSessionError.requestRefused(resultCode: code.rawValue)
            return anomaly(refusal, reply: nil)
        }
        if code == .pleaseWait {
            // The terminal has the command but needs longer than T3.
            return [restartActivityTimer()]
        }
        return finish(.declined(ZVTDecline(resultCode: code, source: .negativeAcknowledgement)))
    }

    private mutating func completed(_ completion: ZVTCompletion) -> [ZVTSessionAction] {
        softwareVersion = completion.softwareVersionText ?? softwareVersion
        terminalStatus = completion.terminalStatus ?? terminalStatus
        let fromCompletion = ZVTTransactionDetails(fields: completion.fields)
        details = details.merging(fromCompletion)
        let code = completion.fields.resultCode ?? statusResultCode ?? .success
        let outcome: ZVTTransactionOutcome
        if code.isSuccess {
            outcome = .approved(details)
        } else {
            outcome = .declined(ZVTDecline(resultCode: code, source: .statusInformation, details: details))
        }
        return [.send(Self.acknowledgement)] + finish(outcome)
    }

    private mutating func aborted(_ abort: ZVTAbort) -> [ZVTSessionAction] {
        let code = abort.resultCode
        let decline = ZVTDecline(
            resultCode: code, source: .abort, details: details.isEmpty ? nil : details)
        let outcome: ZVTTransactionOutcome =
            abortRequested || code == .abortedByTimeoutOrKey ? .aborted(decline) : .declined(decline)
        return [.send(Self.acknowledgement)] + finish(outcome)
    }

    private mutating func anomaly(_ error: ZVTSessionError, reply: ZVTAPDU?) -> [ZVTSessionAction] {
        anomalies.append(error)
        var actions: [ZVTSessionAction] = []
        if let reply { actions.append(.send(reply)) }
        actions.append(.anomaly(error))
        if anomalies.count > maximumAnomalies {
            actions += finish(.unknown(.tooManyProtocolErrors(count: anomalies.count)))
        }
        return actions
    }

    private mutating func finish(_ outcome: ZVTTransactionOutcome) -> [ZVTSessionAction] {
        state = .finished
        generation += 1
        let result = ZVTSessionResult(
            command: command.kind, outcome: outcome, receipt: receipt, softwareVersion: softwareVersion,
            terminalStatus: terminalStatus, anomalies: anomalies)
        self.result = result
        return [.finish(result)]
    }

    private mutating func startTimer(_ kind: ZVTSessionTimer.Kind, _ duration: Duration) -> ZVTSessionAction {
        generation += 1
        return .startTimer(ZVTSessionTimer(kind: kind, generation: generation), duration)
    }

    private mutating func restartActivityTimer() -> ZVTSessionAction {
        startTimer(.terminalActivity, timeouts.cardholder)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return total >= Double(Int.max) ? Int.max : max(0, Int(total))
    }
}

extension ZVTAPDU {
    /// An APDU without data, e.g. `80 00 00`; an empty data part always fits.
    static func short(_ commandClass: UInt8, _ instruction: UInt8) -> ZVTAPDU {
        ZVTAPDU(emptyWithClass: commandClass, instruction: instruction)
    }

    private init(emptyWithClass commandClass: UInt8, instruction: UInt8) {
        self.commandClass = commandClass
        self.instruction = instruction
        self.data = []
        self.forcesExtendedLength = false
    }
}
