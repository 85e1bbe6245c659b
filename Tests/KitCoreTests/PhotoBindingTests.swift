import Crypto
import KitCore
import Testing

/// The photo's binding check reads decrypted network input (the server and every receiving
/// procedure run it): hostile payloads are refused with a reason and never crash it.
@Suite("photo.captured binding (facts ↔ 19794-5 record)")
struct PhotoBindingTests {
    static let image: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(0..<200).map { UInt8($0) } + [0xFF, 0xD9]

    static func record(points: Int = 2) -> [UInt8] {
        let length = 14 + 20 + 8 * points + 12 + image.count
        var bytes = Array("FAC".utf8) + [0] + Array("010".utf8) + [0]
        bytes += [0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1]
        bytes += [0, 0, UInt8((length - 14) >> 8), UInt8((length - 14) & 0xFF), 0, UInt8(points)]
        bytes += [UInt8](repeating: 0, count: 14)
        for code: UInt8 in [0xC2, 0xC1].prefix(points) { bytes += [1, code, 0, 10, 0, 10, 0, 0] }
        bytes += [2, 0, 0, 40, 0, 53, 1, 6, 0, 0, 0, 0]
        return bytes + image
    }

    static func payload(record: [UInt8] = record(), imageHash: [UInt8] = image) throws -> [UInt8] {
        try StepPayload.compose(
            facts: StepPayload.Photo(
                imageSHA256: Hex.encode(Array(SHA256.hash(data: imageHash))),
                recordSHA256: Hex.encode(Array(SHA256.hash(data: record))), format: "test", width: 40, height: 53,
                eyes: [10, 10, 30, 10], checks: [], framesTaken: 1),
            attachment: record)
    }

    @Test("The facts name the record and the image inside it")
    func matching() throws {
        #expect(StepPayload.Photo.bindingProblem(payload: try Self.payload()) == nil)
        #expect(StepPayload.Photo.image(inRecord: Self.record()).map(Array.init) == Self.image)
        #expect(StepPayload.Photo.image(inRecord: Self.record(points: 0)).map(Array.init) == Self.image)
    }

    @Test("A record that matches its hash but carries another image than the facts name is refused")
    func otherImage() throws {
        var other = Self.image
        other[10] ^= 0xFF
        let problem = StepPayload.Photo.bindingProblem(payload: try Self.payload(imageHash: other))
        #expect(problem == "the photo image does not match the SHA-256 in its facts")
    }

    @Test("Every truncation and every single-byte change of the payload is refused, none crashes")
    func hostilePayloads() throws {
        let good = try Self.payload()
        for length in 0..<good.count {
            #expect(StepPayload.Photo.bindingProblem(payload: Array(good.prefix(length))) != nil)
        }
        // Past the facts (which a change may still leave readable), every byte is bound by a hash.
        let factsEnd = 4 + good.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
        for index in factsEnd..<good.count {
            var changed = good
            changed[index] ^= 0x5A
            #expect(StepPayload.Photo.bindingProblem(payload: changed) != nil, "byte \(index)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let noise = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            #expect(StepPayload.Photo.bindingProblem(payload: noise) != nil)
            #expect(StepPayload.Photo.image(inRecord: noise) == nil || noise.starts(with: Array("FAC".utf8) + [0]))
        }
        // A record claiming 65 535 feature points ends before its image.
        var huge = Self.record()
        huge[18] = 0xFF
        huge[19] = 0xFF
        #expect(StepPayload.Photo.image(inRecord: huge) == nil)
    }
}
