/// What the transport has to do after a response, decided from the status word alone
/// (ISO/IEC 7816-4:2013 §5.3.4 and §5.6; ISO/IEC 7816-3:2006 §12.2.2).
public enum ISO7816TransportAction: Equatable, Sendable {
    /// The exchange is complete; hand the response to the caller.
    case complete
    /// SW 61xx: send GET RESPONSE (`00 C0 00 00 xx`) to fetch the remaining bytes.
    case getResponse(ISO7816CommandAPDU)
    /// SW 6Cxx: send the same command again with Le = xx.
    case resend(ISO7816CommandAPDU)

    /// Decides the next step for `response`, which answered `command`.
    public init(command: ISO7816CommandAPDU, response: ISO7816ResponseAPDU) {
        let status = response.statusWord
        if let available = status.bytesAvailable,
            let next = try? ISO7816CommandAPDU.getResponse(ne: available, channelOf: command.cla)
        {
            self = .getResponse(next)
        } else if let exact = status.exactLengthExpected,
            let next = try? ISO7816CommandAPDU(
                cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2, data: command.data, ne: exact)
        {
            self = .resend(next)
        } else {
            self = .complete
        }
    }
}

/// The next step of a ``ISO7816ResponseChain`` (ISO/IEC 7816-4:2013 §5.3.4: GET RESPONSE after 61xx).
public enum ISO7816TransportStep: Equatable, Sendable {
    /// Transmit this command and feed its response back into the chain.
    case send(ISO7816CommandAPDU)
    /// The exchange is finished: all response data collected, with the final status word.
    case finished(ISO7816ResponseAPDU)
}

/// Pure state machine that turns one logical command into the sequence of APDUs a T=0-style
/// card may need: it follows 61xx with GET RESPONSE, collecting the data of every part, and
/// repeats a command rejected with 6Cxx with the exact Le (ISO/IEC 7816-4:2013 §5.3.4, §5.6).
/// It performs no I/O: the transport sends whatever ``next(after:)`` returns.
public struct ISO7816ResponseChain: Sendable {
    /// The command the caller wanted to send.
    public let command: ISO7816CommandAPDU
    /// Upper bound of commands sent in total before giving up.
    public let maximumRounds: Int
    /// The command most recently handed to the transport.
    public private(set) var lastSent: ISO7816CommandAPDU
    /// Response data collected so far.
    public private(set) var collectedData: [UInt8] = []
    /// Commands handed to the transport so far (the original command counts as one).
    public private(set) var rounds = 1

    /// Starts a chain; send `command` first.
    public init(command: ISO7816CommandAPDU, maximumRounds: Int = 64) {
        self.command = command
        self.maximumRounds = max(1, maximumRounds)
        self.lastSent = command
    }

    /// Consumes the response to ``lastSent`` and returns what to do next.
    public mutating func next(after response: ISO7816ResponseAPDU) throws(ISO7816APDUError) -> ISO7816TransportStep {
        switch ISO7816TransportAction(command: lastSent, response: response) {
        case .complete:
            return .finished(ISO7816ResponseAPDU(data: collectedData + response.data, statusWord: response.statusWord))
        case .getResponse(let next):
            collectedData += response.data
            return try advance(to: next)
        case .resend(let next):
            return try advance(to: next)
        }
    }

    private mutating func advance(to next: ISO7816CommandAPDU) throws(ISO7816APDUError) -> ISO7816TransportStep {
        guard rounds < maximumRounds else { throw .tooManyResponseRounds(rounds: rounds) }
        rounds += 1
        lastSent = next
        return .send(next)
    }
}
