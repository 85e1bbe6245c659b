/// Helpers shared by the card-reader tests.
enum ISO7816TestSupport {
    /// Parses hex such as "3B 95 13"; spaces are ignored. Invalid input yields fewer bytes, which the
    /// calling test then notices.
    static func hex(_ text: String) -> [UInt8] {
        let digits = text.unicodeScalars.compactMap { scalar -> UInt8? in
            switch scalar {
            case "0"..."9": return UInt8(scalar.value - 48)
            case "A"..."F": return UInt8(scalar.value - 55)
            case "a"..."f": return UInt8(scalar.value - 87)
            default: return nil
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}

/// Deterministic SplitMix64 generator so fuzz loops are reproducible.
struct ISO7816SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// Flips, inserts or deletes a few bytes of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
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
