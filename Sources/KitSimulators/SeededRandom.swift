/// Deterministic SplitMix64 generator, so that synthetic fingerprints and hostile test inputs are reproducible
/// from a seed on every platform (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform value in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// Uniform value in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// Approximately normal value with mean 0 and standard deviation 1 (sum of 4 uniforms, rescaled).
    public mutating func gaussian() -> Double {
        (unit() + unit() + unit() + unit() - 2) * 1.732_050_807_568_877
    }

    /// `count` random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// Flips, inserts or deletes a few bytes of `input` (hostile-input tests of the parsers).
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &self) {
            switch Int.random(in: 0...3, using: &self) {
            case 0 where !bytes.isEmpty:
                let index = Int.random(in: 0..<bytes.count, using: &self)
                bytes[index] = UInt8.random(in: 0...255, using: &self)
            case 1:
                bytes.insert(UInt8.random(in: 0...255, using: &self), at: Int.random(in: 0...bytes.count, using: &self))
            case 2 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &self))
            default:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &self)))
            }
        }
        return bytes
    }
}
