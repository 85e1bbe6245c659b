@testable import KitDrivers

/// Deterministic SplitMix64 generator for the fuzz loops of the signature-pad tests.
struct STUTestRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// Random bytes, sometimes starting with a chosen first byte so decoders get past the id check.
    mutating func report(id: UInt8, maxLength: Int) -> [UInt8] {
        let length = Int.random(in: 0...maxLength, using: &self)
        var out = bytes(length)
        if !out.isEmpty && Bool.random(using: &self) { out[0] = id }
        return out
    }
}

/// Hex string ("01 A0 FF") to bytes, for readable test vectors.
func stuHex(_ text: String) -> [UInt8] {
    text.split(separator: " ").compactMap { UInt8($0, radix: 16) }
}
