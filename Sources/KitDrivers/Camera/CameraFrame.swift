/// One frame from the camera: 8-bit RGB, rows packed without padding (the GStreamer appsink's
/// `video/x-raw,format=RGB` with the stride removed).
public struct CameraFrame: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes, R G B per pixel, top row first.
    public let rgb: [UInt8]

    /// Creates a frame; nil when the byte count does not match the size.
    public init?(width: Int, height: Int, rgb: [UInt8]) {
        guard width > 0, height > 0, width <= 16_384, height <= 16_384, rgb.count == width * height * 3 else {
            return nil
        }
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    /// The luma plane (ITU-R BT.601 weights, integer arithmetic), one byte per pixel.
    public func luma() -> [UInt8] {
        var grey = [UInt8](repeating: 0, count: width * height)
        rgb.withUnsafeBufferPointer { source in
            grey.withUnsafeMutableBufferPointer { target in
                for index in 0..<(width * height) {
                    let r = Int(source[index * 3])
                    let g = Int(source[index * 3 + 1])
                    let b = Int(source[index * 3 + 2])
                    target[index] = UInt8((77 * r + 150 * g + 29 * b) >> 8)
                }
            }
        }
        return grey
    }
}

/// The video mode asked of the camera (GStreamer caps `width`, `height`, `framerate`).
public struct CameraMode: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Frames per second.
    public var framesPerSecond: Int

    /// Creates a mode.
    public init(width: Int, height: Int, framesPerSecond: Int) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }

    /// 1280 × 720 at 15 fps: the live preview the quality checks are budgeted for.
    public static let preview = CameraMode(width: 1280, height: 720, framesPerSecond: 15)

    public var description: String { "\(width)x\(height)@\(framesPerSecond)" }
}
