/// Deflate with the fixed Huffman code (RFC 1951 §3.2.6), made for signature images: mostly white
/// rows with a few strokes. Matches are looked for at two distances only: the previous byte (runs
/// within a row) and the previous scanline (rows that repeat), which is where nearly all of the
/// redundancy of such an image lies. A 400 × 200 signature shrinks from 80 kB to about 1–3 kB; the
/// output is deterministic, so the same raster always gives the same PNG (and the same SHA-256).
enum PNGDeflate {
    /// A zlib stream (RFC 1950) of one fixed-Huffman block; `rowLength` is the scanline stride.
    static func zlibStream(_ data: [UInt8], rowLength: Int) -> [UInt8] {
        var writer = BitWriter()
        writer.write(0x78, bits: 8)
        writer.write(0x01, bits: 8)
        writer.write(1, bits: 1)  // BFINAL
        writer.write(1, bits: 2)  // BTYPE 01: fixed Huffman codes
        var index = 0
        while index < data.count {
            let (length, distance) = longestMatch(data, at: index, rowLength: rowLength)
            if length >= 3 {
                writeLength(length, to: &writer)
                writeDistance(distance, to: &writer)
                index += length
            } else {
                writeLiteral(Int(data[index]), to: &writer)
                index += 1
            }
        }
        writeLiteral(256, to: &writer)  // end of block
        var out = writer.finish()
        let adler = PNGChecksum.adler32(data)
        out.append(contentsOf: [
            UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF),
        ])
        return out
    }

    static let maximumLength = 258

    private static func longestMatch(_ data: [UInt8], at index: Int, rowLength: Int) -> (Int, Int) {
        var best = (0, 0)
        for distance in [1, rowLength] where distance >= 1 && distance <= min(index, 32768) {
            var length = 0
            while length < maximumLength, index + length < data.count,
                data[index + length] == data[index + length - distance]
            {
                length += 1
            }
            if length > best.0 { best = (length, distance) }
        }
        return best
    }

    // RFC 1951 §3.2.5: length codes 257…285 and distance codes 0…29 with their extra bits.
    static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private static func writeLiteral(_ symbol: Int, to writer: inout BitWriter) {
        // RFC 1951 §3.2.6: 0–143 8 bits from 0x30, 144–255 9 bits from 0x190, 256–279 7 bits from 0,
        // 280–287 8 bits from 0xC0; Huffman codes go out most significant bit first.
        switch symbol {
        case 0...143: writer.writeCode(0x30 + symbol, bits: 8)
        case 144...255: writer.writeCode(0x190 + symbol - 144, bits: 9)
        case 256...279: writer.writeCode(symbol - 256, bits: 7)
        default: writer.writeCode(0xC0 + symbol - 280, bits: 8)
        }
    }

    private static func writeLength(_ length: Int, to writer: inout BitWriter) {
        let code = (lengthBase.lastIndex { $0 <= length }) ?? 0
        writeLiteral(257 + code, to: &writer)
        writer.write(UInt32(length - lengthBase[code]), bits: lengthExtra[code])
    }

    private static func writeDistance(_ distance: Int, to writer: inout BitWriter) {
        let code = (distanceBase.lastIndex { $0 <= distance }) ?? 0
        writer.writeCode(code, bits: 5)
        writer.write(UInt32(distance - distanceBase[code]), bits: distanceExtra[code])
    }

    /// Bits packed least significant first, as deflate stores them.
    struct BitWriter {
        private(set) var bytes: [UInt8] = []
        private var buffer: UInt32 = 0
        private var count = 0

        mutating func write(_ value: UInt32, bits: Int) {
            guard bits > 0 else { return }
            buffer |= (value & ((1 << UInt32(bits)) - 1)) << UInt32(count)
            count += bits
            while count >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                count -= 8
            }
        }

        /// A Huffman code: its most significant bit goes first.
        mutating func writeCode(_ code: Int, bits: Int) {
            var reversed: UInt32 = 0
            for bit in 0..<bits { reversed |= UInt32((code >> bit) & 1) << UInt32(bits - 1 - bit) }
            write(reversed, bits: bits)
        }

        mutating func finish() -> [UInt8] {
            if count > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            buffer = 0
            count = 0
            return bytes
        }
    }
}

/// Inflate for stored and fixed-Huffman blocks (RFC 1951 §3.2.4–3.2.6): what ``PNGDeflate`` and the
/// older stored-only encoder write. Dynamic Huffman blocks are refused with a clear error. Every
/// length, distance and the output size are checked, so hostile input ends in a ``PNGError``.
enum PNGInflate {
    static func inflate(_ stream: [UInt8], limit: Int) throws(PNGError) -> [UInt8] {
        guard stream.count >= 2 else { throw .truncated(field: "zlib header", offset: 0) }
        let cmf = stream[0]
        let flg = stream[1]
        guard cmf & 0x0F == 8, cmf >> 4 <= 7, (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0, flg & 0x20 == 0 else {
            throw .invalidZlibHeader(cmf: cmf, flg: flg)
        }
        var reader = BitReader(bytes: stream, position: 16)
        var out: [UInt8] = []
        var final = false
        while !final {
            let blockStart = reader.position / 8
            final = try reader.read(1) == 1
            let type = UInt8(try reader.read(2))
            switch type {
            case 0:
                reader.alignToByte()
                let offset = reader.position / 8
                guard offset + 4 <= stream.count else { throw .truncated(field: "stored block length", offset: offset) }
                let length = Int(stream[offset]) | Int(stream[offset + 1]) << 8
                let inverse = Int(stream[offset + 2]) | Int(stream[offset + 3]) << 8
                guard length == inverse ^ 0xFFFF else { throw .storedLengthMismatch(offset: offset) }
                guard offset + 4 + length <= stream.count else {
                    throw .truncated(field: "stored block data", offset: offset + 4)
                }
                guard out.count + length <= limit else {
                    throw .imageDataSizeMismatch(expected: limit, actual: out.count + length)
                }
                out.append(contentsOf: stream[(offset + 4)..<(offset + 4 + length)])
                reader.position = (offset + 4 + length) * 8
            case 1:
                try inflateFixedBlock(&reader, into: &out, limit: limit)
            default:
                throw .compressedBlockNotSupported(blockType: type, offset: blockStart)
            }
        }
        reader.alignToByte()
        let offset = reader.position / 8
        guard offset + 4 <= stream.count else { throw .truncated(field: "Adler-32", offset: offset) }
        let expected = stream[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let actual = PNGChecksum.adler32(out)
        guard expected == actual else { throw .adlerMismatch(expected: expected, actual: actual) }
        return out
    }

    private static func inflateFixedBlock(
        _ reader: inout BitReader, into out: inout [UInt8], limit: Int
    ) throws(PNGError) {
        while true {
            let symbol = try readFixedLiteral(&reader)
            if symbol < 256 {
                guard out.count < limit else { throw .imageDataSizeMismatch(expected: limit, actual: out.count + 1) }
                out.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let code = symbol - 257
            guard code < PNGDeflate.lengthBase.count else { throw .invalidDeflateCode(offset: reader.position / 8) }
            let length = PNGDeflate.lengthBase[code] + Int(try reader.read(PNGDeflate.lengthExtra[code]))
            let distanceCode = try reader.readCode(bits: 5)
            guard distanceCode < PNGDeflate.distanceBase.count else {
                throw .invalidDeflateCode(offset: reader.position / 8)
            }
            let distance =
                PNGDeflate.distanceBase[distanceCode] + Int(try reader.read(PNGDeflate.distanceExtra[distanceCode]))
            guard distance <= out.count else { throw .invalidDeflateCode(offset: reader.position / 8) }
            guard out.count + length <= limit else {
                throw .imageDataSizeMismatch(expected: limit, actual: out.count + length)
            }
            for _ in 0..<length { out.append(out[out.count - distance]) }
        }
    }

    /// RFC 1951 §3.2.6: 7-bit codes 0–23 are 256–279; 8-bit 48–191 are 0–143 and 192–199 are
    /// 280–287; 9-bit 400–511 are 144–255.
    private static func readFixedLiteral(_ reader: inout BitReader) throws(PNGError) -> Int {
        var code = try reader.readCode(bits: 7)
        if code <= 23 { return code + 256 }
        code = code << 1 | Int(try reader.read(1))
        if (48...191).contains(code) { return code - 48 }
        if (192...199).contains(code) { return code - 192 + 280 }
        code = code << 1 | Int(try reader.read(1))
        if (400...511).contains(code) { return code - 400 + 144 }
        throw .invalidDeflateCode(offset: reader.position / 8)
    }

    struct BitReader {
        let bytes: [UInt8]
        var position: Int

        mutating func read(_ bits: Int) throws(PNGError) -> UInt32 {
            var value: UInt32 = 0
            for bit in 0..<bits {
                let byte = position / 8
                guard byte < bytes.count else { throw .truncated(field: "deflate data", offset: byte) }
                value |= UInt32((bytes[byte] >> UInt8(position % 8)) & 1) << UInt32(bit)
                position += 1
            }
            return value
        }

        /// A Huffman code of `bits` bits, most significant first.
        mutating func readCode(bits: Int) throws(PNGError) -> Int {
            var code = 0
            for _ in 0..<bits { code = code << 1 | Int(try read(1)) }
            return code
        }

        mutating func alignToByte() { position = (position + 7) / 8 * 8 }
    }
}
