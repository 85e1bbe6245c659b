/// The geometry of the token frontal face image, ISO/IEC 19794-5:2005 §8.3 ("Token Face Image
/// Type", inherited by ICAO 9303 and BSI TR-03121 for the 35 × 45 mm passport photo): for an image
/// of width W and height H = W / 0.75, the eye centres lie on one horizontal line at 0.6·W from
/// the top, the midpoint between them at W / 2, and their distance is 0.25·W. W is at least 240
/// (inter-eye distance 60 px). The kit never enlarges: W is four times the measured eye distance,
/// reduced to ``maximumWidth`` when the camera saw the face larger.
public enum TokenGeometry {
    /// Smallest token width (§8.3: inter-eye distance ≥ 60 px).
    public static let minimumWidth = 240
    /// Largest width the kit produces (inter-eye distance 120 px): more detail than the document
    /// authority's limit (``FaceImageRecord/maximumImageBytes``) can carry.
    public static let maximumWidth = 480

    /// A crop of the frame and the token image it becomes.
    public struct Crop: Sendable, Codable, Equatable {
        /// Left edge in frame pixels.
        public var x: Double
        /// Top edge in frame pixels.
        public var y: Double
        /// Size in frame pixels (height = width / 0.75).
        public var width: Double
        public var height: Double
        /// Size of the token image in pixels.
        public var tokenWidth: Int
        public var tokenHeight: Int

        /// True when the crop lies inside a frame of `width` × `height`.
        public func fits(width frameWidth: Int, height frameHeight: Int) -> Bool {
            x >= 0 && y >= 0 && x + width <= Double(frameWidth) && y + height <= Double(frameHeight)
        }

        /// A frame point in token image pixels.
        public func tokenPoint(_ point: DetectedFace.Point) -> DetectedFace.Point {
            let scale = Double(tokenWidth) / width
            return .init(x: (point.x - x) * scale, y: (point.y - y) * scale)
        }
    }

    /// The crop for eye centres `right` (further left in the image) and `left`; nil when the eyes
    /// are less than 60 px apart.
    public static func crop(rightEye: DetectedFace.Point, leftEye: DetectedFace.Point) -> Crop? {
        let dx = leftEye.x - rightEye.x
        let dy = leftEye.y - rightEye.y
        let distance = (dx * dx + dy * dy).squareRoot()
        guard distance >= Double(minimumWidth) / 4 else { return nil }
        let width = 4 * distance
        let height = width / 0.75
        let midX = (rightEye.x + leftEye.x) / 2
        let midY = (rightEye.y + leftEye.y) / 2
        // Even sizes keep JPEG's 4:2:0 chroma blocks whole.
        let tokenWidth = min(maximumWidth, Int(width) / 2 * 2)
        let tokenHeight = Int((Double(tokenWidth) / 0.75 / 2).rounded()) * 2
        return Crop(
            x: midX - width / 2, y: midY - 0.6 * width, width: width, height: height, tokenWidth: tokenWidth,
            tokenHeight: tokenHeight)
    }

    /// Cuts the crop out of the frame and scales it to the token size (box filter over the source
    /// pixels each token pixel covers), RGB packed.
    public static func render(_ crop: Crop, from frame: CameraFrame) -> [UInt8] {
        let outWidth = crop.tokenWidth
        let outHeight = crop.tokenHeight
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        let step = crop.width / Double(outWidth)
        // Samples per output pixel and axis for the box filter (at least 1).
        let taps = max(1, Int(step.rounded(.up)))
        frame.rgb.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for row in 0..<outHeight {
                    for column in 0..<outWidth {
                        var sum = (0.0, 0.0, 0.0)
                        for ty in 0..<taps {
                            for tx in 0..<taps {
                                let sx = crop.x + (Double(column) + (Double(tx) + 0.5) / Double(taps)) * step
                                let sy = crop.y + (Double(row) + (Double(ty) + 0.5) / Double(taps)) * step
                                let px = min(max(Int(sx), 0), frame.width - 1)
                                let py = min(max(Int(sy), 0), frame.height - 1)
                                let index = (py * frame.width + px) * 3
                                sum.0 += Double(source[index])
                                sum.1 += Double(source[index + 1])
                                sum.2 += Double(source[index + 2])
                            }
                        }
                        let count = Double(taps * taps)
                        let index = (row * outWidth + column) * 3
                        target[index] = UInt8(min(255, (sum.0 / count).rounded()))
                        target[index + 1] = UInt8(min(255, (sum.1 / count).rounded()))
                        target[index + 2] = UInt8(min(255, (sum.2 / count).rounded()))
                    }
                }
            }
        }
        return out
    }
}
