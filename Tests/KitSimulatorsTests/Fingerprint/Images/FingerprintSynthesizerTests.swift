import KitSimulators
import Testing

@testable import KitDrivers

@Suite("Synthetic fingerprint generator")
struct FingerprintSynthesizerTests {
    @Test("The same seed gives the same image, another seed a different one")
    func deterministic() {
        let synthesizer = FingerprintSynthesizer()
        let a = synthesizer.generate(seed: 99, pattern: .whorl)
        let b = synthesizer.generate(seed: 99, pattern: .whorl)
        let c = synthesizer.generate(seed: 100, pattern: .whorl)
        #expect(a == b)
        #expect(a != c)
        #expect(a.width == 400 && a.height == 500 && a.ppi == 500 && a.pixels.count == 200_000)
    }

    @Test("Ridges repeat every 8–10 pixels across the middle of an arch")
    func ridgePeriod() throws {
        let image = FingerprintSynthesizer(minutiaCount: 0, noiseLevel: 0).generate(seed: 2, pattern: .arch)
        let column = image.width / 2
        let values = (150..<350).compactMap { image.pixel(x: column, y: $0) }.map(Double.init)
        try #require(values.count == 200)
        let mean = values.reduce(0, +) / Double(values.count)
        var crossings = 0
        for i in 1..<values.count where (values[i - 1] - mean) * (values[i] - mean) < 0 { crossings += 1 }
        let period = 2 * Double(values.count) / Double(crossings)
        #expect(period >= 8 && period <= 10.5, "period \(period) px")
    }

    @Test("The finger lies on a light background and covers about half the image")
    func fingerOnBackground() {
        let image = FingerprintSynthesizer().generate(seed: 5)
        #expect((image.pixel(x: 2, y: 2) ?? 0) > 200)
        #expect(image.pixel(x: -1, y: 0) == nil)
        let quality = FingerprintQuality(assessing: image)
        let area = quality.criteria.first { $0.kind == .foregroundArea }?.value ?? 0
        #expect(area > 0.45 && area < 0.7)
    }

    @Test("Defects change the image the way their names say")
    func defects() {
        let synthesizer = FingerprintSynthesizer()
        func mean(_ image: FingerprintImage) -> Double {
            Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count)
        }
        let clean = synthesizer.generate(seed: 8)
        let blank = synthesizer.generate(seed: 8, defect: .blank)
        let dark = synthesizer.generate(seed: 8, defect: .tooDark)
        let light = synthesizer.generate(seed: 8, defect: .tooLight)
        #expect(mean(dark) < 80)
        #expect(mean(light) > 200)
        #expect(mean(blank) > 230)
        #expect(mean(clean) > 150 && mean(clean) < 210)
        #expect(synthesizer.generate(seed: 8, defect: .smudged) != clean)
        #expect(synthesizer.generate(seed: 8, defect: .partial) != clean)
    }

    @Test("The PGM export carries a valid header")
    func pgm() {
        let image = FingerprintImage(width: 2, height: 1, pixels: [0, 255])
        #expect(image.pgm == Array("P5\n2 1\n255\n".utf8) + [0, 255])
    }
}
