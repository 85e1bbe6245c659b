/// A decoded WSQ image: 8-bit grey pixels, row-major, plus the comment segments found in the file
/// (IAFIS-IC-0110 v3.1 Part 1 Annex B).
public struct WSQImage: Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width × height` grey values, 0 = black.
    public var pixels: [UInt8]
    /// Payloads of all COM segments, in file order.
    public var comments: [[UInt8]]

    /// Creates an image.
    public init(width: Int, height: Int, pixels: [UInt8], comments: [[UInt8]] = []) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.comments = comments
    }

    /// The first NIST_COM comment, if any.
    public var nistComment: WSQNISTComment? {
        comments.lazy.compactMap { WSQNISTComment(text: $0) }.first
    }
}

/// Decodes WSQ files (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B "decoder requirements").
///
/// Supports odd-length symmetric filter pairs (the 9/7 pair of the specification), up to eight Huffman
/// tables, and files without restart intervals. Every length and index is checked; malformed input
/// yields a `WSQError` naming the offset.
public enum WSQDecoder {
    /// Largest image accepted, to keep hostile headers from forcing huge allocations.
    public static let maximumPixelCount = 16_777_216

    private struct Frame {
        var width: Int
        var height: Int
        var shift: Double
        var scale: Double
    }

    /// Decodes a complete WSQ file.
    public static func decode(_ bytes: [UInt8]) throws(WSQError) -> WSQImage {
        var reader = WSQByteReader(bytes)
        let first = try reader.readUInt16()
        guard first == WSQMarker.startOfImage.rawValue else { throw .expectedMarker(offset: 0, found: first) }

        var comments: [[UInt8]] = []
        var bank: WSQWaveletFilterBank?
        var quantization: WSQQuantizationTable?
        var frame: Frame?
        var layout: WSQSubbandLayout?
        var tables: [Int: WSQHuffmanDecodingTable] = [:]
        var blocks: [[Int32]] = []

        while true {
            let markerOffset = reader.offset
            let raw = try reader.readUInt16()
            guard let marker = WSQMarker(rawValue: raw) else { throw .expectedMarker(offset: markerOffset, found: raw) }
            if marker == .endOfImage { break }
            if marker == .startOfImage { throw .unexpectedMarker(offset: markerOffset, marker: raw) }
            let length = Int(try reader.readUInt16())
            guard length >= 2, length - 2 <= reader.remaining else {
                throw .invalidSegmentLength(offset: markerOffset, length: length)
            }
            var segment = WSQByteReader(try reader.readBytes(length - 2))
            let payloadOffset = markerOffset + 4
            switch marker {
            case .comment:
                comments.append(segment.bytes)
            case .defineTransformTable:
                bank = try parseTransformTable(&segment, offset: payloadOffset)
            case .defineQuantizationTable:
                quantization = try parseQuantizationTable(&segment, offset: payloadOffset)
            case .defineHuffmanTable:
                try parseHuffmanTables(&segment, offset: payloadOffset, into: &tables)
            case .defineRestartInterval:
                let interval = Int(try segment.readUInt16())
                guard interval == 0 else {
                    throw .invalidField(offset: payloadOffset, field: "restart interval (unsupported)", value: interval)
                }
            case .startOfFrame:
                guard frame == nil else { throw .unexpectedMarker(offset: markerOffset, marker: raw) }
                let parsed = try parseFrame(&segment, offset: payloadOffset)
                frame = parsed
                layout = WSQSubbandLayout(width: parsed.width, height: parsed.height)
            case .startOfBlock:
                guard let layout else { throw .missingTable("frame header (SOF)") }
                guard let quantization else { throw .missingTable("quantization table (DQT)") }
                guard bank != nil else { throw .missingTable("transform table (DTT)") }
                guard blocks.count < 3 else { throw .unexpectedMarker(offset: markerOffset, marker: raw) }
                let id = Int(try segment.readByte())
                guard let table = tables[id] else { throw .missingHuffmanTable(offset: payloadOffset, table: id) }
                let expected = layout.coefficientCount(ofBlock: blocks.count, binWidths: quantization.binWidths)
                var bits = WSQBitReader(bytes, offset: reader.offset)
                blocks.append(try decodeBlock(&bits, table: table, expected: expected))
                reader.seek(to: bits.skipToMarker())
            case .startOfImage, .endOfImage:
                throw .unexpectedMarker(offset: markerOffset, marker: raw)
            }
        }
        if reader.remaining > 0 { throw .trailingData(offset: reader.offset, count: reader.remaining) }
        guard let frame, let layout else { throw .missingTable("frame header (SOF)") }
        guard let quantization else { throw .missingTable("quantization table (DQT)") }
        guard let bank else { throw .missingTable("transform table (DTT)") }
        guard blocks.count == 3 else {
            let expected = (0..<3).reduce(0) {
                $0 + layout.coefficientCount(ofBlock: $1, binWidths: quantization.binWidths)
            }
            throw .coefficientCountMismatch(expected: expected, actual: blocks.reduce(0) { $0 + $1.count })
        }
        let pixels = reconstruct(blocks: blocks, layout: layout, table: quantization, bank: bank, frame: frame)
        return WSQImage(width: frame.width, height: frame.height, pixels: pixels, comments: comments)
    }

    private static func decodeBlock(
        _ bits: inout WSQBitReader, table: WSQHuffmanDecodingTable, expected: Int
    ) throws(WSQError) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(min(expected, 1 << 20))
        func mismatch() -> WSQError { .coefficientCountMismatch(expected: expected, actual: output.count) }
        func appendZeros(_ run: Int) throws(WSQError) {
            guard run <= expected - output.count else { throw mismatch() }
            output.append(contentsOf: repeatElement(0, count: run))
        }
        func append(_ value: Int) throws(WSQError) {
            guard output.count < expected else { throw mismatch() }
            output.append(Int32(value))
        }
        while output.count < expected {
            let symbol = try nextSymbol(&bits, table: table, onEnd: mismatch())
            switch symbol {
            case 1...100:
                try appendZeros(symbol)
            case 101, 102, 103, 104:
                guard let magnitude = bits.readBits(symbol <= 102 ? 8 : 16) else { throw mismatch() }
                try append(symbol % 2 == 1 ? Int(magnitude) : -Int(magnitude))
            case 105, 106:
                guard let run = bits.readBits(symbol == 105 ? 8 : 16) else { throw mismatch() }
                try appendZeros(Int(run))
            case 107...254:
                try append(symbol - 180)
            default:
                throw .invalidHuffmanCode(offset: bits.offset)
            }
        }
        return output
    }

    private static func nextSymbol(
        _ bits: inout WSQBitReader, table: WSQHuffmanDecodingTable, onEnd: @autoclosure () -> WSQError
    ) throws(WSQError) -> Int {
        var code = 0
        for length in 1...WSQHuffmanTable.maximumCodeLength {
            guard let bit = bits.readBit() else { throw onEnd() }
            code = code << 1 | Int(bit)
            if code <= table.maxCode[length] {
                let index = table.firstIndex[length] + code - table.minCode[length]
                guard index >= 0, index < table.symbols.count else { throw .invalidHuffmanCode(offset: bits.offset) }
                return Int(table.symbols[index])
            }
        }
        throw .invalidHuffmanCode(offset: bits.offset)
    }

    private static func reconstruct(
        blocks: [[Int32]], layout: WSQSubbandLayout, table: WSQQuantizationTable, bank: WSQWaveletFilterBank,
        frame: Frame
    ) -> [UInt8] {
        var plane = [Float](repeating: 0, count: frame.width * frame.height)
        let bounds = WSQSubbandLayout.blockBoundaries
        let center = table.binCenter
        for block in 0..<3 {
            var index = 0
            let data = blocks[block]
            for k in bounds[block]..<bounds[block + 1] where table.binWidths[k] != 0 {
                let q = table.binWidths[k]
                let halfZero = table.zeroBinWidths[k] / 2
                let rect = layout.subbands[k]
                for row in rect.y..<(rect.y + rect.height) {
                    for column in rect.x..<(rect.x + rect.width) where index < data.count {
                        let p = Double(data[index])
                        index += 1
                        let value: Double
                        if p > 0 {
                            value = (p - center) * q + halfZero
                        } else if p < 0 {
                            value = (p + center) * q - halfZero
                        } else {
                            value = 0
                        }
                        plane[row * frame.width + column] = Float(value)
                    }
                }
            }
        }
        bank.synthesize(&plane, layout: layout)
        let shift = Float(frame.shift)
        let scale = Float(frame.scale)
        return plane.map { value in
            let pixel = (value * scale + shift).rounded()
            guard pixel.isFinite else { return 0 }
            return UInt8(max(0, min(255, pixel)))
        }
    }

    private static func parseTransformTable(
        _ segment: inout WSQByteReader, offset: Int
    ) throws(WSQError) -> WSQWaveletFilterBank {
        let lowLength = Int(try segment.readByte())
        let highLength = Int(try segment.readByte())
        for (name, value) in [("low-pass filter length", lowLength), ("high-pass filter length", highLength)]
        where value % 2 == 0 || value > 31 {
            throw .invalidField(offset: offset, field: name + " (odd, at most 31)", value: value)
        }
        func readTaps(_ count: Int) throws(WSQError) -> [Double] {
            var taps: [Double] = []
            for _ in 0..<count {
                let sign = try segment.readByte()
                let exponent = try segment.readByte()
                let integer = try segment.readUInt32()
                guard sign <= 1 else {
                    throw .invalidField(offset: offset + segment.offset - 6, field: "tap sign", value: Int(sign))
                }
                let magnitude = WSQScaledValue(exponent: exponent, integer: integer).value
                taps.append(sign == 1 ? -magnitude : magnitude)
            }
            return taps
        }
        let low = try readTaps((lowLength + 1) / 2)
        let high = try readTaps((highLength + 1) / 2)
        guard segment.remaining == 0 else {
            throw .invalidSegmentLength(offset: offset - 4, length: segment.bytes.count + 2)
        }
        return WSQWaveletFilterBank(lowPassHalf: low, highPassHalf: high)
    }

    private static func parseQuantizationTable(
        _ segment: inout WSQByteReader, offset: Int
    ) throws(WSQError) -> WSQQuantizationTable {
        guard segment.bytes.count == 387 else {
            throw .invalidSegmentLength(offset: offset - 4, length: segment.bytes.count + 2)
        }
        let centerExponent = try segment.readByte()
        let center = WSQScaledValue(exponent: centerExponent, integer: UInt32(try segment.readUInt16())).value
        var widths: [Double] = []
        var zeroWidths: [Double] = []
        for _ in 0..<64 {
            let qExponent = try segment.readByte()
            let q = WSQScaledValue(exponent: qExponent, integer: UInt32(try segment.readUInt16())).value
            let zExponent = try segment.readByte()
            let z = WSQScaledValue(exponent: zExponent, integer: UInt32(try segment.readUInt16())).value
            widths.append(q.isFinite ? q : 0)
            zeroWidths.append(z.isFinite ? z : 0)
        }
        for k in 60..<64 { widths[k] = 0 }
        return WSQQuantizationTable(binCenter: center, binWidths: widths, zeroBinWidths: zeroWidths)
    }

    private static func parseHuffmanTables(
        _ segment: inout WSQByteReader, offset: Int, into tables: inout [Int: WSQHuffmanDecodingTable]
    ) throws(WSQError) {
        repeat {
            let tableOffset = offset + segment.offset
            let id = Int(try segment.readByte())
            guard id < 8 else { throw .invalidField(offset: tableOffset, field: "Huffman table id", value: id) }
            let counts = try segment.readBytes(16)
            let total = counts.reduce(0) { $0 + Int($1) }
            let symbols = try segment.readBytes(total)
            guard let table = WSQHuffmanTable(codeCounts: counts, symbols: symbols) else {
                throw .invalidField(offset: tableOffset, field: "Huffman code counts", value: total)
            }
            tables[id] = table.decodingTable()
        } while segment.remaining > 0
    }

    private static func parseFrame(_ segment: inout WSQByteReader, offset: Int) throws(WSQError) -> Frame {
        guard segment.bytes.count == 15 else {
            throw .invalidSegmentLength(offset: offset - 4, length: segment.bytes.count + 2)
        }
        _ = try segment.readByte()  // black calibration
        _ = try segment.readByte()  // white calibration
        let height = Int(try segment.readUInt16())
        let width = Int(try segment.readUInt16())
        let shiftExponent = try segment.readByte()
        let shift = WSQScaledValue(exponent: shiftExponent, integer: UInt32(try segment.readUInt16())).value
        let scaleExponent = try segment.readByte()
        let scale = WSQScaledValue(exponent: scaleExponent, integer: UInt32(try segment.readUInt16())).value
        guard width >= WSQEncoder.minimumSide, height >= WSQEncoder.minimumSide,
            width * height <= maximumPixelCount
        else {
            throw .unsupportedImageSize(width: width, height: height)
        }
        return Frame(width: width, height: height, shift: shift, scale: scale)
    }
}
