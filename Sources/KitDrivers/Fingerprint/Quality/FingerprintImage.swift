/// An 8-bit grey fingerprint image as delivered by a flat single-finger scanner (0 = black ridge,
/// 255 = white), row-major; 500 ppi is the resolution ISO/IEC 19794-4 level 31 and the FBI require.
public struct FingerprintImage: Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width × height` grey values.
    public var pixels: [UInt8]
    /// Resolution in pixels per inch.
    public var ppi: Int

    /// Creates an image; `pixels` must hold `width × height` values.
    public init(width: Int, height: Int, pixels: [UInt8], ppi: Int = 500) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.ppi = ppi
    }

    /// Grey value at (x, y), or nil outside the image.
    public func pixel(x: Int, y: Int) -> UInt8? {
        guard x >= 0, y >= 0, x < width, y < height, y * width + x < pixels.count else { return nil }
        return pixels[y * width + x]
    }

    /// The image as a binary PGM ("P5") file, handy for looking at test output.
    public var pgm: [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }
}
