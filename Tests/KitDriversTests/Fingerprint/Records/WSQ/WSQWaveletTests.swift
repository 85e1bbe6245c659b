import KitSimulators
import Testing

@testable import KitDrivers

@Suite("WSQ wavelet transform and subband layout")
struct WSQWaveletTests {
    @Test("The 64 subbands tile the image without overlap", arguments: [(400, 500), (401, 499), (64, 64), (33, 97)])
    func subbandsTileTheImage(size: (Int, Int)) {
        let layout = WSQSubbandLayout(width: size.0, height: size.1)
        #expect(layout.subbands.count == 64)
        #expect(layout.nodes.count == 20)
        var covered = [Int](repeating: 0, count: size.0 * size.1)
        for rect in layout.subbands {
            for y in rect.y..<(rect.y + rect.height) {
                for x in rect.x..<(rect.x + rect.width) { covered[y * size.0 + x] += 1 }
            }
        }
        #expect(covered.allSatisfy { $0 == 1 })
    }

    @Test("Subband areas follow the spec's shares: 1/1024, 1/256 and 1/16 of the image")
    func subbandShares() {
        let layout = WSQSubbandLayout(width: 512, height: 512)
        let area = 512 * 512
        for k in 0..<4 { #expect(layout.subbands[k].area * 1024 == area) }
        for k in 4..<51 { #expect(layout.subbands[k].area * 256 == area) }
        for k in 51..<64 { #expect(layout.subbands[k].area * 16 == area) }
        // The three entropy blocks cover subbands 0–18, 19–51 and 52–59.
        let all = [Double](repeating: 1, count: 64)
        #expect(layout.coefficientCount(ofBlock: 0, binWidths: all) == area / 16)
        #expect(layout.coefficientCount(ofBlock: 1, binWidths: all) == 32 * area / 256 + area / 16)
        #expect(layout.coefficientCount(ofBlock: 2, binWidths: all) == 8 * area / 16)
    }

    @Test("Odd lengths split as ⌈n/2⌉ low-pass and ⌊n/2⌋ high-pass, high-pass first when inverted")
    func halves() {
        #expect(WSQSubbandLayout.halves(9, inverted: false) == (5, 4))
        #expect(WSQSubbandLayout.halves(9, inverted: true) == (4, 5))
        #expect(WSQSubbandLayout.halves(8, inverted: true) == (4, 4))
    }

    @Test("Analysis followed by synthesis reconstructs the plane", arguments: [(64, 64), (97, 71), (400, 500)])
    func perfectReconstruction(size: (Int, Int)) {
        var random = SeededRandom(seed: 42)
        let original = (0..<(size.0 * size.1)).map { _ in Float(random.uniform(-128...128)) }
        var plane = original
        let layout = WSQSubbandLayout(width: size.0, height: size.1)
        WSQWaveletFilterBank.spec97.analyze(&plane, layout: layout)
        #expect(plane != original)
        WSQWaveletFilterBank.spec97.synthesize(&plane, layout: layout)
        let error = zip(plane, original).map { abs($0 - $1) }.max() ?? 1
        #expect(error < 0.01)
    }

    @Test("The low-pass taps sum to √2 and the high-pass taps to 0")
    func filterNormalisation() {
        let bank = WSQWaveletFilterBank.spec97
        let low = bank.lowPassHalf[0] + 2 * bank.lowPassHalf.dropFirst().reduce(0, +)
        let high = bank.highPassHalf[0] + 2 * bank.highPassHalf.dropFirst().reduce(0, +)
        #expect(abs(low - 2.0.squareRoot()) < 1e-9)
        #expect(abs(high) < 1e-9)
        #expect(bank.lowPassLength == 9)
        #expect(bank.highPassLength == 7)
    }

    @Test("Symmetric reflection mirrors about the first and last sample without repeating them")
    func reflection() {
        #expect(WSQLineKernels.reflect(-1, 5) == 1)
        #expect(WSQLineKernels.reflect(-4, 5) == 4)
        #expect(WSQLineKernels.reflect(5, 5) == 3)
        #expect(WSQLineKernels.reflect(9, 5) == 1)
        #expect(WSQLineKernels.reflect(-3, 2) == 1)
        #expect(WSQLineKernels.reflect(7, 1) == 0)
    }
}
