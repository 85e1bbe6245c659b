import Crypto
import CryptoExtras
import Foundation
import KitCore

/// An operator's password as the store keeps it: scrypt (memory-hard; the mirror has no Argon2id,
/// which BSI TR-02102-1 names first) with a random 16-byte salt, its parameters stored beside the
/// hash so they can be raised later: `scrypt$N$r$p$SALT$HASH` (hex).
public struct OperatorPassword: Sendable, Equatable {
    public var n: Int
    public var r: Int
    public var p: Int
    public var salt: [UInt8]
    public var hash: [UInt8]

    /// 32 MiB and about 0.1–0.3 s per sign-in.
    public static let standardCost = (n: 1 << 15, r: 8, p: 1)
    /// Shortest password accepted (BSI ORP.4.A8 asks for a password policy; length is what counts).
    public static let minimumLength = 12

    public static func hashing(_ password: String, cost: (n: Int, r: Int, p: Int) = standardCost) throws -> Self {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
        return Self(
            n: cost.n, r: cost.r, p: cost.p, salt: salt,
            hash: try derive(password, salt: salt, n: cost.n, r: cost.r, p: cost.p))
    }

    public func matches(_ password: String) -> Bool {
        guard let candidate = try? Self.derive(password, salt: salt, n: n, r: r, p: p) else { return false }
        return SecretToken.constantTimeEqual(candidate, hash)
    }

    public var encoded: String {
        "scrypt$\(n)$\(r)$\(p)$\(Hex.encode(salt))$\(Hex.encode(hash))"
    }

    public init(n: Int, r: Int, p: Int, salt: [UInt8], hash: [UInt8]) {
        self.n = n
        self.r = r
        self.p = p
        self.salt = salt
        self.hash = hash
    }

    /// Reads the stored form; nil for anything else (the account then cannot sign in).
    public init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]),
            let p = Int(parts[3]), n >= 2, n <= 1 << 20, n & (n - 1) == 0, (1...32).contains(r), (1...16).contains(p),
            let salt = Hex.decode(parts[4]), salt.count >= 16, let hash = Hex.decode(parts[5]), hash.count == 32
        else { return nil }
        self.init(n: n, r: r, p: p, salt: salt, hash: hash)
    }

    static func derive(_ password: String, salt: [UInt8], n: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}

extension OperatorPassword {
    /// Checked against when a name is unknown, so a wrong name costs as long as a wrong password.
    static let decoy = OperatorPassword(
        n: standardCost.n, r: standardCost.r, p: standardCost.p, salt: [UInt8](repeating: 0x5A, count: 16),
        hash: [UInt8](repeating: 0, count: 32))
}
