/// A channel to a German ID card protected by the session keys of PACE (BSI TR-03110-3 §F):
/// every command goes through ``NPASecureMessaging/protect(_:)`` and every response through
/// ``NPASecureMessaging/unprotect(_:for:)``. An actor, so that the send sequence counter
/// advances in exactly the order the APDUs travel.
///
/// A channel is itself a transport: a second PACE (PIN after CAN for a suspended PIN) runs
/// through it, and the channel it yields replaces this one.
public actor NPASecureChannel: ISO7816CommandSending, CardReaderAPDUTransport {
    /// The unprotected transport underneath (the card connection).
    public nonisolated let rawTransport: any CardReaderAPDUTransport
    private var messaging: NPASecureMessaging
    let context: NPAEACContext
    /// The chip's ephemeral PACE public key: ID_PICC for Terminal Authentication (TR-03110-2 §3.3).
    nonisolated let chipPACEKey: [UInt8]
    /// The CVCA references the card trusts, as it named them after PACE with a CHAT (TR-03110-3
    /// §B.11.1, General Authenticate step 4: 87 most recent, 88 previous); empty if it named none.
    public nonisolated let cardTrustAnchors: [String]
    private var superseded = false

    init(
        rawTransport: any CardReaderAPDUTransport, context: NPAEACContext, chipPACEKey: [UInt8] = [],
        cardTrustAnchors: [String] = []
    ) {
        self.rawTransport = rawTransport
        self.context = context
        self.chipPACEKey = chipPACEKey
        self.cardTrustAnchors = cardTrustAnchors
        self.messaging = NPASecureMessaging(context: context)
    }

    /// Runs `body` with the OpenPACE context in the channel's isolation (TA and CA steps).
    func withContext<T: Sendable>(
        _ body: @Sendable (NPAEACContext) throws(NPAEACError) -> T
    ) throws(NPAEACError) -> T {
        try body(context)
    }

    /// After Chip Authentication: continues with the new session keys and SSC 0 (TR-03110-2 §3.4).
    func switchToChipAuthenticationKeys() throws(NPAEACError) {
        guard !superseded, !messaging.isClosed else { throw .transport(.secureMessaging(.sessionClosed)) }
        try context.startChipAuthenticationSecureMessaging()
        messaging = NPASecureMessaging(context: context)
    }

    /// Marks the channel unusable because a newer PACE replaced its keys.
    func supersede() {
        superseded = true
    }

    /// Sends one command under secure messaging and returns the verified, decrypted response.
    public func send(_ command: ISO7816CommandAPDU) async throws(CardReaderError) -> ISO7816ResponseAPDU {
        guard !superseded, !messaging.isClosed else { throw .secureMessaging(.sessionClosed) }
        let protected: ISO7816CommandAPDU
        do {
            protected = try messaging.protect(command)
        } catch {
            throw .secureMessaging(error)
        }
        let raw = try await rawTransport.transmit(protected.encoded())
        let response: ISO7816ResponseAPDU
        do {
            response = try ISO7816ResponseAPDU(bytes: raw)
        } catch {
            throw .apdu(error)
        }
        let plain: ISO7816ResponseAPDU
        do {
            plain = try messaging.unprotect(response, for: command)
        } catch {
            throw .secureMessaging(error)
        }
        if let ne = command.ne, plain.data.count > ne {
            throw .responseLongerThanExpected(received: plain.data.count, expected: ne)
        }
        return plain
    }

    /// Raw-APDU form of ``send(_:)``, so that protocol layers (a second PACE) can run inside the channel.
    public func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        let command: ISO7816CommandAPDU
        do {
            command = try ISO7816CommandAPDU(bytes: apdu)
        } catch {
            throw .apdu(error)
        }
        return try await send(command).encoded
    }
}
