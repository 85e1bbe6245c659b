/// Why an envelope could not be built, read, verified or opened. Each case names one cause, so
/// the server's answer (and the kit's queue view) can say exactly what is wrong.
public enum EnvelopeError: Error, Equatable, CustomStringConvertible {
    /// The bytes do not follow the envelope format (docs/envelope.md).
    case malformed(reason: String, offset: Int)
    /// The envelope uses a format version this software does not know.
    case unsupportedVersion(UInt8)
    /// A header field is out of range (e.g. seq 0, an empty kit id).
    case invalidField(name: String, reason: String)
    /// The ECDSA signature does not match the kit's signing key: the envelope was altered or
    /// signed by another key.
    case signatureInvalid
    /// `prevHash` is not the hash of the previous envelope: one is missing, reordered or replaced.
    case chainBroken(expected: [UInt8], found: [UInt8])
    /// The sealed payload cannot be opened with this data key (wrong key or altered bytes).
    case cannotOpen
    /// Sealing or signing failed inside the crypto library.
    case sealingFailed(reason: String)
    /// A format 1 envelope's signature covers its ciphertext: without it (deleted after
    /// hand-off) only the stored chain hash remains, the signature cannot be checked again.
    case proofNeedsCiphertext

    public var description: String {
        switch self {
        case .malformed(let reason, let offset):
            return "envelope is malformed at byte \(offset): \(reason)"
        case .unsupportedVersion(let version):
            return "envelope format version \(version) is not supported by this software"
        case .invalidField(let name, let reason):
            return "envelope field \(name) is invalid: \(reason)"
        case .signatureInvalid:
            return "envelope signature does not verify: altered in transit or signed by another kit"
        case .chainBroken(let expected, let found):
            return "envelope chain is broken: prevHash \(EnvelopeError.short(found)) where "
                + "\(EnvelopeError.short(expected)) was expected (missing, reordered or replaced transaction)"
        case .cannotOpen:
            return "sealed payload cannot be opened: wrong server data key or altered envelope"
        case .sealingFailed(let reason):
            return "payload cannot be sealed: \(reason)"
        case .proofNeedsCiphertext:
            return "a format 1 envelope's signature covers its ciphertext, which is no longer held: "
                + "it was checked on arrival and cannot be checked again"
        }
    }

    static func short(_ bytes: [UInt8]) -> String {
        bytes.prefix(6).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined() + "…"
    }
}
