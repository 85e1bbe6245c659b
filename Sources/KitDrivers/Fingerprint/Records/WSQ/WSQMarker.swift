/// The two-byte markers that delimit a WSQ file (FBI IAFIS-IC-0110 v3.1, Part 1 Annex B, marker codes).
public enum WSQMarker: UInt16, Sendable, CaseIterable {
    /// Start of image.
    case startOfImage = 0xFFA0
    /// End of image.
    case endOfImage = 0xFFA1
    /// Start of frame: image size, shift and scale of the pixel normalisation.
    case startOfFrame = 0xFFA2
    /// Start of block: entropy-coded coefficients follow.
    case startOfBlock = 0xFFA3
    /// Define transform table: the analysis filter coefficients.
    case defineTransformTable = 0xFFA4
    /// Define quantization table: bin widths and zero-bin widths of the 64 subbands.
    case defineQuantizationTable = 0xFFA5
    /// Define Huffman table.
    case defineHuffmanTable = 0xFFA6
    /// Define restart interval.
    case defineRestartInterval = 0xFFA7
    /// Comment, e.g. the NIST_COM text.
    case comment = 0xFFA8
}
