/// A face image record per ISO/IEC 19794-5:2005 (version "010"), the format ICAO 9303 data group 2
/// and the German passport/ID-card application (BSI TR-03121-3) carry the photo in. The kit writes
/// one facial record with the token frontal image as JPEG and the two eye centres as feature points.
///
/// Layout (all integers big-endian):
/// - Facial record header, 14 bytes (§5.4): format identifier "FAC\0" (4), version "010\0" (4),
///   length of the whole record (4), number of facial images (2).
/// - Per facial image, the facial information block, 20 bytes (§5.5): length of this facial record
///   data including the block itself, feature points and image (4), number of feature points (2),
///   gender (1), eye colour (1), hair colour (1), feature mask (3), expression (2), pose angle
///   yaw/pitch/roll (3), pose angle uncertainty yaw/pitch/roll (3).
/// - Feature points, 8 bytes each (§5.6): type (1: 1 = 2D), point code (1: MPEG-4 major << 4 | minor,
///   0xC1 = 12.1 left eye centre, 0xC2 = 12.2 right eye centre), x (2), y (2), reserved (2, zero).
/// - Image information block, 12 bytes (§5.7): face image type (1: 0 basic, 1 full frontal, 2 token
///   frontal), image data type (1: 0 JPEG, 1 JPEG 2000), width (2), height (2), image colour space
///   (1: 1 = 24-bit RGB), source type (1: 6 = digital video camera frame), device type (2), quality (2).
/// - Image data (§5.8): the complete JPEG or JPEG 2000 file.
///
/// Gender, eye and hair colour, feature mask, expression and pose are written as 0 ("unspecified"):
/// the kit does not guess them; the document authority's software may fill them.
///
/// The byte layout was checked against an independent reader of the format (JMRTD's
/// `FaceImageInfo`, found with the project's search tool, which names §5.5 for the 20-byte facial
/// information block); the other clause numbers above follow the same clause 5 ("record format")
/// of the 2005 edition and should be confirmed against the standard's text when it is at hand.
public struct FaceImageRecord: Equatable, Sendable {
    /// Face image types (§5.7.1).
    public enum ImageType: UInt8, Sendable, CaseIterable {
        case basic = 0
        case fullFrontal = 1
        case tokenFrontal = 2
    }

    /// Image data types (§5.7.2).
    public enum DataType: UInt8, Sendable, CaseIterable {
        case jpeg = 0
        case jpeg2000 = 1
    }

    /// A 2D feature point (§5.6) in image pixels.
    public struct FeaturePoint: Equatable, Sendable {
        /// MPEG-4 feature point code, major << 4 | minor (0xC1 = 12.1, 0xC2 = 12.2).
        public var code: UInt8
        public var x: UInt16
        public var y: UInt16
        public init(code: UInt8, x: UInt16, y: UInt16) {
            self.code = code
            self.x = x
            self.y = y
        }

        /// MPEG-4 12.1: centre of the subject's left eye (right in the image).
        public static let leftEyeCentre: UInt8 = 0xC1
        /// MPEG-4 12.2: centre of the subject's right eye (left in the image).
        public static let rightEyeCentre: UInt8 = 0xC2
    }

    /// Largest image the kit sends to the document authority, in bytes (see docs/camera.md: the
    /// passport/ID-card application takes the photo as a 19794-5 record; we stay under 100 000 bytes,
    /// well inside what the Bundesdruckerei's intake handles and small enough for a thin link).
    public static let maximumImageBytes = 100_000

    public var imageType: ImageType
    public var dataType: DataType
    public var width: Int
    public var height: Int
    /// Image colour space (§5.7.5): 1 = 24-bit RGB, 2 = YUV422, 3 = 8-bit greyscale.
    public var colourSpace: UInt8
    /// Source type (§5.7.6): 2 = digital still camera, 6 = digital video camera.
    public var sourceType: UInt8
    public var featurePoints: [FeaturePoint]
    /// The JPEG or JPEG 2000 file.
    public var image: [UInt8]

    /// Creates a record.
    public init(
        imageType: ImageType, dataType: DataType, width: Int, height: Int, colourSpace: UInt8 = 1,
        sourceType: UInt8 = 6, featurePoints: [FeaturePoint], image: [UInt8]
    ) {
        self.imageType = imageType
        self.dataType = dataType
        self.width = width
        self.height = height
        self.colourSpace = colourSpace
        self.sourceType = sourceType
        self.featurePoints = featurePoints
        self.image = image
    }

    static let formatIdentifier: [UInt8] = Array("FAC".utf8) + [0]
    static let version: [UInt8] = Array("010".utf8) + [0]
    static let headerLength = 14
    static let informationLength = 20
    static let featurePointLength = 8
    static let imageInformationLength = 12

    /// The record's bytes.
    public func encoded() throws(ISO19794_5Error) -> [UInt8] {
        guard (1...0xFFFF).contains(width), (1...0xFFFF).contains(height) else {
            throw .invalidField(field: "image size", value: max(width, height))
        }
        guard featurePoints.count <= 0xFFFF else {
            throw .tooLarge(field: "feature points", value: featurePoints.count)
        }
        let blockLength =
            Self.informationLength + Self.featurePointLength * featurePoints.count + Self.imageInformationLength
            + image.count
        let recordLength = Self.headerLength + blockLength
        guard recordLength <= Int(UInt32.max) else { throw .tooLarge(field: "record length", value: recordLength) }
        var out: [UInt8] = []
        out.reserveCapacity(recordLength)
        out += Self.formatIdentifier + Self.version
        out.appendBigEndian(UInt32(recordLength))
        out.appendBigEndian(UInt16(1))
        out.appendBigEndian(UInt32(blockLength))
        out.appendBigEndian(UInt16(featurePoints.count))
        // gender, eye colour, hair colour, feature mask (3), expression (2), pose (3), uncertainty (3)
        out += [UInt8](repeating: 0, count: 14)
        for point in featurePoints {
            out += [1, point.code]
            out.appendBigEndian(point.x)
            out.appendBigEndian(point.y)
            out += [0, 0]
        }
        out += [imageType.rawValue, dataType.rawValue]
        out.appendBigEndian(UInt16(width))
        out.appendBigEndian(UInt16(height))
        out += [colourSpace, sourceType, 0, 0, 0, 0]
        out += image
        return out
    }

    /// Reads a record with exactly one facial image (what the kit writes and the document
    /// authority expects). Every length is checked before it is used.
    public static func decode(_ bytes: [UInt8]) throws(ISO19794_5Error) -> FaceImageRecord {
        var reader = RecordReader(bytes: bytes)
        let identifier = try reader.bytes(4)
        guard identifier == formatIdentifier else { throw .invalidFormatIdentifier(identifier) }
        let version = try reader.bytes(4)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let recordLength = Int(try reader.uint32())
        guard recordLength == bytes.count else {
            throw .recordLengthMismatch(declared: recordLength, actual: bytes.count)
        }
        let images = Int(try reader.uint16())
        guard images == 1 else { throw .invalidField(field: "number of facial images", value: images) }
        let blockStart = reader.offset
        let blockLength = Int(try reader.uint32())
        guard blockLength >= informationLength + imageInformationLength, blockStart + blockLength == bytes.count else {
            throw .invalidBlockLength(offset: blockStart, length: blockLength)
        }
        let pointCount = Int(try reader.uint16())
        _ = try reader.bytes(14)
        let fixed = informationLength + featurePointLength * pointCount + imageInformationLength
        guard fixed <= blockLength else { throw .invalidBlockLength(offset: blockStart, length: blockLength) }
        var points: [FeaturePoint] = []
        for _ in 0..<pointCount {
            let typeOffset = reader.offset
            let type = try reader.uint8()
            guard type == 1 else {
                throw .unknownCode(offset: typeOffset, field: "feature point type", value: Int(type))
            }
            let code = try reader.uint8()
            let x = try reader.uint16()
            let y = try reader.uint16()
            _ = try reader.bytes(2)
            points.append(FeaturePoint(code: code, x: x, y: y))
        }
        let typeOffset = reader.offset
        guard let imageType = ImageType(rawValue: try reader.uint8()) else {
            throw .unknownCode(offset: typeOffset, field: "face image type", value: Int(bytes[typeOffset]))
        }
        guard let dataType = DataType(rawValue: try reader.uint8()) else {
            throw .unknownCode(offset: typeOffset + 1, field: "image data type", value: Int(bytes[typeOffset + 1]))
        }
        let width = Int(try reader.uint16())
        let height = Int(try reader.uint16())
        guard width > 0, height > 0 else { throw .invalidField(field: "image size", value: 0) }
        let colourSpace = try reader.uint8()
        let sourceType = try reader.uint8()
        _ = try reader.bytes(4)
        let image = try reader.bytes(blockLength - fixed)
        guard !image.isEmpty else { throw .invalidField(field: "image data length", value: 0) }
        for point in points where Int(point.x) >= width || Int(point.y) >= height {
            throw .invalidField(field: "feature point outside image", value: Int(point.code))
        }
        return FaceImageRecord(
            imageType: imageType, dataType: dataType, width: width, height: height, colourSpace: colourSpace,
            sourceType: sourceType, featurePoints: points, image: image)
    }
}

/// Bounds-checked big-endian reads over a byte array.
struct RecordReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func bytes(_ count: Int) throws(ISO19794_5Error) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else {
            throw .truncated(offset: offset, needed: count - (bytes.count - offset))
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func uint8() throws(ISO19794_5Error) -> UInt8 { try bytes(1)[0] }

    mutating func uint16() throws(ISO19794_5Error) -> UInt16 {
        let raw = try bytes(2)
        return UInt16(raw[0]) << 8 | UInt16(raw[1])
    }

    mutating func uint32() throws(ISO19794_5Error) -> UInt32 {
        try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(value >> 24))
        append(UInt8(value >> 16 & 0xFF))
        append(UInt8(value >> 8 & 0xFF))
        append(UInt8(value & 0xFF))
    }
}
