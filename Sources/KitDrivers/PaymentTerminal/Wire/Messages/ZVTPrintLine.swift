/// Print line 06 D1, terminal → ECR: one receipt line for the ECR's printer (ZVT spec
/// rev. 13.x, chapter 3 "Print line"): `<attribute> <text>`, text without CR/LF.
public struct ZVTPrintLine: Sendable, Equatable, ZVTMessageBody {
    static let commandName = "Print line 06 D1"

    /// Attribute byte (formatting; 0xFF marks the last line of a receipt on many terminals).
    public let attribute: UInt8
    /// The text bytes as sent.
    public let textBytes: [UInt8]

    public init(attribute: UInt8, textBytes: [UInt8]) {
        self.attribute = attribute
        self.textBytes = textBytes
    }

    public init(attribute: UInt8, text: String) throws(ZVTError) {
        self.attribute = attribute
        self.textBytes = try ZVTText.encode(text)
    }

    init(decodingData data: [UInt8]) throws(ZVTError) {
        guard let first = data.first else {
            throw .missingElement(command: Self.commandName, element: "attribute byte")
        }
        attribute = first
        textBytes = Array(data.dropFirst())
    }

    func encodeData() -> [UInt8] { [attribute] + textBytes }

    /// The line as text.
    public var text: String { ZVTText.decode(textBytes) }
}
