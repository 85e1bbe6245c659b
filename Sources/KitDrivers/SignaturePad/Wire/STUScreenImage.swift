/// An sRGB colour for STU screen images, 8 bits per channel.
///
/// Wacom STU interface: converted to 1-bit or RGB 565 when uploaded (see `STUImageEncoder`).
public struct STUColor: Hashable, Sendable {
    /// Red 0…255.
    public var red: UInt8
    /// Green 0…255.
    public var green: UInt8
    /// Blue 0…255.
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// White (the pad's default background).
    public static let white = STUColor(red: 255, green: 255, blue: 255)
    /// Black.
    public static let black = STUColor(red: 0, green: 0, blue: 0)
    /// A dark blue for buttons on colour pads (still dark enough to be ink in 1-bit).
    public static let darkBlue = STUColor(red: 0, green: 48, blue: 128)

    /// The colour as RGB 565 (5 bits red, 6 green, 5 blue).
    public var rgb565: UInt16 {
        let r = UInt16(red >> 3) << 11
        let g = UInt16(green >> 2) << 5
        let b = UInt16(blue >> 3)
        return r | g | b
    }

    /// Approximate luminance 0…255 (ITU-R BT.601 weights).
    public var luminance: UInt8 {
        let weighted: Int = 299 * Int(red) + 587 * Int(green) + 114 * Int(blue)
        return UInt8(weighted / 1000)
    }
}

/// An axis-aligned rectangle in screen pixels; `x`/`y` is the top-left pixel, the right and bottom edges are
/// exclusive (`x + width`, `y + height`).
///
/// Used for STU prompt layout and button hit testing; `STURectangle` is the wire form.
public struct STUPixelRect: Hashable, Sendable {
    /// Left edge.
    public var x: Int
    /// Top edge.
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// One past the right edge.
    public var maxX: Int { x + width }
    /// One past the bottom edge.
    public var maxY: Int { y + height }

    /// Whether the pixel lies inside.
    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// Whether a fractional screen point lies inside.
    public func contains(_ point: STUScreenPoint) -> Bool {
        point.x >= Double(x) && point.x < Double(maxX) && point.y >= Double(y) && point.y < Double(maxY)
    }

    /// Whether the whole rectangle lies inside the other one.
    public func isInside(_ other: STUPixelRect) -> Bool {
        x >= other.x && y >= other.y && maxX <= other.maxX && maxY <= other.maxY
    }

    /// Whether the rectangles share at least one pixel.
    public func intersects(_ other: STUPixelRect) -> Bool {
        x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }
}

/// A raster the size of an STU screen with minimal drawing: filled and outlined rectangles, thick lines and
/// text in `STUGlyphFont`. Out-of-bounds drawing is clipped, never an error.
///
/// Wacom STU interface: the source image for StartImageData / ImageDataBlock uploads.
public struct STUScreenImage: Hashable, Sendable {
    /// Largest accepted width or height; STU screens are at most 800 × 480.
    public static let maximumDimension = 4096

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Pixels row by row, top row first.
    public private(set) var pixels: [STUColor]

    /// Creates an image filled with `background`; dimensions are clamped to 0 … `maximumDimension`.
    public init(width: Int, height: Int, background: STUColor = .white) {
        self.width = max(0, min(Self.maximumDimension, width))
        self.height = max(0, min(Self.maximumDimension, height))
        self.pixels = [STUColor](repeating: background, count: self.width * self.height)
    }

    /// The colour at a pixel, nil outside the image.
    public subscript(x: Int, y: Int) -> STUColor? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        return pixels[y * width + x]
    }

    /// Sets one pixel; ignored outside the image.
    public mutating func setPixel(x: Int, y: Int, to color: STUColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        pixels[y * width + x] = color
    }

    /// Fills a rectangle, clipped to the image.
    public mutating func fill(_ rect: STUPixelRect, with color: STUColor) {
        let x0 = max(0, rect.x)
        let y0 = max(0, rect.y)
        let x1 = min(width, rect.maxX)
        let y1 = min(height, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            let base = row * width
            for column in x0..<x1 { pixels[base + column] = color }
        }
    }

    /// Draws the outline of a rectangle with the given line thickness (inside the rectangle).
    public mutating func stroke(_ rect: STUPixelRect, thickness: Int, with color: STUColor) {
        let t = max(1, min(thickness, min(rect.width, rect.height)))
        fill(STUPixelRect(x: rect.x, y: rect.y, width: rect.width, height: t), with: color)
        fill(STUPixelRect(x: rect.x, y: rect.maxY - t, width: rect.width, height: t), with: color)
        fill(STUPixelRect(x: rect.x, y: rect.y, width: t, height: rect.height), with: color)
        fill(STUPixelRect(x: rect.maxX - t, y: rect.y, width: t, height: rect.height), with: color)
    }

    /// Draws a straight line (Bresenham) with a square pen of `thickness` pixels centred on the line.
    public mutating func drawLine(
        fromX x0: Int, y y0: Int, toX x1: Int, y y1: Int, thickness: Int = 1, with color: STUColor
    ) {
        let t = max(1, min(thickness, 64))
        let half = (t - 1) / 2
        var x = x0
        var y = y0
        let dx = abs(x1 - x0)
        let dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1
        let sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        var steps = 0
        let limit = 2 * (Self.maximumDimension * 4)
        while steps <= limit {
            fill(STUPixelRect(x: x - half, y: y - half, width: t, height: t), with: color)
            if x == x1 && y == y1 { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += sx
            }
            if doubled <= dx {
                error += dx
                y += sy
            }
            steps += 1
        }
    }

    /// Draws one line of text with its top-left corner at (x, y); each font pixel becomes a
    /// `scale` × `scale` block. Returns the drawn width in pixels.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, with color: STUColor) -> Int {
        let s = max(1, min(scale, 32))
        var penX = x
        for character in text {
            let rows = STUGlyphFont.glyph(for: character)
            for (rowIndex, bits) in rows.enumerated() {
                for column in 0..<STUGlyphFont.glyphWidth
                where bits & (1 << UInt8(STUGlyphFont.glyphWidth - 1 - column)) != 0 {
                    fill(STUPixelRect(x: penX + column * s, y: y + rowIndex * s, width: s, height: s), with: color)
                }
            }
            penX += STUGlyphFont.advance * s
        }
        return STUGlyphFont.width(of: text, scale: s)
    }

    /// Number of pixels whose luminance is below `threshold` inside a rectangle (clipped).
    public func inkPixelCount(in rect: STUPixelRect, threshold: UInt8 = 128) -> Int {
        var count = 0
        for row in max(0, rect.y)..<max(max(0, rect.y), min(height, rect.maxY)) {
            for column in max(0, rect.x)..<max(max(0, rect.x), min(width, rect.maxX))
            where pixels[row * width + column].luminance < threshold {
                count += 1
            }
        }
        return count
    }
}
