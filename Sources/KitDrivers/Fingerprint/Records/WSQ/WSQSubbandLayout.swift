/// A rectangle of wavelet coefficients inside the transformed image plane (IAFIS-IC-0110 v3.1 Part 1 Annex A).
public struct WSQRect: Equatable, Sendable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Number of columns.
    public var width: Int
    /// Number of rows.
    public var height: Int

    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Number of coefficients in the rectangle.
    public var area: Int { width * height }
}

/// Geometry of the WSQ 64-subband wavelet packet decomposition for one image size
/// (FBI IAFIS-IC-0110 v3.1, Part 1 Annex A: the 64-subband decomposition and its subband numbering).
///
/// Twenty regions are split, each once horizontally and once vertically, into four children. A split of
/// a line of length n yields ⌈n/2⌉ low-pass and ⌊n/2⌋ high-pass samples. Because down-sampling a high-pass
/// band mirrors its spectrum, a region lying in the right (bottom) half of its parent is split
/// "spectrally inverted": the high-pass half is stored first (left/top) so that the subbands stay in
/// frequency order. Subbands 60–63 (the diagonal detail of the first level) are never coded.
public struct WSQSubbandLayout: Equatable, Sendable {
    /// One region of the decomposition tree that is split into four children (Part 1 Annex A).
    public struct Node: Equatable, Sendable {
        /// The region that is split.
        public var rect: WSQRect
        /// The horizontal split stores the high-pass half first.
        public var invertedHorizontally: Bool
        /// The vertical split stores the high-pass half first.
        public var invertedVertically: Bool
    }

    /// Image width in pixels.
    public let width: Int
    /// Image height in pixels.
    public let height: Int
    /// The 20 split regions, parents before children (the order of the analysis).
    public let nodes: [Node]
    /// The 64 subbands in WSQ numbering; 0–59 are coded, 60–63 are discarded.
    public let subbands: [WSQRect]

    /// Number of subbands that carry data (0–59).
    public static let codedSubbandCount = 60
    /// First subband of each of the three entropy-coded blocks, and the end of the last.
    public static let blockBoundaries = [0, 19, 52, 60]

    /// Builds the decomposition for an image of `width × height` pixels (both at least 32).
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        var nodes: [Node] = []
        var subbands = [WSQRect](repeating: WSQRect(x: 0, y: 0, width: 0, height: 0), count: 64)

        let image = Node(
            rect: WSQRect(x: 0, y: 0, width: width, height: height), invertedHorizontally: false,
            invertedVertically: false)
        // Level 1: the whole image.
        let level1 = Self.children(of: image)
        // Level 2: the low-low quadrant and the two mixed quadrants.
        let lowLow = level1[0]
        let lowLowChildren = Self.children(of: lowLow)
        // The lowest band of the low-low quadrant is split twice more, the two mixed ones once more.
        let core = lowLowChildren[0]
        let coreChildren = Self.children(of: core)
        let innermost = coreChildren[0]
        let innermostChildren = Self.children(of: innermost)
        let detailTop = lowLowChildren[1]
        let detailLeft = lowLowChildren[2]
        let detailTopChildren = Self.children(of: detailTop)
        let detailLeftChildren = Self.children(of: detailLeft)

        nodes.append(image)
        nodes.append(contentsOf: [lowLow, level1[1], level1[2]])
        nodes.append(contentsOf: [detailTop, detailLeft])
        nodes.append(contentsOf: detailTopChildren)
        nodes.append(contentsOf: detailLeftChildren)
        nodes.append(core)
        nodes.append(contentsOf: coreChildren)
        nodes.append(Self.children(of: innermost)[0])

        var index = 0
        func assign(_ rects: [WSQRect]) {
            for rect in rects {
                subbands[index] = rect
                index += 1
            }
        }
        let innermostLow = innermostChildren[0]
        assign(Self.children(of: innermostLow).map(\.rect))  // 0–3
        assign(innermostChildren.dropFirst().map(\.rect))  // 4–6
        for node in coreChildren.dropFirst() {  // 7–18
            assign(Self.children(of: node).map(\.rect))
        }
        for node in detailTopChildren + detailLeftChildren {  // 19–50
            assign(Self.children(of: node).map(\.rect))
        }
        assign([lowLowChildren[3].rect])  // 51
        assign(Self.children(of: level1[1]).map(\.rect))  // 52–55
        assign(Self.children(of: level1[2]).map(\.rect))  // 56–59
        assign(Self.children(of: level1[3]).map(\.rect))  // 60–63, never coded

        self.nodes = nodes
        self.subbands = subbands
    }

    /// The coefficient count of entropy block `block` (0, 1 or 2), counting only subbands with a non-zero bin width.
    public func coefficientCount(ofBlock block: Int, binWidths: [Double]) -> Int {
        guard block >= 0, block < 3 else { return 0 }
        var total = 0
        for subband in Self.blockBoundaries[block]..<Self.blockBoundaries[block + 1]
        where subband < binWidths.count && binWidths[subband] != 0 {
            total += subbands[subband].area
        }
        return total
    }

    /// Splits a node into its four children in spatial order: top-left, top-right, bottom-left, bottom-right.
    /// A child on the right (bottom) is itself split inverted horizontally (vertically).
    static func children(of node: Node) -> [Node] {
        let (firstWidth, secondWidth) = halves(node.rect.width, inverted: node.invertedHorizontally)
        let (firstHeight, secondHeight) = halves(node.rect.height, inverted: node.invertedVertically)
        let x0 = node.rect.x
        let y0 = node.rect.y
        return [
            Node(
                rect: WSQRect(x: x0, y: y0, width: firstWidth, height: firstHeight),
                invertedHorizontally: false, invertedVertically: false),
            Node(
                rect: WSQRect(x: x0 + firstWidth, y: y0, width: secondWidth, height: firstHeight),
                invertedHorizontally: true, invertedVertically: false),
            Node(
                rect: WSQRect(x: x0, y: y0 + firstHeight, width: firstWidth, height: secondHeight),
                invertedHorizontally: false, invertedVertically: true),
            Node(
                rect: WSQRect(x: x0 + firstWidth, y: y0 + firstHeight, width: secondWidth, height: secondHeight),
                invertedHorizontally: true, invertedVertically: true),
        ]
    }

    /// Sizes of the first and second half of a split line: low-pass gets ⌈n/2⌉ and comes first unless inverted.
    static func halves(_ length: Int, inverted: Bool) -> (Int, Int) {
        let low = (length + 1) / 2
        let high = length / 2
        return inverted ? (high, low) : (low, high)
    }
}
