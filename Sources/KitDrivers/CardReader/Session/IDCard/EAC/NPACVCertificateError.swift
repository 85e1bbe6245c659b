/// Why a card-verifiable certificate could not be decoded or is unusable (BSI TR-03110-3
/// Appendix C and D.2).
public enum NPACVCertificateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not valid BER-TLV.
    case tlv(BERTLVError)
    /// A data object has the wrong tag.
    case unexpectedTag(expected: String, found: BERTLVTag)
    /// A data object is missing, out of order or has a wrong value.
    case malformed(field: String, reason: String)
    /// The certificate uses something the kit does not support (another profile or terminal type).
    case unsupported(field: String, reason: String)
    /// A date is not six BCD digits of a real day.
    case invalidDate(reason: String)
    /// The certificate is larger than any CV certificate (`limit` bytes).
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .tlv(let error):
            return "The CV certificate is not valid TLV: \(error)"
        case .unexpectedTag(let expected, let found):
            return "The CV certificate has tag \(found) where \(expected) belongs."
        case .malformed(let field, let reason):
            return "The CV certificate's \(field) is malformed: \(reason)."
        case .unsupported(let field, let reason):
            return "The CV certificate's \(field) is not supported: \(reason)."
        case .invalidDate(let reason):
            return "The CV certificate has an invalid date: \(reason)."
        case .tooLarge(let limit):
            return "The CV certificate is larger than \(limit) bytes."
        }
    }
}
