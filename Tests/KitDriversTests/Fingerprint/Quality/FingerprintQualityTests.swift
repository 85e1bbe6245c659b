import KitSimulators
import Testing

@testable import KitDrivers

@Suite("Fingerprint quality assessment")
struct FingerprintQualityTests {
    static let synthesizer = FingerprintSynthesizer()

    static func assess(
        _ defect: FingerprintSynthesizer.Defect, seed: UInt64 = 12, pattern: FingerprintSynthesizer.Pattern = .loop
    )
        -> FingerprintQuality
    {
        FingerprintQuality(assessing: synthesizer.generate(seed: seed, pattern: pattern, defect: defect))
    }

    @Test("Clean captures are accepted with a high score", arguments: FingerprintSynthesizer.Pattern.allCases)
    func cleanAccepted(pattern: FingerprintSynthesizer.Pattern) {
        let quality = Self.assess(.none, pattern: pattern)
        #expect(quality.verdict == .accepted)
        #expect(quality.score >= 80)
        #expect(quality.issues.isEmpty)
    }

    @Test("Clean ranks above smudged, partial and blank", arguments: [1, 2, 3] as [UInt64])
    func ranking(seed: UInt64) {
        let clean = Self.assess(.none, seed: seed).score
        for defect: FingerprintSynthesizer.Defect in [.smudged, .partial, .blank, .tooDark, .tooLight] {
            #expect(clean > Self.assess(defect, seed: seed).score, "\(defect)")
        }
        #expect(Self.assess(.partial, seed: seed).score > Self.assess(.blank, seed: seed).score)
    }

    /// Images without any fingerprint: uniform and Gaussian noise, and Gaussian noise blurred by a 5×5 box
    /// (correlated like a sensor's grain), all covering the whole frame.
    static func noiseImages(seed: UInt64) -> [(name: String, image: FingerprintImage)] {
        var random = SeededRandom(seed: seed)
        let width = 400
        let height = 500
        let uniform = (0..<(width * height)).map { _ in UInt8(random.uniform(0...255).rounded()) }
        let gaussian = (0..<(width * height)).map { _ in UInt8(max(0, min(255, 128 + 40 * random.gaussian()))) }
        var plane = (0..<(width * height)).map { _ in random.gaussian() }
        FingerprintSynthesizer.boxBlur(&plane, width: width, height: height, radius: 2, passes: 1)
        let blurred = plane.map { UInt8(max(0, min(255, 128 + 90 * $0))) }
        return [
            ("uniform noise", FingerprintImage(width: width, height: height, pixels: uniform)),
            ("Gaussian noise", FingerprintImage(width: width, height: height, pixels: gaussian)),
            ("blurred noise", FingerprintImage(width: width, height: height, pixels: blurred)),
        ]
    }

    /// Accepted-quality prints as real sensors deliver them: grain on the platen, a whole finger in a
    /// large frame (a 900×800 rolled-print card scan), a lower-contrast print.
    static func realisticPrints(seed: UInt64) -> [(name: String, image: FingerprintImage)] {
        var random = SeededRandom(seed: seed &+ 100)
        let clean = synthesizer.generate(seed: seed)
        let grainy = clean.pixels.map { UInt8(max(0, min(255, Double($0) + 20 * random.gaussian()))) }
        var framed = [UInt8](repeating: 236, count: 900 * 800)
        for y in 0..<clean.height {
            for x in 0..<clean.width { framed[(y + 200) * 800 + x + 200] = clean.pixels[y * clean.width + x] }
        }
        let softer = clean.pixels.map { UInt8(max(0, min(255, 128 + (Double($0) - 128) * 0.7))) }
        return [
            ("clean", clean),
            ("grainy", FingerprintImage(width: clean.width, height: clean.height, pixels: grainy)),
            ("whole finger in a large frame", FingerprintImage(width: 800, height: 900, pixels: framed)),
            ("softer contrast", FingerprintImage(width: clean.width, height: clean.height, pixels: softer)),
        ]
    }

    @Test(
        "The score ranks: accepted prints above every rejected capture, noise and blank at the bottom",
        arguments: [1, 2, 3] as [UInt64])
    func scoreRanks(seed: UInt64) {
        let accepted = Self.realisticPrints(seed: seed).map { ($0.name, FingerprintQuality(assessing: $0.image)) }
        let rejectedDefects: [FingerprintSynthesizer.Defect] = [.smudged, .partial, .tooDark, .tooLight]
        let rejected = rejectedDefects.map { ("\($0)", Self.assess($0, seed: seed)) }
        let noise = Self.noiseImages(seed: seed).map { ($0.name, FingerprintQuality(assessing: $0.image)) }
        let blank = Self.assess(.blank, seed: seed)

        for (name, quality) in accepted {
            #expect(quality.verdict == .accepted, "\(name): \(quality.issues)")
            #expect(quality.score >= FingerprintQuality.acceptedFloor, "\(name)")
        }
        let lowestAccepted = accepted.map(\.1.score).min() ?? 0
        for (name, quality) in rejected {
            #expect(quality.verdict != .accepted, "\(name)")
            #expect(quality.score < lowestAccepted, "\(name) scores \(quality.score)")
        }
        let lowestRejected = rejected.map(\.1.score).min() ?? 0
        for (name, quality) in noise {
            #expect(quality.issues.contains(.unclearRidges), "\(name): \(quality.issues)")
            #expect(quality.score < lowestRejected, "\(name) scores \(quality.score)")
        }
        #expect(blank.score == 0)
    }

    @Test("Within the accepted band a cleaner print scores higher")
    func acceptedBandOrders() {
        let prints = Self.realisticPrints(seed: 4)
        let clean = FingerprintQuality(assessing: prints[0].image).score
        let grainy = FingerprintQuality(assessing: prints[1].image).score
        let softer = FingerprintQuality(assessing: prints[3].image).score
        #expect(clean > grainy)
        #expect(clean > softer)
        #expect(clean <= 100)
    }

    @Test("Sensor grain on a light platen is not counted as finger")
    func grainIsNotFinger() throws {
        let grainy = try #require(Self.realisticPrints(seed: 5).first { $0.name == "grainy" })
        let quality = FingerprintQuality(assessing: grainy.image)
        let area = try #require(quality.criteria.first { $0.kind == .foregroundArea })
        #expect(area.value < 0.7, "the finger covers about half the frame, not all of it")
    }

    @Test("A blank platen is rejected as 'no finger'")
    func blank() {
        let quality = Self.assess(.blank)
        #expect(quality.verdict == .rejected([.noFinger]))
        #expect(quality.score == 0)
    }

    @Test("A partial finger is rejected asking to place it centred")
    func partial() {
        let quality = Self.assess(.partial)
        #expect(quality.verdict == .rejected([.partialFinger]))
        #expect(quality.issues.first?.german.contains("mittig") == true)
    }

    @Test("A smudged capture is rejected for unclear ridges")
    func smudged() {
        #expect(Self.assess(.smudged).issues.contains(.unclearRidges))
    }

    @Test("Too dark and too light captures are rejected with the matching reason")
    func brightness() {
        let dark = Self.assess(.tooDark)
        let light = Self.assess(.tooLight)
        #expect(dark.issues.contains(.tooDark))
        #expect(!dark.issues.contains(.tooLight))
        #expect(light.issues.contains(.tooLight))
        #expect(light.issues.first?.german == "Bild zu hell. Bitte den Finger fester aufdrücken.")
        #expect(light.issues.first?.english == "Image too light. Please press your finger more firmly.")
    }

    @Test("Every issue has a German and an English instruction")
    func messages() {
        for issue in FingerprintQualityIssue.allCases {
            #expect(issue.german.hasSuffix("."))
            #expect(issue.english.hasSuffix("."))
            #expect(issue.german != issue.english)
        }
    }

    @Test("Thresholds are configurable")
    func thresholds() {
        var lenient = FingerprintQualityThresholds()
        lenient.minimumForegroundRatio = 0.1
        let image = Self.synthesizer.generate(seed: 12, defect: .partial)
        #expect(FingerprintQuality(assessing: image, thresholds: lenient).verdict == .accepted)
        var strict = FingerprintQualityThresholds()
        strict.minimumRidgeClarity = 0.99
        #expect(
            FingerprintQuality(assessing: Self.synthesizer.generate(seed: 12), thresholds: strict).issues == [
                .unclearRidges
            ])
    }

    @Test("Degenerate images do not crash the assessment")
    func degenerate() {
        #expect(
            FingerprintQuality(assessing: FingerprintImage(width: 3, height: 3, pixels: [])).verdict
                == .rejected([.noFinger]))
        #expect(FingerprintQuality(assessing: FingerprintImage(width: 0, height: 0, pixels: [])).score == 0)
        let flatDark = FingerprintImage(width: 64, height: 64, pixels: [UInt8](repeating: 20, count: 4096))
        #expect(FingerprintQuality(assessing: flatDark).issues.contains(.tooDark))
    }
}
