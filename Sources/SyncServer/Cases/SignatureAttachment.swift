/// Reads the PNG out of a signature step's attachment: "KSIG", version 1, the signed text's
/// SHA-256 (32 bytes), u32 big-endian record length, the ISO/IEC 19794-7 record, u32 big-endian
/// PNG length, the PNG (the kit's `SignatureRecordCapture.sealingPayload()`). The server does not
/// import the drivers, so this reads the framing only and checks the PNG signature.
enum SignatureAttachment {
    static let magic: [UInt8] = Array("KSIG".utf8)
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The rendered signature, or nil when the attachment is not in this framing.
    static func png(in attachment: ArraySlice<UInt8>) -> [UInt8]? {
        let bytes = Array(attachment)
        var offset = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, count <= bytes.count - offset else { return nil }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func length() -> Int? {
            take(4).map { $0.reduce(0) { $0 << 8 | Int($1) } }
        }
        guard take(4).map(Array.init) == magic, take(1) == [1], take(32) != nil,
            let recordLength = length(), take(recordLength) != nil,
            let pngLength = length(), let png = take(pngLength), offset == bytes.count,
            png.starts(with: pngSignature)
        else { return nil }
        return Array(png)
    }
}
