import Crypto

extension StepPayload.Photo {
    /// The binary attachment after the JSON facts (``StepPayload/compose(facts:attachment:)``).
    public static func attachment(of payload: [UInt8]) -> [UInt8]? {
        guard payload.count >= 4, payload.first != UInt8(ascii: "{") else { return nil }
        let length = payload.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
        guard length <= payload.count - 4 else { return nil }
        return Array(payload[(4 + length)...])
    }

    /// The image inside an ISO/IEC 19794-5:2005 record with one facial image (§5.4–5.8: 14-byte
    /// header, 20-byte facial information, 8 bytes per feature point, 12-byte image information).
    public static func image(inRecord record: [UInt8]) -> ArraySlice<UInt8>? {
        guard record.count > 14 + 20 + 12, record.starts(with: Array("FAC".utf8) + [0]) else { return nil }
        let points = Int(record[18]) << 8 | Int(record[19])
        let start = 14 + 20 + 8 * points + 12
        guard start < record.count else { return nil }
        return record[start...]
    }

    /// Checks that the facts name exactly the record and image that travel with them; the problem in
    /// English for IT, nil when they match. The envelope's signature covers facts and record, so a
    /// matching hash proves the image is the one the kit's camera took (issue #22, chain of custody).
    public static func bindingProblem(payload: [UInt8]) -> String? {
        guard let facts = try? StepPayload.facts(StepPayload.Photo.self, from: payload) else {
            return "photo facts cannot be read"
        }
        guard let record = attachment(of: payload), !record.isEmpty else { return "photo payload carries no record" }
        guard Hex.encode(Array(SHA256.hash(data: record))) == facts.recordSHA256 else {
            return "the photo record does not match the SHA-256 in its facts"
        }
        guard let image = image(inRecord: record) else { return "the photo record is not an ISO/IEC 19794-5 record" }
        guard Hex.encode(Array(SHA256.hash(data: Array(image)))) == facts.imageSHA256 else {
            return "the photo image does not match the SHA-256 in its facts"
        }
        return nil
    }
}
