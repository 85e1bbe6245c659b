/// Why a greyscale PNG could not be written or read.
///
/// Follows the PNG specification (ISO/IEC 15948:2004) and zlib/deflate (RFC 1950 / RFC 1951); the decoder
/// reads only what `PNGEncoder` writes: 8-bit greyscale, non-interlaced, stored (uncompressed) deflate blocks.
public enum PNGError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The first 8 bytes are not the PNG signature.
    case notPNG
    /// The data ended inside a chunk or field.
    case truncated(field: String, offset: Int)
    /// A chunk's CRC-32 does not match.
    case crcMismatch(chunk: String, offset: Int)
    /// The first chunk is not a 13-byte IHDR.
    case missingHeader
    /// A critical chunk is missing or out of order.
    case missingChunk(String)
    /// An unknown critical chunk (upper-case first letter) was found.
    case unsupportedCriticalChunk(String)
    /// Only 8-bit greyscale, deflate, filter method 0, non-interlaced images are read.
    case unsupportedFormat(bitDepth: UInt8, colorType: UInt8, compression: UInt8, filter: UInt8, interlace: UInt8)
    /// Width or height is 0 or above the limit.
    case invalidDimensions(width: Int, height: Int)
    /// The zlib header is not deflate or fails its check.
    case invalidZlibHeader(cmf: UInt8, flg: UInt8)
    /// A dynamic-Huffman (or reserved) deflate block was found; stored and fixed-Huffman blocks are read.
    case compressedBlockNotSupported(blockType: UInt8, offset: Int)
    /// A fixed-Huffman block holds a code that does not exist, or a distance before the start.
    case invalidDeflateCode(offset: Int)
    /// A stored block's LEN and NLEN do not match.
    case storedLengthMismatch(offset: Int)
    /// The zlib stream's Adler-32 does not match the data.
    case adlerMismatch(expected: UInt32, actual: UInt32)
    /// The decompressed data has the wrong size for the image.
    case imageDataSizeMismatch(expected: Int, actual: Int)
    /// A scanline uses a filter type other than 0–4.
    case invalidFilterType(row: Int, type: UInt8)
    /// The pixel buffer does not have width × height entries.
    case pixelCountMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .notPNG: return "not a PNG file: the 8-byte signature 89 50 4E 47 0D 0A 1A 0A is missing"
        case .truncated(let field, let offset): return "PNG truncated in \(field) at offset \(offset)"
        case .crcMismatch(let chunk, let offset): return "PNG chunk \(chunk) at offset \(offset) has a wrong CRC-32"
        case .missingHeader: return "PNG does not start with a 13-byte IHDR chunk"
        case .missingChunk(let name): return "PNG lacks the \(name) chunk"
        case .unsupportedCriticalChunk(let name): return "PNG contains critical chunk \(name) this reader does not know"
        case .unsupportedFormat(let bitDepth, let colorType, let compression, let filter, let interlace):
            return "PNG format not supported (bit depth \(bitDepth), colour type \(colorType), compression "
                + "\(compression), filter \(filter), interlace \(interlace)); only 8-bit greyscale is read"
        case .invalidDimensions(let width, let height):
            return "PNG size \(width) × \(height) is empty or larger than \(PNGEncoder.maximumDimension) pixels a side"
        case .invalidZlibHeader(let cmf, let flg):
            return "PNG image data has an invalid zlib header \(STUWire.hex(cmf)) \(STUWire.hex(flg))"
        case .compressedBlockNotSupported(let blockType, let offset):
            return
                "PNG deflate block type \(blockType) at zlib offset \(offset): only stored and fixed-Huffman blocks are read"
        case .invalidDeflateCode(let offset):
            return "PNG deflate data at zlib offset \(offset) holds an invalid code or a distance before the start"
        case .storedLengthMismatch(let offset): return "PNG stored deflate block at zlib offset \(offset): LEN ≠ ~NLEN"
        case .adlerMismatch(let expected, let actual):
            return "PNG image data Adler-32 is \(actual), stream says \(expected)"
        case .imageDataSizeMismatch(let expected, let actual):
            return "PNG image data is \(actual) bytes, the header needs \(expected)"
        case .invalidFilterType(let row, let type): return "PNG scanline \(row) uses undefined filter type \(type)"
        case .pixelCountMismatch(let expected, let actual):
            return "pixel buffer has \(actual) entries, width × height is \(expected)"
        }
    }
}

/// CRC-32 (PNG chunks) and Adler-32 (zlib streams).
///
/// PNG specification Annex D (CRC-32, polynomial 0xEDB88320 reflected); RFC 1950 §8.2 (Adler-32).
public enum PNGChecksum {
    private static let crcTable: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// CRC-32 of the bytes, continuing from a previous CRC (0 to start).
    public static func crc32<Bytes: Sequence>(_ bytes: Bytes, continuing previous: UInt32 = 0) -> UInt32
    where Bytes.Element == UInt8 {
        var crc = ~previous
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// Adler-32 of the bytes.
    public static func adler32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        var pending = 0
        for byte in bytes {
            a += UInt32(byte)
            b += a
            pending += 1
            if pending == 5552 {
                a %= 65521
                b %= 65521
                pending = 0
            }
        }
        return (b % 65521) << 16 | (a % 65521)
    }
}

/// zlib streams made of stored (uncompressed) deflate blocks.
///
/// RFC 1950 (zlib: CMF 0x78, FLG 0x01, Adler-32 trailer) and RFC 1951 §3.2.4 (stored blocks, ≤ 65535 bytes).
public enum PNGZlib {
    /// Wraps data in a zlib stream of stored blocks.
    public static func storedStream(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out.reserveCapacity(data.count + data.count / 65535 * 5 + 11)
        var start = 0
        repeat {
            let end = min(data.count, start + 65535)
            let length = UInt16(end - start)
            out.append(end == data.count ? 1 : 0)
            out.append(contentsOf: [
                UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8),
            ])
            out.append(contentsOf: data[start..<end])
            start = end
        } while start < data.count
        let adler = PNGChecksum.adler32(data)
        out.append(contentsOf: [
            UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF),
        ])
        return out
    }

    /// Unpacks a zlib stream of stored or fixed-Huffman blocks (``PNGInflate``); at most `limit` bytes.
    public static func inflate(_ stream: [UInt8], limit: Int) throws(PNGError) -> [UInt8] {
        try PNGInflate.inflate(stream, limit: limit)
    }
}
