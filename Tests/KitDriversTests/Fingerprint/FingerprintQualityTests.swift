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
