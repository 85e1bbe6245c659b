/// A symmetric, odd-length biorthogonal analysis filter pair and the two-channel transform built from it
/// (FBI IAFIS-IC-0110 v3.1, Part 1 Annex A "symmetric wavelet transform"; Part 3 for the 9/7 filter taps).
///
/// Analysis: the low-pass output k is centred on input sample 2k, the high-pass output k on sample 2k+1;
/// the line is extended by whole-sample symmetric reflection at both ends (x[-i] = x[i],
/// x[n-1+i] = x[n-1-i]). A line of n samples gives ⌈n/2⌉ low-pass and ⌊n/2⌋ high-pass coefficients.
/// Synthesis uses g0[m] = (-1)^m·h1[m] and g1[m] = (-1)^m·h0[m], which reconstructs exactly.
public struct WSQWaveletFilterBank: Equatable, Sendable {
    /// Low-pass analysis taps from the centre outwards: h0[0], h0[±1], …
    public let lowPassHalf: [Double]
    /// High-pass analysis taps from the centre outwards: h1[0], h1[±1], …
    public let highPassHalf: [Double]

    /// The 9/7 filters of the specification, normalised so that the low-pass taps sum to √2.
    public static let spec97 = WSQWaveletFilterBank(
        lowPassHalf: [
            0.85269867900889385, 0.37740285561283066, -0.11062440441843718, -0.02384946501955685,
            0.03782845550726404,
        ],
        highPassHalf: [0.78848561640558372, -0.41809227322161724, -0.04068941760916406, 0.06453888262869706]
    )

    /// Creates a filter bank from the centre-outwards halves of two odd-length symmetric filters.
    public init(lowPassHalf: [Double], highPassHalf: [Double]) {
        self.lowPassHalf = lowPassHalf
        self.highPassHalf = highPassHalf
    }

    /// Number of taps of the full low-pass filter (9 for the specification filters).
    public var lowPassLength: Int { 2 * lowPassHalf.count - 1 }
    /// Number of taps of the full high-pass filter (7 for the specification filters).
    public var highPassLength: Int { 2 * highPassHalf.count - 1 }

    /// Applies the 2-D analysis to every node of `layout`, in place, on a row-major plane of `layout.width` columns.
    func analyze(_ plane: inout [Float], layout: WSQSubbandLayout) {
        var kernels = WSQLineKernels(bank: self)
        let width = layout.width
        plane.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for node in layout.nodes {
                let rect = node.rect
                guard rect.width > 0, rect.height > 0 else { continue }
                for row in 0..<rect.height {
                    let start = base + (rect.y + row) * width + rect.x
                    kernels.analyzeLine(start, count: rect.width, stride: 1, inverted: node.invertedHorizontally)
                }
                kernels.analyzeColumns(
                    base + rect.y * width + rect.x, width: rect.width, height: rect.height, rowStride: width,
                    inverted: node.invertedVertically)
            }
        }
    }

    /// Inverts `analyze`: runs the 2-D synthesis over the nodes of `layout` in reverse order, in place.
    func synthesize(_ plane: inout [Float], layout: WSQSubbandLayout) {
        var kernels = WSQLineKernels(bank: self)
        let width = layout.width
        plane.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for node in layout.nodes.reversed() {
                let rect = node.rect
                guard rect.width > 0, rect.height > 0 else { continue }
                for column in 0..<rect.width {
                    let start = base + rect.y * width + rect.x + column
                    kernels.synthesizeLine(start, count: rect.height, stride: width, inverted: node.invertedVertically)
                }
                for row in 0..<rect.height {
                    let start = base + (rect.y + row) * width + rect.x
                    kernels.synthesizeLine(start, count: rect.width, stride: 1, inverted: node.invertedHorizontally)
                }
            }
        }
    }
}

/// Scratch buffers and flattened filter taps for the 1-D transform of one line.
struct WSQLineKernels {
    private let lowPass: [Float]  // full filter, index 0 = tap -half
    private let highPass: [Float]
    private let lowHalf: Int
    private let highHalf: Int
    private let pad: Int
    /// Synthesis kernels for even and odd output positions, taps m = -pad…pad.
    private let evenKernel: [Float]
    private let oddKernel: [Float]
    private var extended: [Float] = []
    private var output: [Float] = []
    private var columnOutput: [Float] = []

    init(bank: WSQWaveletFilterBank) {
        lowHalf = bank.lowPassHalf.count - 1
        highHalf = bank.highPassHalf.count - 1
        pad = max(lowHalf, highHalf)
        func full(_ half: [Double]) -> [Float] {
            let reach = half.count - 1
            return (-reach...reach).map { Float(half[abs($0)]) }
        }
        lowPass = full(bank.lowPassHalf)
        highPass = full(bank.highPassHalf)
        // g0[m] = (-1)^m h1[m] acts on low-pass samples, g1[m] = (-1)^m h0[m] on high-pass samples.
        func tap(_ half: [Double], _ m: Int) -> Float {
            let index = abs(m)
            guard index < half.count else { return 0 }
            let value = Float(half[index])
            return index % 2 == 0 ? value : -value
        }
        var even: [Float] = []
        var odd: [Float] = []
        for m in -pad...pad {
            // Output p even: p - m is even (a low-pass position) exactly when m is even.
            even.append(m % 2 == 0 ? tap(bank.highPassHalf, m) : tap(bank.lowPassHalf, m))
            odd.append(m % 2 == 0 ? tap(bank.lowPassHalf, m) : tap(bank.highPassHalf, m))
        }
        evenKernel = even
        oddKernel = odd
    }

    /// Whole-sample symmetric reflection of position `q` into 0..<n.
    static func reflect(_ q: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        var position = q
        let period = 2 * (n - 1)
        position %= period
        if position < 0 { position += period }
        return position < n ? position : period - position
    }

    mutating func analyzeLine(_ start: UnsafeMutablePointer<Float>, count n: Int, stride: Int, inverted: Bool) {
        guard n > 1 else { return }
        let total = n + 2 * pad
        if extended.count < total { extended = [Float](repeating: 0, count: total) }
        if output.count < n { output = [Float](repeating: 0, count: n) }
        let lowCount = (n + 1) / 2
        let highCount = n / 2
        let lowOffset = inverted ? highCount : 0
        let highOffset = inverted ? 0 : lowCount
        let pad = self.pad
        let lowHalf = self.lowHalf
        let highHalf = self.highHalf
        extended.withUnsafeMutableBufferPointer { ext in
            output.withUnsafeMutableBufferPointer { out in
                lowPass.withUnsafeBufferPointer { h0 in
                    highPass.withUnsafeBufferPointer { h1 in
                        // Reflection is only needed at the two ends.
                        for q in 0..<n { ext[q + pad] = start[q * stride] }
                        for q in -pad..<0 { ext[q + pad] = start[Self.reflect(q, n) * stride] }
                        for q in n..<(n + pad) { ext[q + pad] = start[Self.reflect(q, n) * stride] }
                        for k in 0..<lowCount {
                            let centre = 2 * k + pad
                            var sum: Float = 0
                            for j in 0..<h0.count { sum += h0[j] * ext[centre - lowHalf + j] }
                            out[lowOffset + k] = sum
                        }
                        for k in 0..<highCount {
                            let centre = 2 * k + 1 + pad
                            var sum: Float = 0
                            for j in 0..<h1.count { sum += h1[j] * ext[centre - highHalf + j] }
                            out[highOffset + k] = sum
                        }
                        for i in 0..<n { start[i * stride] = out[i] }
                    }
                }
            }
        }
    }

    /// The vertical analysis of a `width × height` block, computed a whole output row at a time:
    /// each output row is the tap-weighted sum of whole (reflected) input rows, so memory is read
    /// contiguously. Per sample the operations and their order are exactly those of `analyzeLine`
    /// with a column stride, so the result is the same to the bit.
    mutating func analyzeColumns(
        _ start: UnsafeMutablePointer<Float>, width: Int, height n: Int, rowStride: Int, inverted: Bool
    ) {
        guard n > 1, width > 0 else { return }
        let total = n * width
        if columnOutput.count < total { columnOutput = [Float](repeating: 0, count: total) }
        let lowCount = (n + 1) / 2
        let highCount = n / 2
        let lowOffset = inverted ? highCount : 0
        let highOffset = inverted ? 0 : lowCount
        let lowHalf = self.lowHalf
        let highHalf = self.highHalf
        columnOutput.withUnsafeMutableBufferPointer { out in
            guard let outBase = out.baseAddress else { return }
            lowPass.withUnsafeBufferPointer { h0 in
                highPass.withUnsafeBufferPointer { h1 in
                    func filter(_ taps: UnsafeBufferPointer<Float>, half: Int, centre: Int, into row: Int) {
                        let target = outBase + row * width
                        target.update(repeating: 0, count: width)
                        for j in 0..<taps.count {
                            let tap = taps[j]
                            let source = start + Self.reflect(centre - half + j, n) * rowStride
                            for x in 0..<width { target[x] += tap * source[x] }
                        }
                    }
                    for k in 0..<lowCount { filter(h0, half: lowHalf, centre: 2 * k, into: lowOffset + k) }
                    for k in 0..<highCount { filter(h1, half: highHalf, centre: 2 * k + 1, into: highOffset + k) }
                }
            }
            for row in 0..<n {
                (start + row * rowStride).update(from: outBase + row * width, count: width)
            }
        }
    }

    mutating func synthesizeLine(_ start: UnsafeMutablePointer<Float>, count n: Int, stride: Int, inverted: Bool) {
        guard n > 1 else { return }
        let total = n + 2 * pad
        if extended.count < total { extended = [Float](repeating: 0, count: total) }
        if output.count < n { output = [Float](repeating: 0, count: n) }
        let lowCount = (n + 1) / 2
        let highCount = n / 2
        let lowOffset = inverted ? highCount : 0
        let highOffset = inverted ? 0 : lowCount
        let pad = self.pad
        extended.withUnsafeMutableBufferPointer { ext in
            output.withUnsafeMutableBufferPointer { out in
                evenKernel.withUnsafeBufferPointer { evenTaps in
                    oddKernel.withUnsafeBufferPointer { oddTaps in
                        // Interleave: position q holds low-pass sample q/2 (q even) or high-pass (q-1)/2 (q odd).
                        for q in -pad..<(n + pad) {
                            let position = Self.reflect(q, n)
                            let index =
                                position % 2 == 0 ? lowOffset + position / 2 : highOffset + (position - 1) / 2
                            ext[q + pad] = start[index * stride]
                        }
                        for p in 0..<n {
                            let taps = p % 2 == 0 ? evenTaps : oddTaps
                            var sum: Float = 0
                            // x[p] = Σ_m kernel[m] · u[p - m]; taps index t = m + pad.
                            for t in 0..<taps.count { sum += taps[t] * ext[p - (t - pad) + pad] }
                            out[p] = sum
                        }
                        for i in 0..<n { start[i * stride] = out[i] }
                    }
                }
            }
        }
    }
}
