/// Why a signature capture could not be built, bound or read back.
///
/// Project convention for binding an ISO/IEC 19794-7 record and a PNG to the SHA-256 of the signed text.
public enum SignatureRecordError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The document digest is not 32 bytes.
    case digestWrongLength(Int)
    /// The digest inside the 19794-7 record differs from the capture's digest.
    case digestMismatch
    /// No pen sample touched the pad.
    case noInk
    /// The sealing payload does not start with "KSIG".
    case badMagic([UInt8])
    /// The sealing payload has an unknown version.
    case unsupportedVersion(UInt8)
    /// The sealing payload ended early.
    case truncated(field: String, offset: Int)
    /// Bytes follow the sealing payload's last field.
    case trailingBytes(count: Int)
    /// The embedded ISO/IEC 19794-7 record is invalid.
    case record(ISO19794_7Error)
    /// The embedded PNG is invalid.
    case image(PNGError)

    public var description: String {
        switch self {
        case .digestWrongLength(let count): return "document SHA-256 must be 32 bytes, got \(count)"
        case .digestMismatch: return "the SHA-256 inside the ISO 19794-7 record does not match the signed document"
        case .noInk: return "no pen sample touched the pad: nothing was signed"
        case .badMagic(let bytes):
            return "signature payload does not start with \"KSIG\" (\(ISO19794_7Error.hex(bytes)))"
        case .unsupportedVersion(let version): return "signature payload version \(version) is not supported"
        case .truncated(let field, let offset): return "signature payload truncated in \(field) at offset \(offset)"
        case .trailingBytes(let count): return "signature payload has \(count) unexpected trailing bytes"
        case .record(let error): return "signature record invalid: \(error)"
        case .image(let error): return "signature image invalid: \(error)"
        }
    }
}

/// A captured signature bound to the signed text: the SHA-256 of the text (computed by the caller), the
/// ISO/IEC 19794-7:2014 time-series record and a PNG rendering.
///
/// Project convention (not part of ISO/IEC 19794-7): the digest is also written into the representation's
/// extended data as ASCII "SHA256" followed by the 32 digest bytes, so the biometric record stays bound
/// when stored alone. `sealingPayload()` gives canonical bytes for the kit's signature:
/// "KSIG", version 0x01, digest (32), u32 BE record length, record, u32 BE PNG length, PNG.
public struct SignatureRecordCapture: Hashable, Sendable {
    /// Tag in front of the digest inside the 19794-7 extended data.
    public static let extendedDataTag: [UInt8] = Array("SHA256".utf8)
    /// Magic of the sealing payload.
    public static let payloadMagic: [UInt8] = Array("KSIG".utf8)

    /// SHA-256 of the signed text, 32 bytes.
    public let documentSHA256: [UInt8]
    /// The time-series record.
    public let record: ISO19794_7Record
    /// The rendered signature PNG (8-bit greyscale).
    public let png: [UInt8]

    /// Binds existing parts; checks the digest length and, where present, the digest in the record.
    public init(documentSHA256: [UInt8], record: ISO19794_7Record, png: [UInt8]) throws(SignatureRecordError) {
        guard documentSHA256.count == 32 else { throw .digestWrongLength(documentSHA256.count) }
        for representation in record.representations {
            if let embedded = Self.embeddedDigest(in: representation.extendedData), embedded != documentSHA256 {
                throw .digestMismatch
            }
        }
        self.documentSHA256 = documentSHA256
        self.record = record
        self.png = png
    }

    /// Builds record and PNG from the pen samples of one signing.
    public init(
        samples: [STUTimedPenSample], capability: STUCapability, documentSHA256: [UInt8],
        captureDateTime: ISO19794_7DateTime, imageWidth: Int = 600, imageHeight: Int = 240,
        pressureSensitive: Bool = true
    ) throws(SignatureRecordError) {
        guard documentSHA256.count == 32 else { throw .digestWrongLength(documentSHA256.count) }
        guard samples.contains(where: { $0.sample.sw }) else { throw .noInk }
        let representation: ISO19794_7Representation
        do {
            representation = try ISO19794_7Representation(
                stuSamples: samples, capability: capability, captureDateTime: captureDateTime,
                extendedData: Self.extendedDataTag + documentSHA256)
        } catch {
            throw .record(error)
        }
        let raster = SignatureImageRenderer.render(
            samples.map(\.sample), capability: capability, width: imageWidth, height: imageHeight,
            pressureSensitive: pressureSensitive)
        let png: [UInt8]
        do { png = try PNGEncoder.encode(raster) } catch { throw .image(error) }
        try self.init(
            documentSHA256: documentSHA256, record: ISO19794_7Record(representations: [representation]), png: png)
    }

    /// The digest stored in extended data by this project's convention, if present.
    public static func embeddedDigest(in extendedData: [UInt8]) -> [UInt8]? {
        guard extendedData.count == extendedDataTag.count + 32,
            Array(extendedData.prefix(extendedDataTag.count)) == extendedDataTag
        else { return nil }
        return Array(extendedData.suffix(32))
    }

    /// Canonical bytes to be signed and stored.
    public func sealingPayload() throws(SignatureRecordError) -> [UInt8] {
        let recordBytes: [UInt8]
        do { recordBytes = try record.encoded() } catch { throw .record(error) }
        var out = Self.payloadMagic + [0x01] + documentSHA256
        PNGEncoder.appendU32(UInt32(clamping: recordBytes.count), to: &out)
        out.append(contentsOf: recordBytes)
        PNGEncoder.appendU32(UInt32(clamping: png.count), to: &out)
        out.append(contentsOf: png)
        return out
    }

    /// Reads a sealing payload back; the record is decoded and the PNG is checked to decode.
    public init(sealingPayload bytes: [UInt8]) throws(SignatureRecordError) {
        var offset = 0
        func take(_ count: Int, _ field: String) throws(SignatureRecordError) -> [UInt8] {
            guard count >= 0, count <= bytes.count - offset else { throw .truncated(field: field, offset: offset) }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
        func length(_ field: String) throws(SignatureRecordError) -> Int {
            try take(4, field).reduce(0) { $0 << 8 | Int($1) }
        }
        let magic = try take(4, "magic")
        guard magic == Self.payloadMagic else { throw .badMagic(magic) }
        let version = try take(1, "version")[0]
        guard version == 1 else { throw .unsupportedVersion(version) }
        let digest = try take(32, "document SHA-256")
        let recordBytes = try take(try length("record length"), "record")
        let png = try take(try length("PNG length"), "PNG")
        guard offset == bytes.count else { throw .trailingBytes(count: bytes.count - offset) }
        let record: ISO19794_7Record
        do { record = try ISO19794_7Record(decoding: recordBytes) } catch { throw .record(error) }
        do { _ = try PNGDecoder.decodeGrayscale(png) } catch { throw .image(error) }
        try self.init(documentSHA256: digest, record: record, png: png)
    }
}
