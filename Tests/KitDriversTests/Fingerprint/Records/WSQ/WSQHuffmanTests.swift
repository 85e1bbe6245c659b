import Testing

@testable import KitDrivers

@Suite("WSQ Huffman coding")
struct WSQHuffmanTests {
    @Test("Optimal tables are prefix codes of at most 16 bits without an all-ones code")
    func optimalTablesAreValid() throws {
        // Fibonacci-like frequencies force very deep unlimited trees.
        var frequencies = [Int](repeating: 0, count: 256)
        var a = 1
        var b = 1
        for symbol in 1...40 {
            frequencies[symbol] = a
            (a, b) = (b, min(a + b, 1 << 40))
        }
        for symbol in 107...254 { frequencies[symbol] = symbol }
        let table = WSQHuffmanTable.optimal(frequencies: frequencies)
        #expect(table.codeCounts.count == 16)
        #expect(table.symbols.count == frequencies.filter { $0 > 0 }.count)
        let (codes, lengths) = table.encodingTable()
        for symbol in 0..<256 where frequencies[symbol] > 0 {
            let length = Int(lengths[symbol])
            #expect(length >= 1 && length <= 16)
            #expect(codes[symbol] != (UInt32(1) << UInt32(length)) - 1, "symbol \(symbol) got an all-ones code")
        }
        // Round trip through the DHT fields.
        let reparsed = try #require(WSQHuffmanTable(codeCounts: table.codeCounts, symbols: table.symbols))
        #expect(reparsed == table)
    }

    @Test("A single used symbol still gets a one-bit code")
    func singleSymbol() {
        var frequencies = [Int](repeating: 0, count: 256)
        frequencies[180 + 5] = 1000
        let table = WSQHuffmanTable.optimal(frequencies: frequencies)
        #expect(table.symbols == [185])
        #expect(table.codeCounts[0] == 1)
    }

    @Test("Counts that overflow the code space are rejected")
    func invalidCounts() {
        var counts = [UInt8](repeating: 0, count: 16)
        counts[0] = 3
        #expect(WSQHuffmanTable(codeCounts: counts, symbols: [1, 2, 3]) == nil)
        #expect(WSQHuffmanTable(codeCounts: [1], symbols: [1]) == nil)
        counts[0] = 1
        #expect(WSQHuffmanTable(codeCounts: counts, symbols: [1, 2]) == nil)
    }

    @Test("Coefficients map to run, direct and escape categories")
    func categories() throws {
        var emitted: [(Int, UInt32, Int)] = []
        let coefficients: [Int32] = [0, 0, 0, 5, -73, 74, 75, -74, 300, -70000 + 5000, 0]
        try WSQCoefficientCoder.forEachSymbol(coefficients + [Int32](repeating: 0, count: 150), block: 0) {
            emitted.append(($0, $1, $2))
        }
        #expect(emitted.map(\.0) == [3, 185, 107, 254, 101, 102, 103, 104, 105])
        #expect(emitted[4].1 == 75 && emitted[4].2 == 8)
        #expect(emitted[6].1 == 300 && emitted[6].2 == 16)
        #expect(emitted[7].1 == 65000 && emitted[7].2 == 16)
        #expect(emitted[8].1 == 151 && emitted[8].2 == 8)
    }

    @Test("Coefficients beyond 16 bits are reported")
    func outOfRange() {
        #expect(throws: WSQError.coefficientOutOfRange(value: 70000, block: 2)) {
            try WSQCoefficientCoder.forEachSymbol([70000], block: 2) { _, _, _ in }
        }
    }

    @Test("Long zero runs are split into 16-bit escapes")
    func longRuns() throws {
        var emitted: [(Int, UInt32)] = []
        try WSQCoefficientCoder.forEachSymbol([Int32](repeating: 0, count: 70000), block: 0) { symbol, extra, _ in
            emitted.append((symbol, extra))
        }
        #expect(emitted.map(\.0) == [106, 106])
        #expect(emitted.map(\.1).reduce(0, +) == 70000)
    }

    @Test("The bit writer stuffs a zero byte after 0xFF and pads with ones")
    func byteStuffing() {
        var writer = WSQBitWriter(reservingCapacity: 4)
        writer.write(0xFF, count: 8)
        writer.write(0b101, count: 3)
        writer.flush()
        #expect(writer.bytes == [0xFF, 0x00, 0b1011_1111])
        var reader = WSQBitReader(writer.bytes + [0xFF, 0xA1], offset: 0)
        #expect(reader.readBits(8) == 0xFF)
        #expect(reader.readBits(3) == 0b101)
        #expect(reader.readBits(5) == 0b11111)
        #expect(reader.readBit() == nil)
        #expect(reader.reachedMarker)
    }
}
