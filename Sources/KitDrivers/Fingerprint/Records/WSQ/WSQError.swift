/// Why a WSQ image could not be encoded or decoded (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B).
public enum WSQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The image size is outside what the 64-subband decomposition can handle.
    case unsupportedImageSize(width: Int, height: Int)
    /// The pixel buffer does not hold exactly `width × height` bytes.
    case pixelCountMismatch(expected: Int, actual: Int)
    /// The requested bit rate is not a positive finite number.
    case invalidBitRate(Double)
    /// The resolution in pixels per inch is not positive.
    case invalidResolution(Int)
    /// A coefficient or run length does not fit the escape codes of the Huffman alphabet.
    case coefficientOutOfRange(value: Int, block: Int)
    /// A quantizer or header value does not fit its scaled 16-bit field.
    case valueNotRepresentable(field: String, value: Double)
    /// The stream ended inside a segment.
    case truncated(offset: Int, needed: Int)
    /// A two-byte marker was expected but other bytes were found.
    case expectedMarker(offset: Int, found: UInt16)
    /// The marker is valid but not allowed at this place.
    case unexpectedMarker(offset: Int, marker: UInt16)
    /// A segment length field is too small or points past the end of the stream.
    case invalidSegmentLength(offset: Int, length: Int)
    /// A table or header field carries a value the decoder cannot use.
    case invalidField(offset: Int, field: String, value: Int)
    /// A block refers to a Huffman table that was never defined.
    case missingHuffmanTable(offset: Int, table: Int)
    /// The frame header, transform table or quantization table is missing before the first block.
    case missingTable(String)
    /// The entropy-coded data contains a bit pattern that is no code of the table.
    case invalidHuffmanCode(offset: Int)
    /// The entropy-coded data produced more or fewer coefficients than the subbands hold.
    case coefficientCountMismatch(expected: Int, actual: Int)
    /// Bytes follow the end-of-image marker.
    case trailingData(offset: Int, count: Int)

    public var description: String {
        switch self {
        case .unsupportedImageSize(let width, let height):
            return "WSQ: image size \(width)×\(height) is not supported (each side must be 32…65535 pixels)."
        case .pixelCountMismatch(let expected, let actual):
            return "WSQ: pixel buffer holds \(actual) bytes, expected width × height = \(expected)."
        case .invalidBitRate(let rate):
            return "WSQ: bit rate \(rate) is invalid; use a positive value such as 0.75 bits per pixel."
        case .invalidResolution(let ppi):
            return "WSQ: resolution \(ppi) ppi is invalid; fingerprint scanners deliver 500 ppi."
        case .coefficientOutOfRange(let value, let block):
            return
                "WSQ: quantized coefficient \(value) in block \(block) exceeds the 16-bit escape range; lower the bit rate."
        case .valueNotRepresentable(let field, let value):
            return "WSQ: \(field) value \(value) cannot be stored in its scaled 16-bit header field."
        case .truncated(let offset, let needed):
            return "WSQ: data ends at offset \(offset); \(needed) more byte(s) were needed. The file is cut off."
        case .expectedMarker(let offset, let found):
            return "WSQ: expected a marker (0xFFA0…0xFFA8) at offset \(offset), found 0x\(wsqHex16(found))."
        case .unexpectedMarker(let offset, let marker):
            return "WSQ: marker 0x\(wsqHex16(marker)) at offset \(offset) is not allowed here."
        case .invalidSegmentLength(let offset, let length):
            return "WSQ: segment at offset \(offset) declares length \(length), which does not fit the data."
        case .invalidField(let offset, let field, let value):
            return "WSQ: field \(field) at offset \(offset) has unusable value \(value)."
        case .missingHuffmanTable(let offset, let table):
            return "WSQ: block at offset \(offset) uses Huffman table \(table), which was not defined before."
        case .missingTable(let name):
            return "WSQ: the \(name) is missing before the first data block."
        case .invalidHuffmanCode(let offset):
            return "WSQ: entropy-coded data near offset \(offset) contains no valid Huffman code; the data is corrupt."
        case .coefficientCountMismatch(let expected, let actual):
            return "WSQ: the data blocks decode to \(actual) coefficients, the subbands need \(expected)."
        case .trailingData(let offset, let count):
            return "WSQ: \(count) byte(s) follow the end-of-image marker at offset \(offset); the file is damaged."
        }
    }
}

private func wsqHex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
