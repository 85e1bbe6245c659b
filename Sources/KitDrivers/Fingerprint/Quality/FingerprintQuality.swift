import Foundation

/// Limits used by `FingerprintQuality` (criteria after ISO/IEC 29794-4); the defaults suit 500 ppi flat
/// single-finger captures.
public struct FingerprintQualityThresholds: Equatable, Sendable {
    /// Side of the square analysis blocks in pixels (about two ridge periods at 500 ppi).
    public var blockSize = 16
    /// A block whose grey-level standard deviation reaches this belongs to the finger.
    public var foregroundMinimumDeviation = 10.0
    /// A varying block lighter than `foregroundMaximumMean` belongs to the finger only with at least this
    /// orientation coherence (ridges run in one direction; sensor noise on the platen does not).
    public var foregroundMinimumCoherence = 0.3
    /// A block darker on average than this belongs to the finger even if flat (blurred or blotched skin).
    public var foregroundMaximumMean = 200.0
    /// Below this foreground share the image counts as empty.
    public var noFingerRatio = 0.05
    /// Least share of the image the finger must cover, unless it covers `minimumForegroundArea`.
    public var minimumForegroundRatio = 0.40
    /// Least finger area in mm² (at the image's ppi) that counts as a whole finger however large the
    /// frame; a flat index finger print is about 15 × 20 mm.
    public var minimumForegroundArea = 120.0
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
/// **The scale** runs from 0 to 100 like NFIQ 2 (higher is better), but its bands follow the verdict,
/// so the number ranks what the verdict decides:
/// - **0**: no fingerprint at all: an empty platen, or an image without ridge structure (noise).
/// - **1…49**: rejected, retake; a capture closer to acceptable scores higher.
/// - **50…100**: accepted; 100 is a large, high-contrast, evenly lit print with sharp parallel ridges.
/// Every accepted capture therefore ranks above every rejected one, and noise and blank at the bottom.
///
/// How the score is formed:
/// 1. **Segmentation.** The image is cut into blocks (16×16 px). A block belongs to the finger if it is
///    darker on average than `foregroundMaximumMean` (skin, also smudged skin), or if it varies (standard
///    deviation at least `foregroundMinimumDeviation`) *and* has a ridge direction (orientation
///    coherence at least `foregroundMinimumCoherence`): sensor noise on a light platen is not finger.
/// 2. **Area.** The finger's share of all blocks and its size in mm² (from the image's ppi). Below
///    `noFingerRatio` there is no finger (`.noFinger`); below `minimumForegroundRatio` *and* below
///    `minimumForegroundArea` mm² only part of it was captured (`.partialFinger`), so a whole finger in a
///    large frame is not partial. Sub-score: the better of share (0 at 10 %, 1 at 50 %) and size (0 at
///    40 mm², 1 at 160 mm²).
/// 3. **Contrast and brightness.** Over the finger pixels: the spread between the 5th and 95th percentile
///    (below `minimumGreySpread`: `.lowContrast`) and the mean (below `darkMeanLimit`: `.tooDark`, above
///    `lightMeanLimit`: `.tooLight`; these two replace `.lowContrast`, being more specific).
///    Sub-scores: spread 0 at 30, 1 at 150 grey levels; brightness 1 between 100 and 155, falling to 0 at
///    40 and 215.
/// 4. **Ridge clarity.** In every finger block the structure tensor of the Sobel gradients
///    (Gxx = Σgx², Gyy = Σgy², Gxy = Σgx·gy) gives the orientation coherence
///    √((Gxx − Gyy)² + 4Gxy²) / (Gxx + Gyy): near 1 where parallel ridges run in one direction, near 0 in
///    blurred, blotched or noisy areas (uniform noise gives about 0.1). Its mean below
///    `minimumRidgeClarity` gives `.unclearRidges`. Sub-score: 0 at 0.2, 1 at 0.9.
/// 5. **Score.** The weighted geometric mean of the sub-scores (ridge clarity 0.4, area 0.25, contrast
///    0.2, brightness 0.15) — one criterion near zero pulls the whole capture down. Area, contrast and
///    brightness sub-scores are floored at 0.05 so that a real but badly lit print stays above noise;
///    ridge clarity is not, so an image without ridges scores 0. The mean q (0…1) is placed in the
///    verdict's band: accepted 50 + 50·q, rejected 49·q (at most 49).
/// 6. **Verdict.** `accepted` if no criterion found an issue, else `rejected` with the issues in the
///    order above, each with a German and an English instruction for the citizen.
public struct FingerprintQuality: Equatable, Sendable {
    /// Lowest score of an accepted capture; rejected ones score below it.
    public static let acceptedFloor = 50

    /// Overall score 0…100, higher is better (see the type's documentation for the bands).
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
                let isSkin = mean < thresholds.foregroundMaximumMean
                guard isSkin || deviation >= thresholds.foregroundMinimumDeviation else { continue }
                let coherence = Self.coherence(pixels, width: width, height: height, x0: x0, y0: y0, size: block)
                guard isSkin || coherence >= thresholds.foregroundMinimumCoherence else { continue }
                foregroundBlocks += 1
                greySum += sum
                greyCount += block * block
                for y in y0..<(y0 + block) {
                    for x in x0..<(x0 + block) { histogram[Int(pixels[y * width + x])] += 1 }
                }
                coherenceSum += coherence
            }
        }

        let ratio = Double(foregroundBlocks) / Double(blocksX * blocksY)
        guard ratio >= thresholds.noFingerRatio, greyCount > 0 else {
            self.init(noFingerWithRatio: ratio)
            return
        }
        let pixelsPerMillimetre = Double(max(1, image.ppi)) / 25.4
        let areaSquareMillimetres = Double(greyCount) / (pixelsPerMillimetre * pixelsPerMillimetre)
        let mean = Double(greySum) / Double(greyCount)
        let spread = Double(
            Self.percentile(histogram, total: greyCount, 0.95) - Self.percentile(histogram, total: greyCount, 0.05))
        let clarity = coherenceSum / Double(foregroundBlocks)

        var areaIssues: [FingerprintQualityIssue] = []
        if ratio < thresholds.minimumForegroundRatio && areaSquareMillimetres < thresholds.minimumForegroundArea {
            areaIssues.append(.partialFinger)
        }
        var brightnessIssues: [FingerprintQualityIssue] = []
        if mean < thresholds.darkMeanLimit { brightnessIssues.append(.tooDark) }
        if mean > thresholds.lightMeanLimit { brightnessIssues.append(.tooLight) }
        var contrastIssues: [FingerprintQualityIssue] = []
        if spread < thresholds.minimumGreySpread && brightnessIssues.isEmpty { contrastIssues.append(.lowContrast) }
        var clarityIssues: [FingerprintQualityIssue] = []
        if clarity < thresholds.minimumRidgeClarity { clarityIssues.append(.unclearRidges) }

        let areaScore = max(
            Self.ramp(ratio, from: 0.1, to: 0.5), Self.ramp(areaSquareMillimetres, from: 40, to: 160))
        let brightnessScore = min(Self.ramp(mean, from: 40, to: 100), Self.ramp(255 - mean, from: 40, to: 100))
        let criteria = [
            FingerprintQualityCriterion(kind: .foregroundArea, value: ratio, score: areaScore, issues: areaIssues),
            FingerprintQualityCriterion(
                kind: .contrast, value: spread, score: Self.ramp(spread, from: 30, to: 150), issues: contrastIssues),
            FingerprintQualityCriterion(
                kind: .brightness, value: mean, score: brightnessScore, issues: brightnessIssues),
            FingerprintQualityCriterion(
                kind: .ridgeClarity, value: clarity, score: Self.ramp(clarity, from: 0.2, to: 0.9),
                issues: clarityIssues),
        ]
        let issues = areaIssues + brightnessIssues + contrastIssues + clarityIssues
        let combined = Self.combined(criteria)
        let score =
            issues.isEmpty
            ? Self.acceptedFloor + Int((combined * Double(100 - Self.acceptedFloor)).rounded())
            : min(Self.acceptedFloor - 1, Int((combined * Double(Self.acceptedFloor - 1)).rounded()))
        self.init(score: score, criteria: criteria, verdict: issues.isEmpty ? .accepted : .rejected(issues))
    }

    /// Weighted geometric mean (0…1) of the criteria's sub-scores; see step 5 of the type's documentation.
    static func combined(_ criteria: [FingerprintQualityCriterion]) -> Double {
        var logSum = 0.0
        for criterion in criteria {
            let (weight, floor): (Double, Double) =
                switch criterion.kind {
                case .ridgeClarity: (0.4, 0)
                case .foregroundArea: (0.25, 0.05)
                case .contrast: (0.2, 0.05)
                case .brightness: (0.15, 0.05)
                }
            let value = max(floor, Double(criterion.score) / 100)
            guard value > 0 else { return 0 }
            logSum += weight * log(value)
        }
        return exp(logSum)
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

    /// Orientation coherence of one block from Sobel gradients (the 3×3 smoothing keeps sensor noise
    /// from hiding the ridge direction).
    static func coherence(_ pixels: [UInt8], width: Int, height: Int, x0: Int, y0: Int, size: Int) -> Double {
        var gxx = 0.0
        var gyy = 0.0
        var gxy = 0.0
        func at(_ x: Int, _ y: Int) -> Int { Int(pixels[y * width + x]) }
        for y in max(1, y0)..<min(height - 1, y0 + size) {
            for x in max(1, x0)..<min(width - 1, x0 + size) {
                let gx =
                    (at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1))
                    - (at(x - 1, y - 1) + 2 * at(x - 1, y) + at(x - 1, y + 1))
                let gy =
                    (at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1))
                    - (at(x - 1, y - 1) + 2 * at(x, y - 1) + at(x + 1, y - 1))
                gxx += Double(gx * gx)
                gyy += Double(gy * gy)
                gxy += Double(gx * gy)
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
