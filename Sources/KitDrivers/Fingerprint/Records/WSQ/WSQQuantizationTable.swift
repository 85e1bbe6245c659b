import Foundation

/// Scalar quantizer parameters of the 64 subbands as carried in the DQT segment
/// (FBI IAFIS-IC-0110 v3.1, Part 1 Annex A quantization and Annex B DQT; bit allocation per Part 3 "Encoder Number One").
///
/// A coefficient a of subband k with bin width Q and zero-bin width Z is quantized to
/// p = ⌊(a − Z/2)/Q⌋ + 1 for a > Z/2, p = ⌈(a + Z/2)/Q⌉ − 1 for a < −Z/2, else 0, and reconstructed as
/// (p − C)·Q + Z/2 (p > 0) or (p + C)·Q − Z/2 (p < 0) with the bin centre C. A bin width of 0 marks a
/// subband that is not transmitted.
public struct WSQQuantizationTable: Equatable, Sendable {
    /// Bin centre C of the dequantizer (0.44 in the specification).
    public var binCenter: Double
    /// Bin width Q of each of the 64 subbands; 0 means "not coded".
    public var binWidths: [Double]
    /// Zero-bin width Z of each subband (1.2·Q for encoder number one).
    public var zeroBinWidths: [Double]

    /// Creates a table from its fields.
    public init(binCenter: Double, binWidths: [Double], zeroBinWidths: [Double]) {
        self.binCenter = binCenter
        self.binWidths = binWidths
        self.zeroBinWidths = zeroBinWidths
    }

    /// Subbands whose variance is below this are not coded (Part 3).
    static let varianceThreshold = 1.01

    /// Sample variances of subbands 0–59, following WSQ 3.1: the central window of each subband
    /// (skipping ⌊w/8⌋ columns and ⌊9h/32⌋ rows, using ⌊3w/4⌋ × ⌊7h/16⌋ samples) unless the four
    /// lowest subbands sum below 20000, in which case all subbands are measured over their full area.
    static func subbandVariances(plane: [Float], layout: WSQSubbandLayout) -> [Double] {
        func variance(_ rect: WSQRect, cropped: Bool) -> Double {
            var window = rect
            if cropped {
                window = WSQRect(
                    x: rect.x + rect.width / 8, y: rect.y + (9 * rect.height) / 32,
                    width: (3 * rect.width) / 4, height: (7 * rect.height) / 16)
            }
            let count = window.area
            guard count > 1 else { return 0 }
            var sum = 0.0
            var sumOfSquares = 0.0
            for row in window.y..<(window.y + window.height) {
                let base = row * layout.width
                for column in window.x..<(window.x + window.width) {
                    let value = Double(plane[base + column])
                    sum += value
                    sumOfSquares += value * value
                }
            }
            return (sumOfSquares - sum * sum / Double(count)) / Double(count - 1)
        }
        let coded = WSQSubbandLayout.codedSubbandCount
        var result = (0..<4).map { variance(layout.subbands[$0], cropped: true) }
        let lowSum = result.reduce(0, +)
        if lowSum < 20000 {
            result = (0..<coded).map { variance(layout.subbands[$0], cropped: false) }
        } else {
            result += (4..<coded).map { variance(layout.subbands[$0], cropped: true) }
        }
        return result
    }

    /// Bin widths for a target bit rate in bits per pixel (Part 3, encoder number one).
    ///
    /// Relative widths Q'ₖ = 1 for k < 4 and 10/(Aₖ·ln σₖ²) otherwise; the proportionality constant
    /// q = (2^(r/S − 1) / 2.5) / P^(1/S), S = Σ mₖ, P = Π (σₖ/Q'ₖ)^mₖ over the retained set, which drops
    /// subbands whose width would exceed 5σₖ until none does; then Qₖ = Q'ₖ/q for all subbands with
    /// variance ≥ 1.01. mₖ is the subband's share of the image area.
    static func binWidths(variances: [Double], bitRate: Double) -> [Double] {
        let coded = WSQSubbandLayout.codedSubbandCount
        var widths = [Double](repeating: 0, count: 64)
        let weightsA: [Double] = [1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08]
        func areaShare(_ k: Int) -> Double { k < 4 ? 1.0 / 1024 : (k < 51 ? 1.0 / 256 : 1.0 / 16) }
        var relative = [Double](repeating: 0, count: coded)
        var sigma = [Double](repeating: 0, count: coded)
        var initial: [Int] = []
        for k in 0..<coded where k < variances.count && variances[k] >= varianceThreshold {
            let weight = k >= 52 ? weightsA[k - 52] : 1.0
            relative[k] = k < 4 ? 1.0 : 10.0 / (weight * log(variances[k]))
            sigma[k] = variances[k].squareRoot()
            initial.append(k)
        }
        guard !initial.isEmpty else { return widths }
        var retained = initial
        var q = 1.0
        while !retained.isEmpty {
            let share = retained.reduce(0.0) { $0 + areaShare($1) }
            var logProduct = 0.0
            for k in retained { logProduct += areaShare(k) * log(sigma[k] / relative[k]) }
            q = (pow(2.0, bitRate / share - 1.0) / 2.5) / exp(logProduct / share)
            let kept = retained.filter { relative[$0] / q < 5.0 * sigma[$0] }
            if kept.count == retained.count { break }
            retained = kept
        }
        for k in initial { widths[k] = relative[k] / q }
        return widths
    }
}
