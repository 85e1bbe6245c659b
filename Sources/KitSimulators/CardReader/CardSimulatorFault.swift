/// Misbehaviour the simulated card shows on purpose, so that driver tests can check that hostile
/// or broken cards yield typed errors (ISO/IEC 7816-4:2013 §5.1 response format violated in
/// each way a real card or a tampered reader could).
public enum CardSimulatorFault: Sendable, Equatable {
    /// Behave.
    case none
    /// Answer every APDU with a single byte (no complete status word).
    case truncatedResponse
    /// Answer every APDU with only this status word.
    case wrongStatus(UInt16)
    /// Answer every APDU with `count` data bytes and 9000, whatever Ne was.
    case oversizedResponse(count: Int)
    /// Serve EF.CardAccess (and GENERAL AUTHENTICATE answers) whose TLV length fields point past the data.
    case badTLVLength
    /// Serve EF.CardAccess whose SET announces a length of 2^31 - 1 bytes.
    case hugeLength
    /// Never answer APDUs (the reader's call must time out).
    case mute
    /// Answer Chip Authentication with a wrong authentication token (a cloned or forged chip).
    case wrongChipAuthenticationToken
    /// Answer Chip Authentication with a 7C template that lacks the token (82).
    case missingChipAuthenticationToken
}
