/// Brings scanner images to the 500 ppi that ISO/IEC 19794-4 acquisition level 31 and WSQ at the
/// FBI's settings assume (ISO/IEC 19794-4:2005 §7.2 scan resolution).
///
/// Scanners within ±1 % of 500 ppi are taken as they are (most image scanners report 500 or 508 ppi
/// = 20 px/mm; 508 ppi is 1.6 % off and is resampled). Otherwise the image is resampled separably,
/// first along rows, then along columns:
/// - down (device finer than 500 ppi): each output pixel is the area-weighted mean of the source
///   pixels it covers, which avoids aliasing of the 8–10 px ridge period;
/// - up (device coarser): bilinear interpolation between the two nearest source pixels.
/// The output size is the input size times 500/ppi, rounded, at least 1.
public enum FingerprintImageResampler {
    /// Target resolution.
    public static let targetPPI = 500.0
    /// Relative deviation from 500 ppi still accepted without resampling.
    public static let tolerance = 0.01

    /// True if an image of `ppi` must be resampled.
    public static func needsResampling(ppi: Double) -> Bool {
        guard ppi.isFinite, ppi > 0 else { return false }
        return abs(ppi - targetPPI) / targetPPI > tolerance
    }

    /// The image at 500 ppi; `ppi` is the scanner's resolution. Returns the input (with `ppi` set to 500)
    /// if no resampling is needed or the input is malformed.
    public static func resample(_ image: FingerprintImage, fromPPI ppi: Double) -> FingerprintImage {
        let width = image.width
        let height = image.height
        guard needsResampling(ppi: ppi), width > 0, height > 0, image.pixels.count == width * height else {
            return FingerprintImage(width: width, height: height, pixels: image.pixels, ppi: Int(targetPPI))
        }
        let scale = targetPPI / ppi
        let outWidth = max(1, Int((Double(width) * scale).rounded()))
        let outHeight = max(1, Int((Double(height) * scale).rounded()))

        let source = image.pixels.map(Float.init)
        var rows = [Float](repeating: 0, count: outWidth * height)
        var line = [Float](repeating: 0, count: max(width, height))
        var resampled = [Float](repeating: 0, count: max(outWidth, outHeight))
        for y in 0..<height {
            for x in 0..<width { line[x] = source[y * width + x] }
            resampleLine(line, count: width, into: &resampled, outCount: outWidth)
            for x in 0..<outWidth { rows[y * outWidth + x] = resampled[x] }
        }
        var pixels = [UInt8](repeating: 0, count: outWidth * outHeight)
        for x in 0..<outWidth {
            for y in 0..<height { line[y] = rows[y * outWidth + x] }
            resampleLine(line, count: height, into: &resampled, outCount: outHeight)
            for y in 0..<outHeight {
                pixels[y * outWidth + x] = UInt8(max(0, min(255, resampled[y].rounded())))
            }
        }
        return FingerprintImage(width: outWidth, height: outHeight, pixels: pixels, ppi: Int(targetPPI))
    }

    /// Resamples `count` samples of `input` to `outCount` samples of `output`.
    static func resampleLine(_ input: [Float], count: Int, into output: inout [Float], outCount: Int) {
        let step = Double(count) / Double(outCount)  // source pixels per output pixel
        if step > 1 {
            // Area average over [i·step, (i+1)·step).
            for i in 0..<outCount {
                let start = Double(i) * step
                let end = min(Double(count), start + step)
                var sum = 0.0
                var position = start
                while position < end - 1e-9 {
                    let index = min(count - 1, Int(position))
                    let next = min(end, Double(index + 1))
                    sum += Double(input[index]) * (next - position)
                    position = next
                }
                output[i] = Float(sum / (end - start))
            }
        } else {
            for i in 0..<outCount {
                let u = (Double(i) + 0.5) * step - 0.5
                let lower = max(0, min(count - 1, Int(u.rounded(.down))))
                let upper = min(count - 1, lower + 1)
                let t = Float(max(0, min(1, u - Double(lower))))
                output[i] = input[lower] * (1 - t) + input[upper] * t
            }
        }
    }
}
