/// Why an STU image could not be prepared for upload.
///
/// Wacom STU interface, image upload (reports 0x24–0x27).
public enum STUImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// This encoder does not produce the requested encoding (zlib and 24-bit are not implemented).
    case unsupportedEncoding(STUImageEncoding)
    /// The image is larger than the target area or the screen.
    case imageDoesNotFit(imageWidth: Int, imageHeight: Int, areaWidth: Int, areaHeight: Int)
    /// The image has no pixels.
    case emptyImage

    public var description: String {
        switch self {
        case .unsupportedEncoding(let encoding):
            return "STU image encoding \(STUWire.hex(encoding.rawValue)) is not produced by this driver; "
                + "use 1-bit (0x00) or RGB 565 (0x02)"
        case .imageDoesNotFit(let imageWidth, let imageHeight, let areaWidth, let areaHeight):
            return
                "STU image \(imageWidth) × \(imageHeight) does not match the target area \(areaWidth) × \(areaHeight)"
        case .emptyImage:
            return "STU image has no pixels (width or height is 0)"
        }
    }
}

/// Turns an `STUScreenImage` into the pad's pixel formats and into the report sequence of an upload.
///
/// Wacom STU interface: 1-bit = row-major, MSB first, each row padded to a whole byte, bit 1 = white and
/// bit 0 = black (the Wacom SDK starts from 0xFF and clears a bit for ink); RGB 565 = 2 bytes per pixel,
/// high byte first. Data goes out in ImageDataBlock reports of at most 253 bytes between StartImageData
/// (0x25, or 0x24 with an area) and EndImageData (0x27, commit).
public enum STUImageEncoder {
    /// 1-bit data: a pixel is black (bit 0) when its luminance is below `inkThreshold`.
    public static func monochromeBytes(_ image: STUScreenImage, inkThreshold: UInt8 = 128) -> [UInt8] {
        let stride = (image.width + 7) / 8
        var out = [UInt8](repeating: 0xFF, count: stride * image.height)
        for row in 0..<image.height {
            for column in 0..<image.width where image.pixels[row * image.width + column].luminance < inkThreshold {
                out[row * stride + column / 8] &= ~(0x80 >> UInt8(column % 8))
            }
        }
        return out
    }

    /// Size in bytes of 1-bit data for a width × height image.
    public static func monochromeByteCount(width: Int, height: Int) -> Int {
        max(0, (width + 7) / 8) * max(0, height)
    }

    /// RGB 565 data, high byte first.
    public static func rgb565Bytes(_ image: STUScreenImage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(image.pixels.count * 2)
        for pixel in image.pixels {
            let value = pixel.rgb565
            out.append(UInt8(value >> 8))
            out.append(UInt8(value & 0xFF))
        }
        return out
    }

    /// The image in the requested encoding.
    public static func encode(_ image: STUScreenImage, as encoding: STUImageEncoding) throws(STUImageError) -> [UInt8] {
        guard image.width > 0, image.height > 0 else { throw .emptyImage }
        switch encoding {
        case .oneBit: return monochromeBytes(image)
        case .rgb565: return rgb565Bytes(image)
        case .oneBitZlib, .rgb24: throw .unsupportedEncoding(encoding)
        }
    }

    /// Splits image data into ImageDataBlock reports of at most 253 bytes (the last one may be shorter).
    public static func dataBlocks(for data: [UInt8]) -> [STUImageDataBlock] {
        var blocks: [STUImageDataBlock] = []
        blocks.reserveCapacity((data.count + 252) / 253)
        var start = 0
        while start < data.count {
            let end = min(data.count, start + STUImageDataBlock.maximumDataLength)
            if let block = try? STUImageDataBlock(data: Array(data[start..<end])) { blocks.append(block) }
            start = end
        }
        return blocks
    }

    /// The complete report sequence for an upload: StartImageData (or StartImageDataArea when `area` is
    /// given), the data blocks, EndImageData(commit). Each element is one SET_REPORT payload.
    public static func uploadReports(
        for image: STUScreenImage, encoding: STUImageEncoding, area: STURectangle? = nil
    ) throws(STUImageError) -> [[UInt8]] {
        if let area {
            let areaWidth = Int(area.lowerRightX) - Int(area.upperLeftX) + 1
            let areaHeight = Int(area.lowerRightY) - Int(area.upperLeftY) + 1
            guard areaWidth == image.width, areaHeight == image.height else {
                throw .imageDoesNotFit(
                    imageWidth: image.width, imageHeight: image.height, areaWidth: areaWidth, areaHeight: areaHeight)
            }
        }
        let data = try encode(image, as: encoding)
        var reports: [[UInt8]] = []
        if let area {
            reports.append(STUStartImageDataArea(encoding: encoding, area: area).encoded())
        } else {
            reports.append(STUStartImageData(encoding: encoding).encoded())
        }
        reports.append(contentsOf: dataBlocks(for: data).map { $0.encoded() })
        reports.append(STUEndImageData(action: .commit).encoded())
        return reports
    }
}
