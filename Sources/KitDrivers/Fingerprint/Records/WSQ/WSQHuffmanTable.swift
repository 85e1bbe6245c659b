/// A canonical Huffman table as carried in a DHT segment: code counts per length 1…16 and the symbols in code
/// order (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B "DHT", which follows ITU-T T.81 Annex C and K.2).
public struct WSQHuffmanTable: Equatable, Sendable {
    /// `codeCounts[i]` is the number of codes of length i+1 bits (16 entries).
    public let codeCounts: [UInt8]
    /// Symbols in order of increasing code length, then in code order.
    public let symbols: [UInt8]

    /// Longest code length the DHT segment can describe.
    public static let maximumCodeLength = 16

    /// Creates a table from its DHT fields; returns nil if the counts do not describe a prefix code.
    public init?(codeCounts: [UInt8], symbols: [UInt8]) {
        guard codeCounts.count == Self.maximumCodeLength else { return nil }
        let total = codeCounts.reduce(0) { $0 + Int($1) }
        guard total == symbols.count, total > 0, total <= 256 else { return nil }
        // Kraft: canonical code assignment must not run out of code space.
        var code = 0
        for length in 1...Self.maximumCodeLength {
            code += Int(codeCounts[length - 1])
            guard code <= (1 << length) else { return nil }
            code <<= 1
        }
        self.codeCounts = codeCounts
        self.symbols = symbols
    }

    /// Builds an optimal length-limited table for the given symbol frequencies (index = symbol value).
    /// One code point of the longest length is kept free so that no code consists only of 1-bits
    /// (ITU-T T.81 §K.2), which keeps the 1-bit padding at the end of a block from decoding as a symbol.
    public static func optimal(frequencies: [Int]) -> WSQHuffmanTable {
        var used: [(symbol: Int, count: Int)] = []
        for (symbol, count) in frequencies.enumerated() where count > 0 && symbol < 256 {
            used.append((symbol, count))
        }
        if used.isEmpty { used.append((1, 1)) }
        // Huffman code lengths by repeated merging; the extra entry (symbol 256) is the reserved code point.
        var weights = used.map(\.count) + [1]
        let leafCount = weights.count
        var lengths = [Int](repeating: 0, count: leafCount)
        var groups: [[Int]] = (0..<leafCount).map { [$0] }
        var alive = Array(0..<leafCount)
        while alive.count > 1 {
            alive.sort { weights[$0] != weights[$1] ? weights[$0] < weights[$1] : $0 > $1 }
            let first = alive[0]
            let second = alive[1]
            for leaf in groups[first] + groups[second] { lengths[leaf] += 1 }
            weights[second] += weights[first]
            groups[second] += groups[first]
            groups[first] = []
            alive.removeFirst()
        }
        var bits = [Int](repeating: 0, count: 64)
        for length in lengths { bits[min(63, max(1, length))] += 1 }
        // Limit to 16 bits (T.81 Figure K.3).
        var longest = 63
        while longest > maximumCodeLength {
            while bits[longest] > 0 {
                var shorter = longest - 2
                while shorter > 0 && bits[shorter] == 0 { shorter -= 1 }
                bits[longest] -= 2
                bits[longest - 1] += 1
                bits[shorter + 1] += 2
                bits[shorter] -= 1
            }
            longest -= 1
        }
        // Drop the reserved code point from the longest length in use.
        var last = maximumCodeLength
        while last > 0 && bits[last] == 0 { last -= 1 }
        if last > 0 { bits[last] -= 1 }
        // Hand out the adjusted lengths to the symbols ordered by their unlimited lengths.
        let order = (0..<used.count).sorted {
            lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : used[$0].symbol < used[$1].symbol
        }
        let counts = (1...maximumCodeLength).map { UInt8(clamping: bits[$0]) }
        let symbols = order.map { UInt8(truncatingIfNeeded: used[$0].symbol) }
        // The construction always yields a valid prefix code; fall back to a flat table defensively.
        return WSQHuffmanTable(codeCounts: counts, symbols: symbols) ?? flat(symbols: symbols)
    }

    /// A table giving every symbol an 8-or-9-bit code; only used if construction fails.
    private static func flat(symbols: [UInt8]) -> WSQHuffmanTable {
        var counts = [UInt8](repeating: 0, count: maximumCodeLength)
        let nine = max(0, 2 * (symbols.count - 255))
        counts[7] = UInt8(clamping: symbols.count - nine)
        counts[8] = UInt8(clamping: nine)
        return WSQHuffmanTable(uncheckedCounts: counts, symbols: symbols)
    }

    private init(uncheckedCounts: [UInt8], symbols: [UInt8]) {
        self.codeCounts = uncheckedCounts
        self.symbols = symbols
    }

    /// Code (right-aligned) and length for each symbol value; length 0 means the symbol has no code.
    func encodingTable() -> (codes: [UInt32], lengths: [UInt8]) {
        var codes = [UInt32](repeating: 0, count: 256)
        var lengths = [UInt8](repeating: 0, count: 256)
        var code: UInt32 = 0
        var index = 0
        for length in 1...Self.maximumCodeLength {
            for _ in 0..<Int(codeCounts[length - 1]) where index < symbols.count {
                codes[Int(symbols[index])] = code
                lengths[Int(symbols[index])] = UInt8(length)
                code += 1
                index += 1
            }
            code <<= 1
        }
        return (codes, lengths)
    }

    /// Per-length decoding limits (T.81 §F.2.2.3): smallest and largest code and index of the first symbol.
    func decodingTable() -> WSQHuffmanDecodingTable {
        var minCode = [Int](repeating: 0, count: Self.maximumCodeLength + 1)
        var maxCode = [Int](repeating: -1, count: Self.maximumCodeLength + 1)
        var firstIndex = [Int](repeating: 0, count: Self.maximumCodeLength + 1)
        var code = 0
        var index = 0
        for length in 1...Self.maximumCodeLength {
            let count = Int(codeCounts[length - 1])
            if count > 0 {
                firstIndex[length] = index
                minCode[length] = code
                code += count
                index += count
                maxCode[length] = code - 1
            }
            code <<= 1
        }
        return WSQHuffmanDecodingTable(minCode: minCode, maxCode: maxCode, firstIndex: firstIndex, symbols: symbols)
    }
}

/// Lookup limits for decoding one canonical Huffman table bit by bit.
struct WSQHuffmanDecodingTable {
    let minCode: [Int]
    let maxCode: [Int]
    let firstIndex: [Int]
    let symbols: [UInt8]
}
