/// Maps quantized coefficients to the WSQ Huffman alphabet and back
/// (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B, Huffman coding categories).
///
/// Symbols 1–100 are zero runs of that length; 101/102 escape a positive/negative coefficient whose
/// magnitude follows in 8 bits, 103/104 the same with 16 bits; 105/106 escape a zero run whose length
/// follows in 8/16 bits; 107–254 are the coefficients −73…74 themselves (symbol = 180 + value).
enum WSQCoefficientCoder {
    static let largestDirectCoefficient = 74
    static let smallestDirectCoefficient = -73
    static let longestDirectRun = 100

    /// Calls `emit(symbol, extraBits, extraBitCount)` for every symbol that codes `coefficients`.
    static func forEachSymbol(
        _ coefficients: [Int32], block: Int, _ emit: (Int, UInt32, Int) -> Void
    ) throws(WSQError) {
        var run = 0
        func flushRun() {
            while run > 0 {
                let chunk = min(run, 0xFFFF)
                if chunk <= longestDirectRun {
                    emit(chunk, 0, 0)
                } else if chunk <= 0xFF {
                    emit(105, UInt32(chunk), 8)
                } else {
                    emit(106, UInt32(chunk), 16)
                }
                run -= chunk
            }
        }
        for coefficient in coefficients {
            let value = Int(coefficient)
            if value == 0 {
                run += 1
                continue
            }
            flushRun()
            if value >= smallestDirectCoefficient && value <= largestDirectCoefficient {
                emit(180 + value, 0, 0)
            } else {
                let magnitude = value.magnitude
                guard magnitude <= 0xFFFF else { throw .coefficientOutOfRange(value: value, block: block) }
                let wide = magnitude > 0xFF
                let symbol = value > 0 ? (wide ? 103 : 101) : (wide ? 104 : 102)
                emit(symbol, UInt32(magnitude), wide ? 16 : 8)
            }
        }
        flushRun()
    }

    /// Symbol frequencies of one or more blocks, indexed by symbol value.
    static func frequencies(of blocks: [[Int32]], firstBlock: Int) throws(WSQError) -> [Int] {
        var counts = [Int](repeating: 0, count: 256)
        for (index, block) in blocks.enumerated() {
            try forEachSymbol(block, block: firstBlock + index) { symbol, _, _ in counts[symbol] += 1 }
        }
        return counts
    }

    /// Entropy-codes one block with `table`; the result is byte-stuffed and padded with 1-bits.
    static func encode(_ coefficients: [Int32], block: Int, table: WSQHuffmanTable) throws(WSQError) -> [UInt8] {
        let (codes, lengths) = table.encodingTable()
        var writer = WSQBitWriter(reservingCapacity: coefficients.count / 4 + 16)
        try forEachSymbol(coefficients, block: block) { symbol, extra, extraCount in
            writer.write(codes[symbol], count: Int(lengths[symbol]))
            writer.write(extra, count: extraCount)
        }
        writer.flush()
        return writer.bytes
    }
}
