/// Something that delivers one command APDU to a card and returns its raw answer
/// (data + SW1 SW2): a PC/SC connection, or a secure-messaging layer on top of one.
public protocol CardReaderAPDUTransport: Sendable {
    /// Sends `apdu` and returns the raw response bytes.
    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8]
}

/// Anything that exchanges typed command and response APDUs with a card.
public protocol ISO7816CommandSending: Sendable {
    /// Sends a command and returns the complete response.
    func send(_ command: ISO7816CommandAPDU) async throws(CardReaderError) -> ISO7816ResponseAPDU
}

/// The APDU level of a card connection: encodes commands (short or extended lengths), follows
/// 61xx with GET RESPONSE and 6Cxx with a corrected Le through ``ISO7816ResponseChain``, and
/// rejects answers that are too short or longer than Ne (ISO/IEC 7816-4:2013 §5.1, §5.3.4, §5.6).
public struct ISO7816CardChannel: ISO7816CommandSending {
    /// The raw transport.
    public let transport: any CardReaderAPDUTransport
    /// Upper bound for GET RESPONSE / resend rounds per command.
    public let maximumRounds: Int

    /// Creates a channel over `transport`.
    public init(transport: any CardReaderAPDUTransport, maximumRounds: Int = 64) {
        self.transport = transport
        self.maximumRounds = maximumRounds
    }

    public func send(_ command: ISO7816CommandAPDU) async throws(CardReaderError) -> ISO7816ResponseAPDU {
        var chain = ISO7816ResponseChain(command: command, maximumRounds: maximumRounds)
        var next = command
        while true {
            let raw = try await transport.transmit(next.encoded())
            let response: ISO7816ResponseAPDU
            do {
                response = try ISO7816ResponseAPDU(bytes: raw)
            } catch {
                throw .apdu(error)
            }
            let allowed = next.ne ?? 0
            if response.data.count > allowed {
                throw .responseLongerThanExpected(received: response.data.count, expected: allowed)
            }
            let step: ISO7816TransportStep
            do {
                step = try chain.next(after: response)
            } catch {
                throw .apdu(error)
            }
            switch step {
            case .send(let command): next = command
            case .finished(let response): return response
            }
        }
    }
}

extension ISO7816CommandSending {
    /// Sends `command` and requires 9000 (or one of `alsoAccepted`).
    public func sendExpectingSuccess(
        _ command: ISO7816CommandAPDU, alsoAccepted: Set<ISO7816StatusWord> = []
    ) async throws(CardReaderError) -> ISO7816ResponseAPDU {
        let response = try await send(command)
        guard response.statusWord == .success || alsoAccepted.contains(response.statusWord) else {
            throw .unexpectedStatus(response.statusWord, command: ISO7816CardChannel.name(of: command))
        }
        return response
    }

    /// Reads the whole current EF with READ BINARY in chunks of `chunkSize` until the card
    /// signals the end (short read, 6282 or 6B00), at most `limit` bytes (ISO/IEC 7816-4:2013 §11.3.3).
    public func readBinaryToEnd(chunkSize: Int = 0xDF, limit: Int = 0x7FFF) async throws(CardReaderError) -> [UInt8] {
        var content: [UInt8] = []
        while true {
            let command: ISO7816CommandAPDU
            do {
                command = try .readBinary(offset: content.count, ne: chunkSize)
            } catch {
                if content.count > limit { throw .fileTooLong(limit: limit) }
                throw .apdu(error)
            }
            let response = try await send(command)
            switch response.statusWord {
            case .success, .endOfFileReached:
                content += response.data
            case ISO7816StatusWord(rawValue: 0x6B00) where !content.isEmpty:
                return content
            default:
                throw .unexpectedStatus(response.statusWord, command: ISO7816CardChannel.name(of: command))
            }
            if content.count > limit { throw .fileTooLong(limit: limit) }
            if response.statusWord == .endOfFileReached || response.data.count < chunkSize || response.data.isEmpty {
                return content
            }
        }
    }

    /// Selects an EF by file identifier under the current DF and reads it completely.
    public func readFile(_ fileIdentifier: UInt16, limit: Int = 0x7FFF) async throws(CardReaderError) -> [UInt8] {
        let select: ISO7816CommandAPDU
        do {
            select = try .selectFile(fileIdentifier, target: .elementaryFile)
        } catch {
            throw .apdu(error)
        }
        _ = try await sendExpectingSuccess(select)
        return try await readBinaryToEnd(limit: limit)
    }
}

extension ISO7816CardChannel {
    /// A short name of a command for error messages (no data bytes: they may be personal).
    static func name(of command: ISO7816CommandAPDU) -> String {
        let known: [UInt8: String] = [
            0xA4: "SELECT", 0xB0: "READ BINARY", 0xD6: "UPDATE BINARY", 0x22: "MANAGE SECURITY ENVIRONMENT",
            0x86: "GENERAL AUTHENTICATE", 0x2A: "PERFORM SECURITY OPERATION", 0x82: "EXTERNAL AUTHENTICATE",
            0x84: "GET CHALLENGE", 0x2C: "RESET RETRY COUNTER", 0xC0: "GET RESPONSE",
        ]
        return known[command.ins] ?? "INS \(ATRHex.byte(command.ins))"
    }
}
