import Foundation

/// The ID-card reader as a kit device: one PC/SC reader driven through libpcsclite, with the
/// UnifiedPOS-style life cycle open → claim → enable … disable → release → close
/// (UnifiedPOS 1.16 §"Device states"), hotplug through ``PCSCReaderMonitor``, APDU exchange
/// through ``ISO7816CardChannel``, health checks and statistics.
///
/// A removed card, an unplugged reader or a stopped pcscd are events and typed errors; every
/// PC/SC call has a deadline (``Configuration/callTimeout``).
public actor CardReaderDevice: ISO7816CommandSending {
    /// How the device picks and uses its reader.
    public struct Configuration: Sendable {
        /// The reader to claim; `nil` takes the first one pcscd lists.
        public var readerName: String?
        /// Share mode for card connections.
        public var shareMode: PCSCShareMode
        /// Acceptable transmission protocols.
        public var protocols: [PCSCTransmissionProtocol]
        /// Deadline of each PC/SC call.
        public var callTimeout: Duration
        /// Longest single wait of the hotplug monitor.
        public var pollInterval: Duration

        /// Creates a configuration.
        public init(
            readerName: String? = nil, shareMode: PCSCShareMode = .exclusive,
            protocols: [PCSCTransmissionProtocol] = [.t0, .t1], callTimeout: Duration = .seconds(5),
            pollInterval: Duration = .seconds(1)
        ) {
            self.readerName = readerName
            self.shareMode = shareMode
            self.protocols = protocols
            self.callTimeout = callTimeout
            self.pollInterval = pollInterval
        }
    }

    /// The configuration.
    public let configuration: Configuration
    /// Events delivered while the device is enabled.
    public nonisolated let events: AsyncStream<CardReaderDeviceEvent>

    /// The life-cycle state.
    public private(set) var state: DeviceState = .closed
    /// Whether this program claimed the reader.
    public private(set) var isClaimed = false
    /// Whether events are delivered.
    public private(set) var isEnabled = false
    /// The claimed reader's name.
    public private(set) var claimedReader: String?
    /// Readers pcscd offers, as last seen.
    public private(set) var readers: [String] = []
    /// Card presence per reader, as last seen.
    public private(set) var presence: [String: PCSCCardPresence] = [:]
    /// Whether pcscd is reachable, as last seen.
    public private(set) var serviceReachable = false
    /// Counters.
    public private(set) var statistics = CardReaderStatistics()
    /// The last error.
    public private(set) var lastError: CardReaderError?
    /// The open card connection, if any.
    public private(set) var cardInfo: CardReaderCardInfo?

    private let eventContinuation: AsyncStream<CardReaderDeviceEvent>.Continuation
    private var monitor: PCSCReaderMonitor?
    private var monitorTask: Task<Void, Never>?
    private var connection: PCSCCardConnection?
    private var changeWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    /// Creates a closed device.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        (events, eventContinuation) = AsyncStream.makeStream(of: CardReaderDeviceEvent.self)
    }

    /// Power as UnifiedPOS reports it: online with a reader, offline without, unknown when closed.
    public var power: DevicePower {
        guard state != .closed else { return .unknown }
        guard serviceReachable else { return .offOffline }
        if let reader = claimedReader ?? configuration.readerName ?? readers.first, readers.contains(reader) {
            return .online
        }
        return .offOffline
    }

    // MARK: - Life cycle

    /// Connects to pcscd and starts watching readers. Fails when pcscd is not reachable.
    public func open() async throws(CardReaderError) {
        guard state == .closed else { throw .wrongState(state, operation: "open the card reader") }
        do {
            readers = try PCSCContextHandle().readers()
        } catch {
            record(.pcsc(error))
            throw .pcsc(error)
        }
        serviceReachable = true
        let monitor = PCSCReaderMonitor(pollInterval: configuration.pollInterval)
        self.monitor = monitor
        let stream = monitor.events()
        monitorTask = Task { [weak self] in
            for await event in stream {
                await self?.handle(event)
            }
        }
        setState(.idle)
    }

    /// Takes the reader for this program, waiting up to `timeout` for it to be connected.
    public func claim(timeout: Duration = .seconds(2)) async throws(CardReaderError) {
        guard state != .closed else { throw .wrongState(state, operation: "claim the card reader") }
        if isClaimed { return }
        let deadline = ContinuousClock.now + timeout
        while true {
            if let name = configuration.readerName ?? readers.first, readers.contains(name) {
                claimedReader = name
                statistics.readerName = name
                isClaimed = true
                return
            }
            guard ContinuousClock.now < deadline else {
                throw .readerNotFound(configuration.readerName)
            }
            await waitForChange(until: deadline)
        }
    }

    /// Starts delivering events.
    public func enable() throws(CardReaderError) {
        guard isClaimed else { throw .notClaimed(operation: "enable the card reader") }
        isEnabled = true
    }

    /// Stops delivering events.
    public func disable() {
        isEnabled = false
    }

    /// Closes the card connection and gives the reader back.
    public func release() async {
        await disconnectCard()
        isEnabled = false
        isClaimed = false
        claimedReader = nil
    }

    /// Stops the monitor and returns to the closed state.
    public func close() async {
        await release()
        monitor?.stop()
        monitor = nil
        monitorTask?.cancel()
        monitorTask = nil
        resumeWaiters()
        setState(.closed)
    }

    // MARK: - Card

    /// Waits up to `timeout` for a card on the claimed reader and connects to it.
    @discardableResult
    public func connectCard(timeout: Duration = .seconds(2)) async throws(CardReaderError) -> CardReaderCardInfo {
        guard isClaimed, let reader = claimedReader else { throw .notClaimed(operation: "connect to the card") }
        guard state == .idle else { throw .wrongState(state, operation: "connect to the card") }
        if let cardInfo, connection != nil { return cardInfo }
        let deadline = ContinuousClock.now + timeout
        while presence[reader] == nil || presence[reader] == .empty {
            // A cancelled wait (the clerk's cancel, the agent stopping) ends now, not at the deadline.
            guard ContinuousClock.now < deadline, !Task.isCancelled else { throw .noCard(reader: reader) }
            await waitForChange(until: deadline)
            guard state != .closed else { throw .wrongState(state, operation: "connect to the card") }
        }
        setState(.busy)
        defer { setStateIfBusy(.idle) }
        do {
            let connection = try await PCSCCardConnection.connect(
                reader: reader, share: configuration.shareMode, protocols: configuration.protocols,
                callTimeout: configuration.callTimeout)
            let atr = try await connection.status()
            self.connection = connection
            let identification = (try? ATR(bytes: atr)).map(ATRCardIdentification.init) ?? .unknown
            let info = CardReaderCardInfo(
                atr: atr, identification: identification, transmissionProtocol: connection.activeProtocol)
            cardInfo = info
            statistics.cardConnections += 1
            return info
        } catch {
            record(.pcsc(error))
            throw .pcsc(error)
        }
    }

    /// Sends one command (with GET RESPONSE / Le correction) to the connected card.
    public func send(_ command: ISO7816CommandAPDU) async throws(CardReaderError) -> ISO7816ResponseAPDU {
        guard let connection else { throw .notConnected }
        guard state == .idle else { throw .wrongState(state, operation: "send a command to the card") }
        setState(.busy)
        defer { setStateIfBusy(.idle) }
        let counting = CardReaderCountingTransport(base: connection)
        do {
            let response = try await ISO7816CardChannel(transport: counting).send(command)
            add(counting.snapshot)
            return response
        } catch {
            add(counting.snapshot)
            let diagnosed = await diagnose(error, on: connection)
            record(diagnosed)
            if case .pcsc(let pcsc) = diagnosed, pcsc.isCardGone || pcsc.isServiceGone {
                await dropConnection()
            }
            throw diagnosed
        }
    }

    /// An empty answer usually means the card left mid-exchange (vpcd, and some readers, return
    /// zero bytes instead of SCARD_W_REMOVED_CARD): ask pcscd for a few hundred ms whether the
    /// card is still there and report the removal if it is not.
    private func diagnose(_ error: CardReaderError, on connection: PCSCCardConnection) async -> CardReaderError {
        guard case .apdu(.responseTooShort(count: 0)) = error else { return error }
        for _ in 0..<10 {
            do {
                _ = try await connection.status()
            } catch {
                if error.isCardGone || error.hasCode(PCSCError.invalidHandleCode) {
                    // pcscd drops the card handle when the card leaves the reader.
                    return .pcsc(
                        PCSCError(code: PCSCError.removedCardCode, operation: "exchange a command with the card"))
                }
                return error.isServiceGone ? .pcsc(error) : .apdu(.responseTooShort(count: 0))
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return error
    }

    /// A transport for protocol layers (PACE, secure messaging) that goes through this device,
    /// so that its statistics, state and error handling apply.
    public nonisolated var transport: any CardReaderAPDUTransport {
        CardReaderDeviceTransport(device: self)
    }

    /// Sends raw APDU bytes (no GET RESPONSE handling) to the connected card.
    public func transmitRaw(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        guard let connection else { throw .notConnected }
        guard state == .idle else { throw .wrongState(state, operation: "send a command to the card") }
        setState(.busy)
        defer { setStateIfBusy(.idle) }
        statistics.commandsSent += 1
        statistics.bytesSent += apdu.count
        var failure: CardReaderError
        do {
            let response = try await connection.transmit(apdu)
            statistics.bytesReceived += response.count
            guard response.isEmpty else { return response }
            failure = await diagnose(.apdu(.responseTooShort(count: 0)), on: connection)
        } catch {
            failure = error
        }
        record(failure)
        if case .pcsc(let pcsc) = failure, pcsc.isCardGone || pcsc.isServiceGone {
            await dropConnection()
        }
        throw failure
    }

    /// Warm-resets the card (`SCardReconnect` with SCARD_RESET_CARD); also recovers from
    /// `SCARD_W_RESET_CARD` after another program reset it.
    public func resetCard() async throws(CardReaderError) {
        guard let connection else { throw .notConnected }
        do {
            let proto = try await connection.reconnect(
                share: configuration.shareMode, protocols: configuration.protocols, initialization: .reset)
            let atr = try await connection.status()
            let identification = (try? ATR(bytes: atr)).map(ATRCardIdentification.init) ?? .unknown
            cardInfo = CardReaderCardInfo(atr: atr, identification: identification, transmissionProtocol: proto)
        } catch {
            record(.pcsc(error))
            if error.isCardGone || error.isServiceGone { await dropConnection() }
            throw .pcsc(error)
        }
    }

    /// Closes the card connection, leaving the card as it is (or as `disposition` says).
    public func disconnectCard(_ disposition: PCSCCardDisposition = .leave) async {
        guard let connection else { return }
        self.connection = nil
        cardInfo = nil
        await connection.disconnect(disposition)
    }

    // MARK: - Health

    /// Checks the device; `external` adds a SELECT round trip to the card, `interactive` first
    /// waits up to `cardWait` for a card.
    /// How long a health check waits for the reader monitor's first report of a reader.
    static let firstReportWait: Duration = .seconds(3)

    public func checkHealth(
        _ level: CardReaderHealthCheckLevel, cardWait: Duration = .seconds(10)
    ) async -> CardReaderHealthReport {
        var problems: [String] = []
        var reachable = false
        var currentReaders = readers
        do {
            currentReaders = try PCSCContextHandle().readers()
            reachable = true
        } catch {
            problems.append("The smart-card service pcscd is not reachable: \(error.hint).")
        }
        let reader = claimedReader ?? configuration.readerName ?? currentReaders.first
        let readerPresent = reader.map(currentReaders.contains) ?? false
        if reachable && !readerPresent {
            problems.append(
                reader.map { "The card reader \"\($0)\" is not connected; plug it in." }
                    ?? "No card reader is connected; plug one in.")
        }
        // A fresh device learns the card's state from the reader monitor's first status report
        // (`cardInserted`, `cardMute` or `readerEmpty`): wait for it briefly instead of reporting
        // "no card" for a card that lies on the reader.
        if let reader, readerPresent, presence[reader] == nil {
            let deadline = ContinuousClock.now + Self.firstReportWait
            while presence[reader] == nil, ContinuousClock.now < deadline {
                await waitForChange(until: deadline)
            }
        }
        if level == .interactive, let reader, readerPresent, presence[reader] == nil || presence[reader] == .empty {
            let deadline = ContinuousClock.now + cardWait
            while presence[reader] == nil || presence[reader] == .empty, ContinuousClock.now < deadline {
                await waitForChange(until: deadline)
            }
        }
        var cardPresent = false
        var atrHex: String?
        var kind: String?
        if let reader, case .present(let atr) = presence[reader] {
            cardPresent = true
            atrHex = atr.map { ATRHex.byte($0) }.joined(separator: " ")
            kind = ((try? ATR(bytes: atr)).map(ATRCardIdentification.init) ?? .unknown).description
        } else if let reader, presence[reader] == .mute {
            problems.append("The card on \"\(reader)\" does not answer; turn it or put it back.")
        }
        var selectStatus: String?
        var roundTrip: Int?
        if level != .internal {
            if !cardPresent {
                problems.append("No card on the reader: put a card on it for the external check.")
            } else {
                let outcome = await selectRoundTrip()
                switch outcome {
                case .success(let (status, milliseconds)):
                    selectStatus = status.description
                    roundTrip = milliseconds
                case .failure(let error):
                    problems.append("The SELECT round trip failed: \(error)")
                }
            }
        }
        return CardReaderHealthReport(
            level: level, state: state, serviceReachable: reachable, readers: currentReaders, reader: reader,
            readerPresent: readerPresent, cardPresent: cardPresent, cardATR: atrHex, cardKind: kind,
            selectStatus: selectStatus, roundTripMilliseconds: roundTrip, lastError: lastError?.description,
            problems: problems)
    }

    /// SELECT MF (`00 A4 00 0C 02 3F 00`): any well-formed answer proves the card talks.
    private func selectRoundTrip() async -> Result<(ISO7816StatusWord, Int), CardReaderError> {
        let hadConnection = connection != nil
        let start = ContinuousClock.now
        do {
            if !hadConnection {
                guard isClaimed else { throw CardReaderError.notClaimed(operation: "check the card") }
                try await connectCard(timeout: .zero)
            }
            let select = try ISO7816CommandAPDU.selectFile(0x3F00)
            let response = try await send(select)
            if !hadConnection { await disconnectCard() }
            let elapsed = ContinuousClock.now - start
            let milliseconds = Int(
                elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            return .success((response.statusWord, milliseconds))
        } catch let error as CardReaderError {
            return .failure(error)
        } catch let error as ISO7816APDUError {
            return .failure(.apdu(error))
        } catch {
            return .failure(.notConnected)
        }
    }

    // MARK: - Monitor events

    private func handle(_ event: PCSCReaderEvent) async {
        switch event {
        case .serviceAvailable:
            serviceReachable = true
            if state == .error { setState(.idle) }
            deliver(.serviceAvailable)
        case .serviceUnavailable(let error):
            serviceReachable = false
            record(.pcsc(error))
            await dropConnection()
            // Without pcscd there are no readers; the monitor re-adds them when it returns.
            if let claimedReader, readers.contains(claimedReader) { deliver(.readerLost) }
            readers = []
            presence = [:]
            if state != .closed { setState(.error) }
            deliver(.serviceUnavailable(error))
        case .readerAdded(let name):
            let isNew = !readers.contains(name)
            if isNew { readers.append(name) }
            // The card state stays unknown (nil) until the reader's first status report.
            if isNew && name == claimedReader { deliver(.readerBack) }
        case .readerRemoved(let name):
            readers.removeAll { $0 == name }
            presence[name] = nil
            if name == claimedReader {
                await dropConnection()
                deliver(.readerLost)
            }
        case .cardInserted(let reader, let atr):
            presence[reader] = .present(atr: atr)
            if reader == claimedReader {
                statistics.cardInsertions += 1
                deliver(.cardInserted(atr: atr))
            }
        case .cardRemoved(let reader):
            presence[reader] = .empty
            if reader == claimedReader {
                statistics.cardRemovals += 1
                await dropConnection()
                deliver(.cardRemoved)
            }
        case .cardMute(let reader):
            presence[reader] = .mute
            if reader == claimedReader { deliver(.cardMute) }
        case .readerEmpty(let reader):
            presence[reader] = .empty
        }
        resumeWaiters()
    }

    private func deliver(_ event: CardReaderDeviceEvent) {
        if isEnabled { eventContinuation.yield(event) }
    }

    private func dropConnection() async {
        guard let connection else { return }
        self.connection = nil
        cardInfo = nil
        await connection.disconnect(.leave)
    }

    private func setState(_ new: DeviceState) {
        guard new != state else { return }
        state = new
        deliver(.stateChanged(new))
    }

    private func setStateIfBusy(_ new: DeviceState) {
        if state == .busy { setState(new) }
    }

    private func record(_ error: CardReaderError) {
        lastError = error
        statistics.communicationErrors += 1
        statistics.lastError = error.description
        statistics.lastErrorAt = Date()
    }

    private func add(_ counts: CardReaderCountingTransport.Counts) {
        statistics.commandsSent += counts.commands
        statistics.bytesSent += counts.sent
        statistics.bytesReceived += counts.received
    }

    /// Suspends until the monitor reports something or `deadline` passes.
    private func waitForChange(until deadline: ContinuousClock.Instant) async {
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            await self?.resumeWaiter(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                changeWaiters[id] = continuation
            }
        } onCancel: {
            Task { await self.resumeWaiter(id) }
        }
        timer.cancel()
    }

    private func resumeWaiter(_ id: UUID) {
        changeWaiters.removeValue(forKey: id)?.resume()
    }

    private func resumeWaiters() {
        let waiters = changeWaiters
        changeWaiters = [:]
        for waiter in waiters.values { waiter.resume() }
    }
}
