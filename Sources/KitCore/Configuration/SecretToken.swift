import Crypto

/// Random bearer tokens (local API, kit API, operator, enrollment): 32 bytes from the system's
/// cryptographic generator as 64 hex digits; stored only as SHA-256; compared in constant time.
public enum SecretToken {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Compares without an early exit, so response timing does not reveal a token.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
