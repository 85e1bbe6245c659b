/// Compresses 8-bit grey fingerprint images to WSQ (FBI IAFIS-IC-0110 v3.1: Part 1 Annex A/B for the
/// transform, quantizer and file format; Part 3 "Encoder Number One" for the bit allocation).
///
/// The file is laid out as SOI, COM (NIST_COM), DTT, DQT, SOF, then DHT 0 + SOB 0 (subbands 0–18),
/// DHT 1 + SOB 1 (subbands 19–51), SOB 1 (subbands 52–59), EOI — the layout NIST's NBIS writes.
public enum WSQEncoder {
    /// Smallest supported image side; the five-level decomposition needs a few samples per subband.
    public static let minimumSide = 32
    /// Largest image side the 16-bit frame header can carry.
    public static let maximumSide = 65535
    /// Encoder number written to the frame header: the WSQ 3.1 variant of encoder number one, as NBIS writes it.
    public static let encoderNumber: UInt8 = 2

    /// Encodes `pixels` (row-major, `width × height` bytes, 0 = black) at `bitRate` bits per pixel.
    /// - Parameters:
    ///   - ppi: scan resolution in pixels per inch, recorded in the NIST_COM comment.
    ///   - bitRate: target compressed bits per pixel; 0.75 is the FBI's usual setting (about 15:1).
    public static func encode(
        pixels: [UInt8], width: Int, height: Int, ppi: Int = 500, bitRate: Double = 0.75
    ) throws(WSQError) -> [UInt8] {
        guard (minimumSide...maximumSide).contains(width), (minimumSide...maximumSide).contains(height) else {
            throw .unsupportedImageSize(width: width, height: height)
        }
        guard pixels.count == width * height else {
            throw .pixelCountMismatch(expected: width * height, actual: pixels.count)
        }
        guard bitRate.isFinite, bitRate > 0 else { throw .invalidBitRate(bitRate) }
        guard ppi > 0 else { throw .invalidResolution(ppi) }

        // Normalise to roughly ±128 around the mean; the stored (rounded) shift and scale are used so that
        // the decoder undoes exactly what was done here.
        let (shift, scale) = try normalisation(of: pixels)
        let shiftValue = Float(shift.value)
        let scaleValue = Float(scale.value)
        var plane = pixels.map { (Float($0) - shiftValue) / scaleValue }

        let layout = WSQSubbandLayout(width: width, height: height)
        let bank = WSQWaveletFilterBank.spec97
        bank.analyze(&plane, layout: layout)

        let variances = WSQQuantizationTable.subbandVariances(plane: plane, layout: layout)
        let widths = WSQQuantizationTable.binWidths(variances: variances, bitRate: bitRate)
        var storedWidths = [Double](repeating: 0, count: 64)
        var storedZeroWidths = [Double](repeating: 0, count: 64)
        var scaledWidths = [WSQScaledValue](repeating: WSQScaledValue(exponent: 0, integer: 0), count: 64)
        var scaledZeroWidths = scaledWidths
        for k in 0..<64 where widths[k] > 0 {
            guard let q = WSQScaledValue(encoding: widths[k], limit: 65535), q.integer > 0,
                let z = WSQScaledValue(encoding: 1.2 * widths[k], limit: 65535)
            else {
                throw .valueNotRepresentable(field: "bin width of subband \(k)", value: widths[k])
            }
            scaledWidths[k] = q
            scaledZeroWidths[k] = z
            storedWidths[k] = q.value
            storedZeroWidths[k] = z.value
        }
        let table = WSQQuantizationTable(binCenter: 0.44, binWidths: storedWidths, zeroBinWidths: storedZeroWidths)
        let blocks = quantize(plane: plane, layout: layout, table: table)

        var writer = WSQByteWriter(reservingCapacity: Int(Double(width * height) * bitRate / 8) + 2048)
        writer.writeMarker(.startOfImage)
        writeComment(WSQNISTComment(width: width, height: height, ppi: ppi, bitRate: bitRate).text, to: &writer)
        writeTransformTable(bank, to: &writer)
        writeQuantizationTable(widths: scaledWidths, zeroWidths: scaledZeroWidths, to: &writer)
        writeFrameHeader(width: width, height: height, shift: shift, scale: scale, to: &writer)

        let firstTable = WSQHuffmanTable.optimal(
            frequencies: try WSQCoefficientCoder.frequencies(of: [blocks[0]], firstBlock: 0))
        let secondTable = WSQHuffmanTable.optimal(
            frequencies: try WSQCoefficientCoder.frequencies(of: [blocks[1], blocks[2]], firstBlock: 1))
        writeHuffmanTable(firstTable, id: 0, to: &writer)
        writeBlockHeader(table: 0, to: &writer)
        writer.writeBytes(try WSQCoefficientCoder.encode(blocks[0], block: 0, table: firstTable))
        writeHuffmanTable(secondTable, id: 1, to: &writer)
        writeBlockHeader(table: 1, to: &writer)
        writer.writeBytes(try WSQCoefficientCoder.encode(blocks[1], block: 1, table: secondTable))
        writeBlockHeader(table: 1, to: &writer)
        writer.writeBytes(try WSQCoefficientCoder.encode(blocks[2], block: 2, table: secondTable))
        writer.writeMarker(.endOfImage)
        return writer.bytes
    }

    /// Mean M and scale R = max(M − min, max − M)/128 of the pixels, as stored in the frame header.
    static func normalisation(of pixels: [UInt8]) throws(WSQError) -> (WSQScaledValue, WSQScaledValue) {
        var sum = 0
        var low = 255
        var high = 0
        for pixel in pixels {
            let value = Int(pixel)
            sum += value
            low = min(low, value)
            high = max(high, value)
        }
        let mean = Double(sum) / Double(max(1, pixels.count))
        var range = max(mean - Double(low), Double(high) - mean) / 128
        if range <= 0 { range = 1 }  // constant image: any scale reproduces it
        guard let shift = WSQScaledValue(encoding: mean, limit: 65535) else {
            throw .valueNotRepresentable(field: "shift M", value: mean)
        }
        guard let scale = WSQScaledValue(encoding: range, limit: 65535), scale.integer > 0 else {
            throw .valueNotRepresentable(field: "scale R", value: range)
        }
        return (shift, scale)
    }

    /// Quantizes subbands 0–59 into the three blocks (0–18, 19–51, 52–59), row by row within each subband.
    static func quantize(plane: [Float], layout: WSQSubbandLayout, table: WSQQuantizationTable) -> [[Int32]] {
        var blocks: [[Int32]] = []
        let bounds = WSQSubbandLayout.blockBoundaries
        for block in 0..<3 {
            var output: [Int32] = []
            output.reserveCapacity(layout.coefficientCount(ofBlock: block, binWidths: table.binWidths))
            for k in bounds[block]..<bounds[block + 1] where table.binWidths[k] > 0 {
                let q = Float(table.binWidths[k])
                let halfZero = Float(table.zeroBinWidths[k] / 2)
                let rect = layout.subbands[k]
                for row in rect.y..<(rect.y + rect.height) {
                    let base = row * layout.width
                    for column in rect.x..<(rect.x + rect.width) {
                        let a = plane[base + column]
                        let p: Float
                        if a > halfZero {
                            p = ((a - halfZero) / q).rounded(.down) + 1
                        } else if a < -halfZero {
                            p = ((a + halfZero) / q).rounded(.up) - 1
                        } else {
                            p = 0
                        }
                        // Clamp before converting; anything beyond ±65535 is rejected by the coder anyway.
                        output.append(Int32(max(-1_000_000, min(1_000_000, p))))
                    }
                }
            }
            blocks.append(output)
        }
        return blocks
    }

    static func writeComment(_ text: [UInt8], to writer: inout WSQByteWriter) {
        let payload = Array(text.prefix(65533))
        writer.writeMarker(.comment)
        writer.writeUInt16(UInt16(payload.count + 2))
        writer.writeBytes(payload)
    }

    /// DTT: lengths of both filters, then the taps from the centre outwards as sign, exponent, 32-bit integer.
    static func writeTransformTable(_ bank: WSQWaveletFilterBank, to writer: inout WSQByteWriter) {
        let taps = bank.lowPassHalf + bank.highPassHalf
        writer.writeMarker(.defineTransformTable)
        writer.writeUInt16(UInt16(4 + 6 * taps.count))
        writer.writeByte(UInt8(bank.lowPassLength))
        writer.writeByte(UInt8(bank.highPassLength))
        for tap in taps {
            let scaled =
                WSQScaledValue(encoding: abs(tap), limit: 4_294_967_295) ?? WSQScaledValue(exponent: 0, integer: 0)
            writer.writeByte(tap < 0 ? 1 : 0)
            writer.writeByte(scaled.exponent)
            writer.writeUInt32(scaled.integer)
        }
    }

    /// DQT: bin centre (exponent 2, value 44 = 0.44), then Q and Z of all 64 subbands.
    static func writeQuantizationTable(
        widths: [WSQScaledValue], zeroWidths: [WSQScaledValue], to writer: inout WSQByteWriter
    ) {
        writer.writeMarker(.defineQuantizationTable)
        writer.writeUInt16(389)
        writer.writeByte(2)
        writer.writeUInt16(44)
        for k in 0..<64 {
            writer.writeByte(widths[k].exponent)
            writer.writeUInt16(UInt16(clamping: widths[k].integer))
            writer.writeByte(zeroWidths[k].exponent)
            writer.writeUInt16(UInt16(clamping: zeroWidths[k].integer))
        }
    }

    /// SOF: black and white calibration, height, width, shift M, scale R, encoder and software numbers.
    static func writeFrameHeader(
        width: Int, height: Int, shift: WSQScaledValue, scale: WSQScaledValue, to writer: inout WSQByteWriter
    ) {
        writer.writeMarker(.startOfFrame)
        writer.writeUInt16(17)
        writer.writeByte(0)
        writer.writeByte(255)
        writer.writeUInt16(UInt16(clamping: height))
        writer.writeUInt16(UInt16(clamping: width))
        writer.writeByte(shift.exponent)
        writer.writeUInt16(UInt16(clamping: shift.integer))
        writer.writeByte(scale.exponent)
        writer.writeUInt16(UInt16(clamping: scale.integer))
        writer.writeByte(encoderNumber)
        writer.writeUInt16(0)
    }

    static func writeHuffmanTable(_ table: WSQHuffmanTable, id: UInt8, to writer: inout WSQByteWriter) {
        writer.writeMarker(.defineHuffmanTable)
        writer.writeUInt16(UInt16(3 + 16 + table.symbols.count))
        writer.writeByte(id)
        writer.writeBytes(table.codeCounts)
        writer.writeBytes(table.symbols)
    }

    static func writeBlockHeader(table: UInt8, to writer: inout WSQByteWriter) {
        writer.writeMarker(.startOfBlock)
        writer.writeUInt16(3)
        writer.writeByte(table)
    }
}
