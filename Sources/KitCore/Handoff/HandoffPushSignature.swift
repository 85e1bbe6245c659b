import Crypto
import Foundation

/// The signature of a hand-off push (docs/handoff.md, "Push"): HMAC-SHA256 with the consumer's
/// push secret over `"<timestamp>.<dossierId>.<body>"`, sent as
/// `Kit-Handoff-Signature: v1=<64 lowercase hex digits>` beside `Kit-Handoff-Timestamp` (Unix
/// seconds, decimal) and `Kit-Handoff-Dossier-Id`. The receiver recomputes it, compares in
/// constant time and refuses a timestamp outside its replay window.
public enum HandoffPushSignature {
    public static let timestampHeader = "Kit-Handoff-Timestamp"
    public static let signatureHeader = "Kit-Handoff-Signature"
    public static let dossierIdHeader = "Kit-Handoff-Dossier-Id"
    /// The dossier's feed position (the pull API's cursor): a receiver sees a gap by it.
    public static let cursorHeader = "Kit-Handoff-Cursor"
    public static let scheme = "v1"
    /// The default replay window: ±5 minutes around the receiver's clock.
    public static let defaultReplayWindow: TimeInterval = 300

    /// The bytes the HMAC covers.
    public static func signedContent(timestamp: Int64, dossierId: String, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).\(dossierId).".utf8) + body
    }

    /// The header value `v1=<hex>`.
    public static func sign(secret: PushSecret, timestamp: Int64, dossierId: String, body: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: signedContent(timestamp: timestamp, dossierId: dossierId, body: body),
            using: SymmetricKey(data: secret.bytes))
        return "\(scheme)=" + Hex.encode(code)
    }

    /// Checks a received push. `signatureHeader` may list several comma-separated `v1=` values
    /// (a sender rotating its secret); one valid value suffices. Throws why it is refused.
    public static func verify(
        secret: PushSecret, timestampHeader: String?, signatureHeader: String?, dossierId: String, body: [UInt8],
        now: Date, replayWindow: TimeInterval = defaultReplayWindow
    ) throws(PushSignatureError) {
        guard let timestampHeader, let timestamp = Int64(timestampHeader.trimmingCharacters(in: .whitespaces))
        else { throw .missingTimestamp }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= replayWindow else {
            throw .timestampOutsideWindow(seconds: Int64(now.timeIntervalSince1970) - timestamp)
        }
        guard let signatureHeader else { throw .missingSignature }
        let codes = signatureHeader.split(separator: ",").compactMap { part -> [UInt8]? in
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0] == scheme, pair[1].utf8.count == 64 else { return nil }
            return Hex.decode(String(pair[1]))
        }
        guard !codes.isEmpty else { throw .missingSignature }
        let content = signedContent(timestamp: timestamp, dossierId: dossierId, body: body)
        let key = SymmetricKey(data: secret.bytes)
        // HMAC's own check compares in constant time.
        guard codes.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: content, using: key) })
        else { throw .wrongSignature }
    }
}

/// Why a push was refused by its receiver.
public enum PushSignatureError: Error, Equatable, CustomStringConvertible {
    case missingTimestamp
    case timestampOutsideWindow(seconds: Int64)
    case missingSignature
    case wrongSignature

    public var description: String {
        switch self {
        case .missingTimestamp: return "the Kit-Handoff-Timestamp header is missing or not a number of seconds"
        case .timestampOutsideWindow(let seconds):
            return "the timestamp is \(seconds) s away from this receiver's clock, outside the replay window"
        case .missingSignature: return "the Kit-Handoff-Signature header has no v1=<64 hex digits> value"
        case .wrongSignature: return "the signature does not match (wrong secret, or the body or id was changed)"
        }
    }
}

/// A consumer's push secret: the HMAC key is its UTF-8 bytes. 32 to 256 printable ASCII
/// characters; generated ones are 64 hex digits (256 bits). Never printed by `description`.
public struct PushSecret: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ text: String) throws(HandoffInputError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (32...256).contains(trimmed.utf8.count) else {
            throw .invalid("a push secret has 32 to 256 characters (this one has \(trimmed.utf8.count))")
        }
        guard trimmed.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid("a push secret consists of printable ASCII characters without spaces")
        }
        bytes = Array(trimmed.utf8)
    }

    /// 64 random hex digits.
    public static func generate() -> PushSecret {
        let random = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        // 64 hex digits are always a valid secret.
        return PushSecret(validated: Array(Hex.encode(random).utf8))
    }

    init(validated bytes: [UInt8]) { self.bytes = bytes }

    /// The secret as text, for the one time it is shown or written to a file.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { "PushSecret(redacted)" }
}
