/// Print text block 06 D3, terminal → ECR: a whole receipt in the TLV container (ZVT spec
/// rev. 13.x, chapter 3 "Print text-block"): tag 25 holds 07 text lines, 1F07 the receipt type.
public struct ZVTPrintTextBlock: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Print text block 06 D3"

    /// The BMP fields (normally one TLV container).
    public let fields: ZVTFieldList

    public init(fields: ZVTFieldList) {
        self.fields = fields
    }

    /// Builds a text block from lines and an optional receipt type.
    public init(lines: [String], receiptType: UInt8? = nil) throws(ZVTError) {
        var lineNodes: [ZVTTLVNode] = []
        for line in lines {
            lineNodes.append(try ZVTTLVNode(tag: .textLine, value: ZVTText.encode(line)))
        }
        var nodes: [ZVTTLVNode] = []
        if let receiptType { nodes.append(try ZVTTLVNode(tag: .receiptType, value: [receiptType])) }
        nodes.append(try ZVTTLVNode(tag: .printTexts, children: lineNodes))
        fields = ZVTFieldList([try .tlv(nodes)])
    }

    init(decodingData data: [UInt8]) {
        fields = ZVTFieldList(decoding: data)
    }

    func encodeData() -> [UInt8] { fields.encode() }

    /// The text lines (TLV 25 → 07) in order.
    public var lines: [String] {
        guard let texts = fields.tlv?.firstDescendant(.printTexts) else { return [] }
        return texts.children.filter { $0.tag == .textLine }.compactMap { $0.value.map(ZVTText.decode) }
    }

    /// TLV 1F07: 01 merchant, 02 customer, 03 administration receipt.
    public var receiptType: UInt8? { fields.tlv?.firstDescendant(.receiptType)?.value?.first }
}
