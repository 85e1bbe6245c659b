import CTurboJPEG

/// Encodes the token image as baseline JPEG (ISO/IEC 10918-1, 4:2:0) with libjpeg-turbo's
/// TurboJPEG API, lowering the quality until the file fits ``FaceImageRecord/maximumImageBytes``.
public enum PhotoJPEGEncoder {
    /// Qualities tried, best first.
    static let qualities: [Int32] = [92, 88, 84, 80, 75, 70, 65, 60]

    /// The JPEG file and the quality it was written at.
    public static func encode(
        rgb: [UInt8], width: Int, height: Int, limit: Int = FaceImageRecord.maximumImageBytes
    ) throws(CameraError) -> (jpeg: [UInt8], quality: Int) {
        guard width > 0, height > 0, rgb.count == width * height * 3 else {
            throw .encodingFailed("image of \(width)x\(height) with \(rgb.count) bytes")
        }
        guard let handle = tjInitCompress() else { throw .encodingFailed("tjInitCompress failed") }
        defer { tjDestroy(handle) }
        var smallest = Int.max
        for quality in qualities {
            var buffer: UnsafeMutablePointer<UInt8>?
            var size: UInt = 0
            let status = rgb.withUnsafeBufferPointer { pixels in
                tjCompress2(
                    handle, pixels.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &buffer,
                    &size, Int32(TJSAMP_420.rawValue), quality, 0)
            }
            guard status == 0, let buffer else {
                let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
                throw .encodingFailed(message)
            }
            let jpeg = Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
            tjFree(buffer)
            if jpeg.count <= limit { return (jpeg, Int(quality)) }
            smallest = min(smallest, jpeg.count)
        }
        throw .imageTooLarge(bytes: smallest, limit: limit)
    }
}
