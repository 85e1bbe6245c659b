import Foundation
import KitDrivers

/// Generates synthetic flat single-finger images at 500 ppi, deterministically from a seed, for tests of
/// compression, quality assessment and record encoding without a scanner or real biometric data.
///
/// Ridges are the level lines of a phase field φ = 2π·f/T + Σ ±atan2(p − mᵢ): f is a distance-like
/// function whose level lines form the pattern (distance to a ray from the core for a loop, to a short
/// segment for a whorl, bent lines for an arch), perturbed by smooth noise so ridges wander; T is the
/// ridge period (8–10 px at 500 ppi, see PROTOCOLS "Fingerprints for ID documents"); each atan2 term adds a
/// spiral phase dislocation, which shows as a ridge ending or bifurcation (Larkin & Fletcher 2007).
/// The finger is an ellipse with soft edges on a light platen background, with uneven pressure and
/// sensor noise. The `Defect` variants model the captures a clerk has to reject.
public struct FingerprintSynthesizer: Sendable {
    /// Global ridge pattern class (Henry classes, simplified).
    public enum Pattern: String, Sendable, CaseIterable {
        /// Ridges enter and leave on the same side, recurving around one core.
        case loop
        /// Ridges circle around the centre.
        case whorl
        /// Ridges run from side to side with a rise in the middle.
        case arch
    }

    /// Capture faults the generator can simulate (the failure causes ISO/IEC 29794-4 quality checks look for).
    public enum Defect: String, Sendable, CaseIterable {
        /// A good capture.
        case none
        /// Nothing on the platen.
        case blank
        /// Finger at the edge of the platen: less than 40 % of the image is covered.
        case partial
        /// Finger moved or platen dirty: ridges blurred and a dark blotch.
        case smudged
        /// Wet or over-pressed finger: everything dark, little contrast.
        case tooDark
        /// Dry or barely touching finger: everything pale, little contrast.
        case tooLight
    }

    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Ridge period in pixels (8–10 at 500 ppi).
    public var ridgePeriod: Double
    /// Number of minutiae (ridge endings and bifurcations) placed in the finger area.
    public var minutiaCount: Int
    /// Standard deviation of the sensor noise in grey levels.
    public var noiseLevel: Double

    /// Creates a generator for `width × height` images.
    public init(
        width: Int = 400, height: Int = 500, ridgePeriod: Double = 9, minutiaCount: Int = 8, noiseLevel: Double = 4
    ) {
        self.width = max(1, width)
        self.height = max(1, height)
        self.ridgePeriod = max(3, ridgePeriod)
        self.minutiaCount = max(0, minutiaCount)
        self.noiseLevel = max(0, noiseLevel)
    }

    /// Generates one image; the same seed, pattern and defect always give the same pixels.
    public func generate(seed: UInt64, pattern: Pattern = .loop, defect: Defect = .none) -> FingerprintImage {
        var random = SeededRandom(seed: seed)
        let background = 236.0
        var plane = [Double](repeating: background, count: width * height)
        let w = Double(width)
        let h = Double(height)

        if defect != .blank {
            // Finger ellipse; a partial capture pushes it over the lower-left corner.
            var centreX = w * random.uniform(0.47...0.53)
            var centreY = h * random.uniform(0.47...0.53)
            let semiX = w * random.uniform(0.36...0.40)
            let semiY = h * random.uniform(0.40...0.44)
            if defect == .partial {
                centreX = w * 0.05
                centreY = h * 0.92
            }
            let core = (x: centreX + w * random.uniform(-0.05...0.05), y: centreY - h * random.uniform(0.0...0.1))
            let rayAngle = random.uniform(-0.6...0.6)  // loop opening direction, radians from straight down
            let wobble = FingerprintSmoothNoise(random: &random, cellsX: 6, cellsY: 7, width: w, height: h)
            let pressure = FingerprintSmoothNoise(random: &random, cellsX: 3, cellsY: 3, width: w, height: h)
            var minutiae: [(x: Double, y: Double, sign: Double)] = []
            for _ in 0..<minutiaCount {
                let angle = random.uniform(0...(2 * Double.pi))
                let radius = random.uniform(0.15...0.8).squareRoot()
                minutiae.append(
                    (
                        centreX + cos(angle) * radius * semiX * 0.8, centreY + sin(angle) * radius * semiY * 0.8,
                        random.unit() < 0.5 ? -1 : 1
                    ))
            }
            let period = ridgePeriod
            for y in 0..<height {
                let py = Double(y)
                for x in 0..<width {
                    let px = Double(x)
                    let ex = (px - centreX) / semiX
                    let ey = (py - centreY) / semiY
                    let radial = (ex * ex + ey * ey).squareRoot()
                    let mask = Self.smoothStep((1 - radial) / 0.08)
                    guard mask > 0 else { continue }
                    var f = Self.patternDistance(pattern, x: px - core.x, y: py - core.y, rayAngle: rayAngle, height: h)
                    f += 2.5 * wobble.value(x: px, y: py)
                    var phase = 2 * Double.pi * f / period
                    for minutia in minutiae {
                        phase += minutia.sign * atan2(py - minutia.y, px - minutia.x)
                    }
                    let contrast = 72 * (0.85 + 0.15 * pressure.value(x: px, y: py)) * (0.6 + 0.4 * mask)
                    let finger = 128 - contrast * cos(phase)
                    plane[y * width + x] = mask * finger + (1 - mask) * background
                }
            }
        }

        switch defect {
        case .smudged:
            Self.boxBlur(&plane, width: width, height: height, radius: 4, passes: 3)
            let blotchX = w * random.uniform(0.4...0.6)
            let blotchY = h * random.uniform(0.35...0.55)
            let blotchRadius = w * 0.2
            for y in 0..<height {
                for x in 0..<width {
                    let dx = Double(x) - blotchX
                    let dy = (Double(y) - blotchY) * 0.8
                    let d = (dx * dx + dy * dy).squareRoot() / blotchRadius
                    let weight = Self.smoothStep((1 - d) / 0.3)
                    plane[y * width + x] = plane[y * width + x] * (1 - weight) + 45 * weight
                }
            }
        case .tooDark:
            for i in plane.indices { plane[i] = 10 + plane[i] * 0.28 }
        case .tooLight:
            for i in plane.indices { plane[i] = 185 + plane[i] * 0.27 }
        case .none, .blank, .partial:
            break
        }

        var pixels = [UInt8](repeating: 0, count: width * height)
        for i in plane.indices {
            let value = plane[i] + noiseLevel * random.gaussian()
            pixels[i] = UInt8(max(0, min(255, value.rounded())))
        }
        return FingerprintImage(width: width, height: height, pixels: pixels, ppi: 500)
    }

    /// Distance-like function whose level lines are the ridges of the pattern, relative to the core.
    static func patternDistance(_ pattern: Pattern, x: Double, y: Double, rayAngle: Double, height: Double) -> Double {
        switch pattern {
        case .loop:
            // Distance to a ray from the core pointing down and sideways: ridges recurve around the core.
            let dirX = sin(rayAngle)
            let dirY = cos(rayAngle)
            let along = x * dirX + y * dirY
            if along <= 0 { return (x * x + y * y).squareRoot() }
            return abs(x * dirY - y * dirX)
        case .whorl:
            // Distance to a short horizontal segment: nested ovals.
            let half = 6.0
            let cx = max(-half, min(half, x))
            return ((x - cx) * (x - cx) + y * y).squareRoot()
        case .arch:
            let width = height * 0.35
            return y + 0.22 * height * exp(-(x * x) / (2 * width * width))
        }
    }

    static func smoothStep(_ t: Double) -> Double {
        let c = max(0, min(1, t))
        return c * c * (3 - 2 * c)
    }

    /// Repeated box blur, approximating a Gaussian of σ² = passes·((2r+1)² − 1)/12.
    package static func boxBlur(_ plane: inout [Double], width: Int, height: Int, radius: Int, passes: Int) {
        var line = [Double](repeating: 0, count: max(width, height))
        func blurLine(count: Int, get: (Int) -> Double, set: (Int, Double) -> Void) {
            for i in 0..<count { line[i] = get(i) }
            var sum = 0.0
            for i in -radius...radius { sum += line[min(count - 1, max(0, i))] }
            let norm = 1.0 / Double(2 * radius + 1)
            for i in 0..<count {
                set(i, sum * norm)
                sum += line[min(count - 1, i + radius + 1)] - line[max(0, i - radius)]
            }
        }
        for _ in 0..<passes {
            for y in 0..<height {
                blurLine(count: width, get: { plane[y * width + $0] }, set: { plane[y * width + $0] = $1 })
            }
            for x in 0..<width {
                blurLine(count: height, get: { plane[$0 * width + x] }, set: { plane[$0 * width + x] = $1 })
            }
        }
    }
}

/// Smooth random field in [-1, 1]: random values on a coarse grid, interpolated with a cosine ramp.
private struct FingerprintSmoothNoise {
    private let values: [Double]
    private let cellsX: Int
    private let cellsY: Int
    private let cellWidth: Double
    private let cellHeight: Double

    init(random: inout SeededRandom, cellsX: Int, cellsY: Int, width: Double, height: Double) {
        self.cellsX = cellsX
        self.cellsY = cellsY
        cellWidth = width / Double(cellsX)
        cellHeight = height / Double(cellsY)
        values = (0..<((cellsX + 1) * (cellsY + 1))).map { _ in random.uniform(-1...1) }
    }

    func value(x: Double, y: Double) -> Double {
        let gx = max(0, min(Double(cellsX) - 1e-9, x / cellWidth))
        let gy = max(0, min(Double(cellsY) - 1e-9, y / cellHeight))
        let ix = Int(gx)
        let iy = Int(gy)
        let tx = (1 - cos((gx - Double(ix)) * Double.pi)) / 2
        let ty = (1 - cos((gy - Double(iy)) * Double.pi)) / 2
        let stride = cellsX + 1
        let a = values[iy * stride + ix]
        let b = values[iy * stride + ix + 1]
        let c = values[(iy + 1) * stride + ix]
        let d = values[(iy + 1) * stride + ix + 1]
        return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
    }
}
