/// Shared shape of the typed ZVT message bodies: data part in, data part out.
protocol ZVTMessageBody: Sendable, Equatable {
    /// Name used in error messages.
    static var commandName: String { get }
    /// Decodes the APDU data part.
    init(decodingData data: [UInt8]) throws(ZVTError)
    /// Encodes the APDU data part.
    func encodeData() -> [UInt8]
}

extension ZVTMessageBody {
    /// Builders call this so that a value which would decode differently is rejected early.
    func verifyRoundTrip() throws(ZVTError) {
        let decoded = try Self(decodingData: encodeData())
        guard decoded == self else {
            throw .ambiguousEncoding(
                command: Self.commandName, reason: "the encoded bytes would decode to a different message")
        }
    }
}

extension ZVTBCD {
    /// Decodes a BCD number at `offset` in `data`, reporting errors with offsets into `data`.
    static func decode(_ data: [UInt8], at offset: Int, count: Int) throws(ZVTError) -> Int {
        guard offset >= 0, count >= 0, offset + count <= data.count else {
            throw .bcdLengthMismatch(expected: count, actual: max(0, data.count - offset))
        }
        do {
            return try decode(Array(data[offset..<(offset + count)]))
        } catch {
            if case .invalidBCDDigit(let byte, let inner) = error {
                throw .invalidBCDDigit(byte: byte, offset: offset + inner)
            }
            throw error
        }
    }
}
