/// A device step that waits for the citizen or the device: the pad for the signature, the scanner
/// for the finger set, the ID card on the reader, the EC terminal for the card payment.
public enum LongDeviceStep: String, Sendable, CaseIterable, Codable {
    case signature
    case fingerprints
    case identity
    case address
    case payment
}

/// The one timeout policy for long device steps (issue #19), shared by the agent, which enforces
/// it, and by its clients — the `kit-agent` commands, the clerk page, office software on the local
/// API — which wait for it.
///
/// The agent ends a step at ``agentLimit(_:requested:)`` at the latest: the device is cleared (the
/// pad shows nothing, the terminal is asked to abort) and nothing is recorded, so a confirmation
/// after that is refused on the device. A client waits ``clientWait(_:requested:)`` = that limit
/// plus ``clientMargin`` (opening the device, sealing and committing the transaction), so a step the
/// agent records is always reported to the client that started it — never "failed" in the client
/// and recorded in the agent.
public struct DeviceWaitPolicy: Sendable, Equatable {
    /// The citizen reads the text on the pad and signs (the local API accepts other values within
    /// ``signatureRange``).
    public var signature: Duration
    /// The whole BSI finger set, all fingers and attempts (each capture waits ``fingerCapture``).
    public var fingerprints: Duration
    /// One capture on the scanner (the procedure retries a finger after it).
    public var fingerCapture: Duration
    /// The ID card is laid on the reader (identity check and address change).
    public var cardWait: Duration
    /// The identity check: card wait, PACE, Terminal and Chip Authentication, reading DG4/5/8.
    public var identity: Duration
    /// The address change: card wait, secure channel, DG17 written and read back. The chip write
    /// itself is never interrupted; only the card wait ends early.
    public var address: Duration
    /// The card payment: after this the agent asks the terminal to abort (06 B0). The terminal
    /// decides: a payment it has already authorised still completes and is recorded.
    public var payment: Duration
    /// How long the terminal may stay silent (ZVT card holder timer, restarted by every message);
    /// after an abort request the answer comes within it, or the outcome is unknown and recovered.
    public var terminalSilence: Duration
    /// What a client adds to the agent's limit.
    public var clientMargin: Duration
    /// How long `kit-agent run` waits on SIGTERM for a running device step to stop (pad cleared,
    /// scanner closed, terminal answered the abort) before it exits anyway.
    public var shutdownGrace: Duration
    /// The signature waits the local API accepts (`timeoutSeconds`).
    public static let signatureRange: ClosedRange<Duration> = .seconds(5) ... .seconds(600)

    public init(
        signature: Duration = .seconds(180), fingerprints: Duration = .seconds(300),
        fingerCapture: Duration = .seconds(30), cardWait: Duration = .seconds(30), identity: Duration = .seconds(90),
        address: Duration = .seconds(90), payment: Duration = .seconds(300), terminalSilence: Duration = .seconds(180),
        clientMargin: Duration = .seconds(30), shutdownGrace: Duration = .seconds(2)
    ) {
        self.signature = signature
        self.fingerprints = fingerprints
        self.fingerCapture = fingerCapture
        self.cardWait = cardWait
        self.identity = identity
        self.address = address
        self.payment = payment
        self.terminalSilence = terminalSilence
        self.clientMargin = clientMargin
        self.shutdownGrace = shutdownGrace
    }

    /// The policy of this release.
    public static let standard = DeviceWaitPolicy()

    /// How long the step waits for the citizen or the device; for the signature `requested` (the
    /// local API's `timeoutSeconds`) within ``signatureRange``.
    public func deviceWait(_ step: LongDeviceStep, requested: Duration? = nil) -> Duration {
        switch step {
        case .signature:
            guard let requested else { return signature }
            return min(max(requested, Self.signatureRange.lowerBound), Self.signatureRange.upperBound)
        case .fingerprints: return fingerprints
        case .identity: return identity
        case .address: return address
        case .payment: return payment
        }
    }

    /// The latest the agent answers the step's request: its device wait, for the payment plus the
    /// terminal's silence after the abort request.
    public func agentLimit(_ step: LongDeviceStep, requested: Duration? = nil) -> Duration {
        let wait = deviceWait(step, requested: requested)
        return step == .payment ? wait + terminalSilence : wait
    }

    /// How long a client waits for the agent's answer to the step.
    public func clientWait(_ step: LongDeviceStep, requested: Duration? = nil) -> Duration {
        agentLimit(step, requested: requested) + clientMargin
    }
}
