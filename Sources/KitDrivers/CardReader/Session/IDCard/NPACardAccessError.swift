/// Why EF.CardAccess (or another SET OF SecurityInfo) could not be decoded (BSI TR-03110-3 §A.1).
public enum NPACardAccessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not valid DER/BER-TLV.
    case encoding(BERTLVError)
    /// The file does not start with a SET (tag 31).
    case notASetOfSecurityInfos(found: BERTLVTag)
    /// SecurityInfo number `index` (0-based) does not match its ASN.1 definition.
    case malformedSecurityInfo(index: Int, reason: String)
    /// Bytes follow the SET and trailing bytes were not allowed.
    case trailingBytes(count: Int)

    public var description: String {
        switch self {
        case .encoding(let error):
            return "EF.CardAccess is not valid DER: \(error)"
        case .notASetOfSecurityInfos(let tag):
            return "EF.CardAccess starts with tag \(tag) instead of 31 (SET OF SecurityInfo); "
                + "the card is not a German ID card or the file is corrupt."
        case .malformedSecurityInfo(let index, let reason):
            return "SecurityInfo #\(index + 1) in EF.CardAccess is malformed: \(reason)."
        case .trailingBytes(let count):
            return "\(count) byte(s) follow the SET OF SecurityInfo in EF.CardAccess."
        }
    }
}
