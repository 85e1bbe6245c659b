/// Writes 8-bit greyscale PNG files, compressed with fixed-Huffman deflate (``PNGDeflate``).
///
/// PNG specification (ISO/IEC 15948:2004): signature, IHDR (bit depth 8, colour type 0, no interlace),
/// one IDAT holding a zlib stream (RFC 1950/1951, filter type 0 on each scanline), IEND. Until issue
/// #18 the image data went out in stored blocks: 97 % of a signature transaction was an uncompressed
/// PNG, expensive on a kit's thin mobile link; the decoder still reads those.
public enum PNGEncoder {
    /// Largest width or height written or read.
    public static let maximumDimension = 16384
    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes a greyscale raster.
    public static func encode(_ raster: SignatureImageRaster) throws(PNGError) -> [UInt8] {
        try encodeGrayscale(width: raster.width, height: raster.height, pixels: raster.pixels)
    }

    /// Encodes grey values (0 black … 255 white), row-major.
    public static func encodeGrayscale(width: Int, height: Int, pixels: [UInt8]) throws(PNGError) -> [UInt8] {
        guard width > 0, height > 0, width <= maximumDimension, height <= maximumDimension else {
            throw .invalidDimensions(width: width, height: height)
        }
        guard pixels.count == width * height else {
            throw .pixelCountMismatch(expected: width * height, actual: pixels.count)
        }
        var header: [UInt8] = []
        appendU32(UInt32(width), to: &header)
        appendU32(UInt32(height), to: &header)
        header.append(contentsOf: [8, 0, 0, 0, 0])
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            scanlines.append(0)
            scanlines.append(contentsOf: pixels[(row * width)..<((row + 1) * width)])
        }
        var out = signature
        appendChunk("IHDR", header, to: &out)
        appendChunk("IDAT", PNGDeflate.zlibStream(scanlines, rowLength: width + 1), to: &out)
        appendChunk("IEND", [], to: &out)
        return out
    }

    static func appendU32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ])
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        appendU32(UInt32(data.count), to: &out)
        out.append(contentsOf: typeBytes)
        out.append(contentsOf: data)
        appendU32(PNGChecksum.crc32(data, continuing: PNGChecksum.crc32(typeBytes)), to: &out)
    }
}

/// Reads back 8-bit greyscale, non-interlaced PNG files whose image data uses stored or fixed-Huffman
/// deflate blocks — what `PNGEncoder` writes now and wrote before. All five scanline filters are undone. Ancillary chunks are skipped after their
/// CRC is checked.
///
/// PNG specification (ISO/IEC 15948:2004) §5 chunks, §9 filtering; RFC 1950/1951 stored blocks.
public enum PNGDecoder {
    /// Decodes a greyscale PNG.
    public static func decodeGrayscale(_ bytes: [UInt8]) throws(PNGError) -> SignatureImageRaster {
        guard bytes.count >= 8, Array(bytes[0..<8]) == PNGEncoder.signature else { throw .notPNG }
        var offset = 8
        var width = 0
        var height = 0
        var sawHeader = false
        var sawEnd = false
        var imageData: [UInt8] = []
        while offset < bytes.count {
            guard offset + 8 <= bytes.count else { throw .truncated(field: "chunk header", offset: offset) }
            let length = Int(read32(bytes, offset))
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= bytes.count - offset - 12 else { throw .truncated(field: "chunk \(type)", offset: offset) }
            let data = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            let crc = read32(bytes, offset + 8 + length)
            guard crc == PNGChecksum.crc32(data, continuing: PNGChecksum.crc32(typeBytes)) else {
                throw .crcMismatch(chunk: type, offset: offset)
            }
            if !sawHeader {
                guard type == "IHDR", length == 13 else { throw .missingHeader }
                width = Int(read32(data, 0))
                height = Int(read32(data, 4))
                guard data[8] == 8, data[9] == 0, data[10] == 0, data[11] == 0, data[12] == 0 else {
                    throw .unsupportedFormat(
                        bitDepth: data[8], colorType: data[9], compression: data[10], filter: data[11],
                        interlace: data[12])
                }
                guard width > 0, height > 0, width <= PNGEncoder.maximumDimension, height <= PNGEncoder.maximumDimension
                else { throw .invalidDimensions(width: width, height: height) }
                sawHeader = true
            } else if type == "IDAT" {
                imageData.append(contentsOf: data)
            } else if type == "IEND" {
                sawEnd = true
                offset += 12 + length
                break
            } else if type == "IHDR" || typeBytes.first.map({ $0 & 0x20 == 0 }) ?? true {
                throw .unsupportedCriticalChunk(type)
            }
            offset += 12 + length
        }
        guard sawHeader else { throw .missingHeader }
        guard !imageData.isEmpty else { throw .missingChunk("IDAT") }
        guard sawEnd else { throw .missingChunk("IEND") }
        let expected = (width + 1) * height
        let raw = try PNGZlib.inflate(imageData, limit: expected)
        guard raw.count == expected else { throw .imageDataSizeMismatch(expected: expected, actual: raw.count) }
        return try SignatureImageRaster(
            width: width, height: height, pixels: try unfilter(raw, width: width, height: height))
    }

    private static func unfilter(_ raw: [UInt8], width: Int, height: Int) throws(PNGError) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            let filter = raw[row * (width + 1)]
            let source = row * (width + 1) + 1
            let base = row * width
            for column in 0..<width {
                let value = raw[source + column]
                let left = column > 0 ? Int(pixels[base + column - 1]) : 0
                let up = row > 0 ? Int(pixels[base - width + column]) : 0
                let upLeft = row > 0 && column > 0 ? Int(pixels[base - width + column - 1]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                case 4: predictor = paeth(left, up, upLeft)
                default: throw .invalidFilterType(row: row, type: filter)
                }
                pixels[base + column] = value &+ UInt8(truncatingIfNeeded: predictor)
            }
        }
        return pixels
    }

    private static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a)
        let pb = abs(p - b)
        let pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    private static func read32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else { return 0 }
        return bytes[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}
