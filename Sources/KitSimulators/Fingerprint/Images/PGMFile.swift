import KitDrivers

/// A binary greyscale PGM file ("P5", Netpbm), the plain format scanners' SDKs and NIST's tools
/// write raw captures in: read so that `kit-sim wsq encode` can run the kit's WSQ encoder on real
/// captures (issue #18). 8-bit samples only (maxval 1…255, scaled to 0…255); comments allowed in
/// the header. Pure, so hostile files are tested without a file system.
public enum PGMFile {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case notBinaryPGM
        case badHeader(String)
        case unsupportedMaxval(Int)
        case truncated(expected: Int, found: Int)

        public var description: String {
            switch self {
            case .notBinaryPGM: return "not a binary PGM file (it must start with P5)"
            case .badHeader(let reason): return "the PGM header is unreadable: \(reason)"
            case .unsupportedMaxval(let maxval):
                return "maxval \(maxval) is not supported: only 8-bit PGM (maxval 1…255)"
            case .truncated(let expected, let found):
                return "the PGM file has \(found) pixel bytes, its header announces \(expected)"
            }
        }
    }

    /// The most pixels accepted (a 4,000 × 4,000 capture at 1,000 ppi is 16 M).
    public static let maximumPixels = 16_000_000

    public static func decode(_ bytes: [UInt8]) throws(Error) -> FingerprintImage {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") else {
            throw .notBinaryPGM
        }
        var index = 2
        func number(_ name: String) throws(Error) -> Int {
            // Whitespace and comments (# … end of line) before each header field.
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            var value = 0
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
                guard digits <= 7 else { throw .badHeader("\(name) has too many digits") }
            }
            guard digits > 0 else { throw .badHeader("\(name) is missing") }
            return value
        }
        let width = try number("width")
        let height = try number("height")
        let maxval = try number("maxval")
        guard width > 0, height > 0 else { throw .badHeader("the image is \(width) × \(height)") }
        guard width * height <= maximumPixels else {
            throw .badHeader("\(width) × \(height) pixels is more than \(maximumPixels)")
        }
        guard (1...255).contains(maxval) else { throw .unsupportedMaxval(maxval) }
        // Exactly one whitespace byte ends the header.
        guard index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) else {
            throw .badHeader("no whitespace after maxval")
        }
        index += 1
        let count = width * height
        let available = bytes.count - index
        guard available >= count else { throw .truncated(expected: count, found: available) }
        var pixels = Array(bytes[index..<(index + count)])
        if maxval != 255 {
            pixels = pixels.map { UInt8(min(255, Int($0) * 255 / maxval)) }
        }
        return FingerprintImage(width: width, height: height, pixels: pixels)
    }
}
