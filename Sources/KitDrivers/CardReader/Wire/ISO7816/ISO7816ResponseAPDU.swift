/// A response APDU: optional response data followed by the status bytes SW1 SW2
/// (ISO/IEC 7816-4:2013 §5.1).
public struct ISO7816ResponseAPDU: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The response data field (Nr bytes).
    public let data: [UInt8]
    /// The trailing status word.
    public let statusWord: ISO7816StatusWord

    /// Creates a response from data and status word.
    public init(data: [UInt8] = [], statusWord: ISO7816StatusWord) {
        self.data = data
        self.statusWord = statusWord
    }

    /// Splits raw response bytes into data and SW1 SW2.
    public init(bytes: [UInt8]) throws(ISO7816APDUError) {
        guard bytes.count >= 2 else { throw .responseTooShort(count: bytes.count) }
        data = Array(bytes.dropLast(2))
        statusWord = ISO7816StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
    }

    /// Data followed by SW1 SW2.
    public var encoded: [UInt8] { data + [statusWord.sw1, statusWord.sw2] }

    public var description: String {
        "\(data.count) data byte(s), SW \(statusWord)"
    }
}
