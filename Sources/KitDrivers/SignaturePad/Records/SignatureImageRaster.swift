/// An 8-bit greyscale picture of a signature: 0 = black ink, 255 = white paper, rows top first.
///
/// The pixel model of PNG colour type 0, bit depth 8 (PNG specification §6.1); written by `PNGEncoder`.
public struct SignatureImageRaster: Hashable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Grey values, `width × height`, row-major.
    public private(set) var pixels: [UInt8]

    /// A raster filled with one grey value; dimensions are clamped to 0 … `PNGEncoder.maximumDimension`.
    public init(width: Int, height: Int, fill: UInt8 = 255) {
        self.width = max(0, min(PNGEncoder.maximumDimension, width))
        self.height = max(0, min(PNGEncoder.maximumDimension, height))
        self.pixels = [UInt8](repeating: fill, count: self.width * self.height)
    }

    /// A raster from existing grey values; throws when the count is not width × height.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(PNGError) {
        guard width > 0, height > 0, width <= PNGEncoder.maximumDimension, height <= PNGEncoder.maximumDimension else {
            throw .invalidDimensions(width: width, height: height)
        }
        guard pixels.count == width * height else {
            throw .pixelCountMismatch(expected: width * height, actual: pixels.count)
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A raster from STU 1-bit screen data (rows padded to bytes, MSB first, bit 0 = black).
    public init(stuMonochrome data: [UInt8], width: Int, height: Int) throws(PNGError) {
        guard width > 0, height > 0, width <= PNGEncoder.maximumDimension, height <= PNGEncoder.maximumDimension else {
            throw .invalidDimensions(width: width, height: height)
        }
        let stride = (width + 7) / 8
        guard data.count == stride * height else {
            throw .pixelCountMismatch(expected: stride * height, actual: data.count)
        }
        var grey = [UInt8](repeating: 255, count: width * height)
        for row in 0..<height {
            for column in 0..<width where data[row * stride + column / 8] & (0x80 >> UInt8(column % 8)) == 0 {
                grey[row * width + column] = 0
            }
        }
        self.width = width
        self.height = height
        self.pixels = grey
    }

    /// The grey value at a pixel, nil outside.
    public subscript(x: Int, y: Int) -> UInt8? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        return pixels[y * width + x]
    }

    /// Paints every pixel whose centre lies within `radius` of the segment (a round-capped thick line).
    public mutating func drawSegment(
        from start: (x: Double, y: Double), to end: (x: Double, y: Double), radius: Double, grey: UInt8 = 0
    ) {
        guard radius.isFinite, radius >= 0, start.x.isFinite, start.y.isFinite, end.x.isFinite, end.y.isFinite else {
            return
        }
        let r = min(radius, Double(PNGEncoder.maximumDimension))
        let x0 = max(0, Int((min(start.x, end.x) - r).rounded(.down)))
        let x1 = min(width - 1, Int((max(start.x, end.x) + r).rounded(.up)))
        let y0 = max(0, Int((min(start.y, end.y) - r).rounded(.down)))
        let y1 = min(height - 1, Int((max(start.y, end.y) + r).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1
            where Self.distance(fromX: Double(x) + 0.5, y: Double(y) + 0.5, toSegment: start, end) <= r {
                pixels[y * width + x] = grey
            }
        }
    }

    /// Euclidean distance from a point to a segment.
    public static func distance(
        fromX px: Double, y py: Double, toSegment a: (x: Double, y: Double), _ b: (x: Double, y: Double)
    ) -> Double {
        let dx = b.x - a.x
        let dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        var t = 0.0
        if lengthSquared > 0 { t = max(0, min(1, ((px - a.x) * dx + (py - a.y) * dy) / lengthSquared)) }
        let cx = a.x + t * dx - px
        let cy = a.y + t * dy - py
        return (cx * cx + cy * cy).squareRoot()
    }
}

/// How tablet coordinates map into a signature image: uniform scale, centred, with padding.
///
/// Project convention; tablet units from the STU Capability report (0x09).
public struct SignatureImageTransform: Hashable, Sendable {
    /// Image pixels per tablet unit.
    public let scale: Double
    /// Image x of tablet x = 0.
    public let offsetX: Double
    /// Image y of tablet y = 0.
    public let offsetY: Double

    /// Fits a tablet range into width × height minus `padding` on each side, keeping the aspect ratio.
    public init(tabletMaxX: Int, tabletMaxY: Int, width: Int, height: Int, padding: Int) {
        let usableWidth = Double(max(1, width - 2 * padding))
        let usableHeight = Double(max(1, height - 2 * padding))
        let scale = min(usableWidth / Double(max(1, tabletMaxX)), usableHeight / Double(max(1, tabletMaxY)))
        self.scale = scale
        self.offsetX = (Double(width) - Double(max(1, tabletMaxX)) * scale) / 2
        self.offsetY = (Double(height) - Double(max(1, tabletMaxY)) * scale) / 2
    }

    /// Image position of tablet coordinates.
    public func imagePoint(x: UInt16, y: UInt16) -> (x: Double, y: Double) {
        (offsetX + Double(x) * scale, offsetY + Double(y) * scale)
    }
}

/// Draws captured pen samples as black strokes on white: consecutive touching samples (tip switch on) are
/// joined by round-capped segments; a lone touch becomes a dot. Pen width can follow pressure.
///
/// Project convention for the signature PNG; input are STU pen reports (Wacom STU interface 0x01/0x34).
public enum SignatureImageRenderer {
    /// Renders the samples into a raster of the given size.
    /// - Parameters:
    ///   - penWidth: stroke width in image pixels (at full pressure when `pressureSensitive`).
    ///   - pressureSensitive: width = penWidth × (0.4 + 0.6 × pressure / maxPressure).
    public static func render(
        _ samples: [STUPenSample], capability: STUCapability, width: Int, height: Int, padding: Int = 8,
        penWidth: Double = 2.5, pressureSensitive: Bool = false
    ) -> SignatureImageRaster {
        var raster = SignatureImageRaster(width: width, height: height)
        let transform = SignatureImageTransform(
            tabletMaxX: Int(capability.tabletMaxX), tabletMaxY: Int(capability.tabletMaxY), width: raster.width,
            height: raster.height, padding: padding)
        let maxPressure = Double(max(1, capability.tabletMaxPressure))
        var previous: STUPenSample?
        for sample in samples {
            defer { previous = sample.sw ? sample : nil }
            guard sample.sw else { continue }
            let weight = pressureSensitive ? 0.4 + 0.6 * min(1, Double(sample.pressure) / maxPressure) : 1
            let radius = max(0.5, penWidth * weight / 2)
            let end = transform.imagePoint(x: sample.x, y: sample.y)
            let start = previous.map { transform.imagePoint(x: $0.x, y: $0.y) } ?? end
            raster.drawSegment(from: start, to: end, radius: radius)
        }
        return raster
    }
}
