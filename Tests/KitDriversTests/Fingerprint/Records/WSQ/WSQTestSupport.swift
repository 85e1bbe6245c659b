import KitSimulators

@testable import KitDrivers

/// Helpers shared by the WSQ and fingerprint tests.
enum WSQTestSupport {
    /// Peak signal-to-noise ratio in dB between two 8-bit images of equal size.
    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var squared = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            squared += d * d
        }
        guard squared > 0 else { return .infinity }
        let mse = squared / Double(a.count)
        return 10 * log10Approx(255 * 255 / mse)
    }

    /// log10 without Foundation, exact enough for dB figures.
    static func log10Approx(_ x: Double) -> Double {
        var value = x
        var result = 0.0
        while value >= 10 {
            value /= 10
            result += 1
        }
        while value < 1 {
            value *= 10
            result -= 1
        }
        // ln(v)/ln(10) by the atanh series, v in [1, 10).
        let t = (value - 1) / (value + 1)
        var term = t
        var sum = 0.0
        var n = 1.0
        while n < 200 {
            sum += term / n
            term *= t * t
            n += 2
        }
        return result + 2 * sum / 2.302_585_092_994_046
    }

    /// A small deterministic test image with ridges, for fast codec tests.
    static func smallFingerprint(width: Int = 64, height: Int = 80, seed: UInt64 = 1) -> FingerprintImage {
        FingerprintSynthesizer(width: width, height: height, minutiaCount: 2).generate(seed: seed, pattern: .whorl)
    }

    /// Offsets of all markers in a WSQ stream, skipping segment payloads and entropy-coded data.
    static func markers(in bytes: [UInt8]) -> [(marker: UInt16, offset: Int)] {
        var result: [(UInt16, Int)] = []
        var i = 0
        while i + 1 < bytes.count {
            guard bytes[i] == 0xFF, bytes[i + 1] >= 0xA0, bytes[i + 1] <= 0xA8 else {
                i += 1
                continue
            }
            let marker = UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
            result.append((marker, i))
            if marker == 0xFFA0 || marker == 0xFFA1 {
                i += 2
                continue
            }
            guard i + 3 < bytes.count else { break }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            i += 2 + length
        }
        return result
    }
}
