/// Limits used by `FingerprintQuality` (criteria after ISO/IEC 29794-4); the defaults suit 500 ppi flat
/// single-finger captures.
public struct FingerprintQualityThresholds: Equatable, Sendable {
    /// Side of the square analysis blocks in pixels (about two ridge periods at 500 ppi).
    public var blockSize = 16
    /// A block whose grey-level standard deviation reaches this belongs to the finger.
    public var foregroundMinimumDeviation = 10.0
    /// A block darker on average than this belongs to the finger even if flat (blurred or blotched skin).
    public var foregroundMaximumMean = 200.0
    /// Below this foreground share the image counts as empty.
    public var noFingerRatio = 0.05
    /// Least share of the image the finger must cover.
    public var minimumForegroundRatio = 0.40
    /// Least spread between the 5th and 95th grey-level percentile inside the finger.
    public var minimumGreySpread = 80.0
    /// Mean grey level inside the finger below which the image is too dark.
    public var darkMeanLimit = 80.0
    /// Mean grey level inside the finger above which the image is too light.
    public var lightMeanLimit = 180.0
    /// Least mean orientation coherence of the finger blocks (0 = no direction, 1 = perfectly parallel ridges).
    public var minimumRidgeClarity = 0.45

    /// The default thresholds.
    public init() {}
}

/// One measured criterion of a quality assessment (ISO/IEC 29794-4 style quality component).
public struct FingerprintQualityCriterion: Equatable, Sendable {
    /// Which property was measured.
    public enum Kind: String, Sendable, Equatable {
        /// Share of the image covered by the finger (0…1).
        case foregroundArea
        /// Grey spread (95th − 5th percentile) inside the finger, in grey levels.
        case contrast
        /// Mean grey level inside the finger.
        case brightness
        /// Mean orientation coherence of the finger blocks (0…1).
        case ridgeClarity
    }

    /// The property.
    public var kind: Kind
    /// The measured value.
    public var value: Double
    /// Sub-score 0…100 for this criterion.
    public var score: Int
    /// The problems this criterion found; empty if it passed.
    public var issues: [FingerprintQualityIssue]
}

/// The outcome a clerk sees: keep the capture, or retake it for the listed reasons (BSI TR-03121 capture
/// procedure: retake until the quality suffices, keep the best of three).
public enum FingerprintQualityVerdict: Equatable, Sendable {
    /// Good enough to keep.
    case accepted
    /// Retake; the reasons say what the citizen should do differently.
    case rejected([FingerprintQualityIssue])
}

/// Quality assessment of a flat fingerprint capture, a lightweight stand-in for NFIQ 2 using the
/// ISO/IEC 29794-4 ideas of segmentation, contrast and orientation certainty.
///
/// How the score is formed:
/// 1. **Segmentation.** The image is cut into blocks (16×16 px). A block belongs to the finger if its
///    grey-level standard deviation is at least `foregroundMinimumDeviation` (ridges make it vary) or its
///    mean is below `foregroundMaximumMean` (flat but dark: smudged skin). Everything else is platen.
/// 2. **Area.** The finger's share of all blocks. Below `noFingerRatio` there is no finger
///    (`.noFinger`); below `minimumForegroundRatio` only part of it was captured (`.partialFinger`).
///    Sub-score: 0 at 10 %, 100 at 50 %.
/// 3. **Contrast and brightness.** Over the finger pixels: the spread between the 5th and 95th percentile
///    (below `minimumGreySpread`: `.lowContrast`) and the mean (below `darkMeanLimit`: `.tooDark`, above
///    `lightMeanLimit`: `.tooLight`; these two replace `.lowContrast`, being more specific).
///    Sub-scores: spread 0 at 30, 100 at 120 grey levels; brightness 100 between 100 and 155, falling to
///    0 at 40 and 215.
/// 4. **Ridge clarity.** In every finger block the structure tensor of the grey-level gradients
///    (Gxx = Σgx², Gyy = Σgy², Gxy = Σgx·gy) gives the orientation coherence
///    √((Gxx − Gyy)² + 4Gxy²) / (Gxx + Gyy): near 1 where parallel ridges run in one direction, near 0 in
///    blurred, blotched or noisy areas. Its mean below `minimumRidgeClarity` gives `.unclearRidges`.
///    Sub-score: 0 at 0.2, 100 at 0.7.
/// 5. **Score** 0…100 = 0.6 × weakest sub-score + 0.4 × mean of the four sub-scores, so one bad
///    criterion pulls the capture down however good the rest is. No finger gives 0.
/// 6. **Verdict.** `accepted` if no criterion found an issue, else `rejected` with the issues in the
///    order above, each with a German and an English instruction for the citizen.
public struct FingerprintQuality: Equatable, Sendable {
    /// Overall score 0…100, higher is better.
    public var score: Int
    /// The measured criteria.
    public var criteria: [FingerprintQualityCriterion]
    /// Accept or retake.
    public var verdict: FingerprintQualityVerdict

    /// All issues found, in criterion order.
    public var issues: [FingerprintQualityIssue] {
        if case .rejected(let issues) = verdict { return issues }
        return []
    }

    /// Assesses `image` against `thresholds`.
    public init(assessing image: FingerprintImage, thresholds: FingerprintQualityThresholds = .init()) {
        let block = max(4, thresholds.blockSize)
        let width = image.width
        let height = image.height
        let pixels = image.pixels
        let blocksX = width / block
        let blocksY = height / block
        guard blocksX > 0, blocksY > 0, pixels.count == width * height else {
            self.init(noFingerWithRatio: 0)
            return
        }

        var histogram = [Int](repeating: 0, count: 256)
        var foregroundBlocks = 0
        var coherenceSum = 0.0
        var greySum = 0
        var greyCount = 0
        for by in 0..<blocksY {
            for bx in 0..<blocksX {
                let x0 = bx * block
                let y0 = by * block
                var sum = 0
                var sumSquares = 0
                for y in y0..<(y0 + block) {
                    for x in x0..<(x0 + block) {
                        let value = Int(pixels[y * width + x])
                        sum += value
                        sumSquares += value * value
                    }
                }
                let count = Double(block * block)
                let mean = Double(sum) / count
                let deviation = max(0, Double(sumSquares) / count - mean * mean).squareRoot()
                guard deviation >= thresholds.foregroundMinimumDeviation || mean < thresholds.foregroundMaximumMean
                else { continue }
                foregroundBlocks += 1
                greySum += sum
                greyCount += block * block
                for y in y0..<(y0 + block) {
                    for x in x0..<(x0 + block) { histogram[Int(pixels[y * width + x])] += 1 }
                }
                coherenceSum += Self.coherence(pixels, width: width, height: height, x0: x0, y0: y0, size: block)
            }
        }

        let ratio = Double(foregroundBlocks) / Double(blocksX * blocksY)
        guard ratio >= thresholds.noFingerRatio, greyCount > 0 else {
            self.init(noFingerWithRatio: ratio)
            return
        }
        let mean = Double(greySum) / Double(greyCount)
        let spread = Double(
            Self.percentile(histogram, total: greyCount, 0.95) - Self.percentile(histogram, total: greyCount, 0.05))
        let clarity = coherenceSum / Double(foregroundBlocks)

        var areaIssues: [FingerprintQualityIssue] = []
        if ratio < thresholds.minimumForegroundRatio { areaIssues.append(.partialFinger) }
        var brightnessIssues: [FingerprintQualityIssue] = []
        if mean < thresholds.darkMeanLimit { brightnessIssues.append(.tooDark) }
        if mean > thresholds.lightMeanLimit { brightnessIssues.append(.tooLight) }
        var contrastIssues: [FingerprintQualityIssue] = []
        if spread < thresholds.minimumGreySpread && brightnessIssues.isEmpty { contrastIssues.append(.lowContrast) }
        var clarityIssues: [FingerprintQualityIssue] = []
        if clarity < thresholds.minimumRidgeClarity { clarityIssues.append(.unclearRidges) }

        let brightnessScore = min(Self.ramp(mean, from: 40, to: 100), Self.ramp(255 - mean, from: 40, to: 100))
        let criteria = [
            FingerprintQualityCriterion(
                kind: .foregroundArea, value: ratio, score: Self.ramp(ratio, from: 0.1, to: 0.5), issues: areaIssues),
            FingerprintQualityCriterion(
                kind: .contrast, value: spread, score: Self.ramp(spread, from: 30, to: 120), issues: contrastIssues),
            FingerprintQualityCriterion(
                kind: .brightness, value: mean, score: brightnessScore, issues: brightnessIssues),
            FingerprintQualityCriterion(
                kind: .ridgeClarity, value: clarity, score: Self.ramp(clarity, from: 0.2, to: 0.7),
                issues: clarityIssues),
        ]
        let scores = criteria.map { Double($0.score) }
        let combined = 0.6 * (scores.min() ?? 0) + 0.4 * scores.reduce(0, +) / Double(scores.count)
        let issues = areaIssues + brightnessIssues + contrastIssues + clarityIssues
        self.init(
            score: Int(combined.rounded()), criteria: criteria, verdict: issues.isEmpty ? .accepted : .rejected(issues))
    }

    /// Creates an assessment from its parts.
    public init(score: Int, criteria: [FingerprintQualityCriterion], verdict: FingerprintQualityVerdict) {
        self.score = score
        self.criteria = criteria
        self.verdict = verdict
    }

    private init(noFingerWithRatio ratio: Double) {
        self.init(
            score: 0,
            criteria: [FingerprintQualityCriterion(kind: .foregroundArea, value: ratio, score: 0, issues: [.noFinger])],
            verdict: .rejected([.noFinger]))
    }

    /// Orientation coherence of one block from central-difference gradients.
    static func coherence(_ pixels: [UInt8], width: Int, height: Int, x0: Int, y0: Int, size: Int) -> Double {
        var gxx = 0.0
        var gyy = 0.0
        var gxy = 0.0
        for y in max(1, y0)..<min(height - 1, y0 + size) {
            for x in max(1, x0)..<min(width - 1, x0 + size) {
                let gx = Double(Int(pixels[y * width + x + 1]) - Int(pixels[y * width + x - 1]))
                let gy = Double(Int(pixels[(y + 1) * width + x]) - Int(pixels[(y - 1) * width + x]))
                gxx += gx * gx
                gyy += gy * gy
                gxy += gx * gy
            }
        }
        let energy = gxx + gyy
        guard energy > 1e-9 else { return 0 }
        return ((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy).squareRoot() / energy
    }

    /// Grey level below which `fraction` of the counted pixels lie.
    static func percentile(_ histogram: [Int], total: Int, _ fraction: Double) -> Int {
        let target = Int((Double(total) * fraction).rounded(.up))
        var running = 0
        for (level, count) in histogram.enumerated() {
            running += count
            if running >= target { return level }
        }
        return 255
    }

    /// Linear ramp: 0 at or below `from`, 100 at or above `to`.
    static func ramp(_ value: Double, from low: Double, to high: Double) -> Int {
        guard value.isFinite else { return 0 }
        let t = (value - low) / (high - low)
        return Int((max(0, min(1, t)) * 100).rounded())
    }
}
