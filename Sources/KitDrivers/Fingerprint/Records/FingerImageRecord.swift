/// A finger image record per ISO/IEC 19794-4:2005 (version "010"), the format ID documents and the
/// German passport/ID card application profiles (BSI TR-03121) carry fingerprints in.
///
/// Layout (all integers big-endian):
/// - General header, 32 bytes (clause 8, general record header): format identifier "FIR\0" (4), version "010\0" (4), record length
///   (6), capture device ID (2), image acquisition level (2), number of finger images (1), scale units
///   (1: 1 = ppi, 2 = ppcm), horizontal/vertical scan resolution (2+2), horizontal/vertical image
///   resolution (2+2), pixel depth in bits (1), image compression algorithm (1), reserved (2, zero).
/// - Per finger image, a 14-byte header (clause 8, finger image header): length of header plus image data (4), finger position
///   (1), count of views (1), view number (1), image quality 0–100 (1), impression type (1), horizontal
///   line length = width (2), vertical line length = height (2), reserved (1, zero); then the image data
///   (for WSQ the complete WSQ file).
///
/// The 2005 edition is used because it is what the ICAO/BSI profiles for ID documents reference and what
/// readers universally accept; the 2011 edition ("020") adds extended data blocks we do not need.
public struct FingerImageRecord: Equatable, Sendable {
    /// Finger position codes (ISO/IEC 19794-4:2005, finger position table).
    public enum Position: UInt8, Sendable, CaseIterable {
        /// Unknown finger.
        case unknown = 0
        /// Right thumb.
        case rightThumb = 1
        /// Right index finger.
        case rightIndex = 2
        /// Right middle finger.
        case rightMiddle = 3
        /// Right ring finger.
        case rightRing = 4
        /// Right little finger.
        case rightLittle = 5
        /// Left thumb.
        case leftThumb = 6
        /// Left index finger.
        case leftIndex = 7
        /// Left middle finger.
        case leftMiddle = 8
        /// Left ring finger.
        case leftRing = 9
        /// Left little finger.
        case leftLittle = 10
        /// Plain right four fingers.
        case plainRightFour = 13
        /// Plain left four fingers.
        case plainLeftFour = 14
        /// Plain both thumbs.
        case plainThumbs = 15
    }

    /// Impression types (ISO/IEC 19794-4:2005, impression type table).
    public enum ImpressionType: UInt8, Sendable, CaseIterable {
        /// Live-scan plain (flat) impression, as taken in the citizen office.
        case liveScanPlain = 0
        /// Live-scan rolled impression.
        case liveScanRolled = 1
        /// Non-live-scan plain impression (ink on paper).
        case nonLiveScanPlain = 2
        /// Non-live-scan rolled impression.
        case nonLiveScanRolled = 3
        /// Latent impression (lift).
        case latent = 7
        /// Swipe sensor.
        case swipe = 8
        /// Live-scan contactless capture.
        case liveScanContactless = 9
    }

    /// Image compression algorithm codes (ISO/IEC 19794-4:2005, compression algorithm table).
    public enum Compression: UInt8, Sendable, CaseIterable {
        /// Uncompressed, one sample per byte.
        case uncompressed = 0
        /// Uncompressed, bit-packed.
        case uncompressedBitPacked = 1
        /// FBI WSQ.
        case wsq = 2
        /// JPEG.
        case jpeg = 3
        /// JPEG 2000.
        case jpeg2000 = 4
        /// PNG.
        case png = 5
    }

    /// Unit of the resolution fields (ISO/IEC 19794-4:2005 general header, scale units).
    public enum ScaleUnits: UInt8, Sendable, CaseIterable {
        /// Pixels per inch.
        case pixelsPerInch = 1
        /// Pixels per centimetre.
        case pixelsPerCentimetre = 2
    }

    /// One finger image: the finger image header plus its data (ISO/IEC 19794-4:2005 clause 8).
    public struct View: Equatable, Sendable {
        /// Which finger.
        public var position: Position
        /// Number of views of this finger in the record.
        public var viewCount: UInt8
        /// Number of this view, 1…viewCount.
        public var viewNumber: UInt8
        /// Image quality 0–100 (higher is better); other values are passed through unchanged.
        public var quality: UInt8
        /// How the impression was taken.
        public var impressionType: ImpressionType
        /// Width in pixels (horizontal line length).
        public var width: UInt16
        /// Height in pixels (vertical line length).
        public var height: UInt16
        /// The image in the record's compression format (a complete WSQ file for `.wsq`).
        public var imageData: [UInt8]

        /// Creates a view.
        public init(
            position: Position, viewCount: UInt8 = 1, viewNumber: UInt8 = 1, quality: UInt8,
            impressionType: ImpressionType = .liveScanPlain, width: UInt16, height: UInt16, imageData: [UInt8]
        ) {
            self.position = position
            self.viewCount = viewCount
            self.viewNumber = viewNumber
            self.quality = quality
            self.impressionType = impressionType
            self.width = width
            self.height = height
            self.imageData = imageData
        }
    }

    /// Vendor-assigned capture device identifier; 0 if not known.
    public var captureDeviceID: UInt16
    /// Image acquisition level (31 = 500 ppi, 8 bit grey, the level for ID documents).
    public var imageAcquisitionLevel: UInt16
    /// Unit of the four resolution fields.
    public var scaleUnits: ScaleUnits
    /// Horizontal scan resolution.
    public var horizontalScanResolution: UInt16
    /// Vertical scan resolution.
    public var verticalScanResolution: UInt16
    /// Horizontal image resolution.
    public var horizontalImageResolution: UInt16
    /// Vertical image resolution.
    public var verticalImageResolution: UInt16
    /// Bits per pixel (8).
    public var pixelDepth: UInt8
    /// Compression of all images in the record.
    public var compression: Compression
    /// The finger images.
    public var views: [View]

    /// Size of the general header in bytes.
    public static let generalHeaderLength = 32
    /// Size of each finger image header in bytes.
    public static let viewHeaderLength = 14
    static let formatIdentifier: [UInt8] = [0x46, 0x49, 0x52, 0x00]
    static let version: [UInt8] = [0x30, 0x31, 0x30, 0x00]

    /// Creates a record; the defaults describe a 500 ppi, 8-bit WSQ capture at acquisition level 31.
    public init(
        captureDeviceID: UInt16 = 0, imageAcquisitionLevel: UInt16 = 31, scaleUnits: ScaleUnits = .pixelsPerInch,
        horizontalScanResolution: UInt16 = 500, verticalScanResolution: UInt16 = 500,
        horizontalImageResolution: UInt16 = 500, verticalImageResolution: UInt16 = 500, pixelDepth: UInt8 = 8,
        compression: Compression = .wsq, views: [View]
    ) {
        self.captureDeviceID = captureDeviceID
        self.imageAcquisitionLevel = imageAcquisitionLevel
        self.scaleUnits = scaleUnits
        self.horizontalScanResolution = horizontalScanResolution
        self.verticalScanResolution = verticalScanResolution
        self.horizontalImageResolution = horizontalImageResolution
        self.verticalImageResolution = verticalImageResolution
        self.pixelDepth = pixelDepth
        self.compression = compression
        self.views = views
    }

    /// Serialises the record.
    public func encoded() throws(ISO19794_4Error) -> [UInt8] {
        guard views.count <= 255 else { throw .tooLarge(field: "number of finger images", value: views.count) }
        guard pixelDepth >= 1, pixelDepth <= 16 else {
            throw .invalidField(field: "pixel depth", value: Int(pixelDepth))
        }
        var total = Self.generalHeaderLength
        for view in views {
            guard view.viewCount >= 1, view.viewNumber >= 1, view.viewNumber <= view.viewCount else {
                throw .invalidField(field: "view number \(view.viewNumber) of count", value: Int(view.viewCount))
            }
            let length = Self.viewHeaderLength + view.imageData.count
            guard length <= Int(UInt32.max) else { throw .tooLarge(field: "finger image length", value: length) }
            total += length
        }
        guard total < (1 << 48) else { throw .tooLarge(field: "record length", value: total) }

        var out: [UInt8] = []
        out.reserveCapacity(total)
        func put(_ value: Int, bytes: Int) {
            for shift in stride(from: 8 * (bytes - 1), through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: value >> shift))
            }
        }
        out += Self.formatIdentifier
        out += Self.version
        put(total, bytes: 6)
        put(Int(captureDeviceID), bytes: 2)
        put(Int(imageAcquisitionLevel), bytes: 2)
        put(views.count, bytes: 1)
        put(Int(scaleUnits.rawValue), bytes: 1)
        put(Int(horizontalScanResolution), bytes: 2)
        put(Int(verticalScanResolution), bytes: 2)
        put(Int(horizontalImageResolution), bytes: 2)
        put(Int(verticalImageResolution), bytes: 2)
        put(Int(pixelDepth), bytes: 1)
        put(Int(compression.rawValue), bytes: 1)
        put(0, bytes: 2)
        for view in views {
            put(Self.viewHeaderLength + view.imageData.count, bytes: 4)
            put(Int(view.position.rawValue), bytes: 1)
            put(Int(view.viewCount), bytes: 1)
            put(Int(view.viewNumber), bytes: 1)
            put(Int(view.quality), bytes: 1)
            put(Int(view.impressionType.rawValue), bytes: 1)
            put(Int(view.width), bytes: 2)
            put(Int(view.height), bytes: 2)
            put(0, bytes: 1)
            out += view.imageData
        }
        return out
    }

    /// Parses a complete record; the bytes must hold exactly the record length the header declares.
    public init(decoding bytes: [UInt8]) throws(ISO19794_4Error) {
        var offset = 0
        func take(_ count: Int) throws(ISO19794_4Error) -> ArraySlice<UInt8> {
            guard count <= bytes.count - offset else {
                throw .truncated(offset: offset, needed: count - (bytes.count - offset))
            }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func number(_ count: Int) throws(ISO19794_4Error) -> Int {
            try take(count).reduce(0) { $0 << 8 | Int($1) }
        }
        func code<T: RawRepresentable>(_ type: T.Type, _ field: String) throws(ISO19794_4Error) -> T
        where T.RawValue == UInt8 {
            let at = offset
            let raw = try number(1)
            guard let value = T(rawValue: UInt8(raw)) else { throw .unknownCode(offset: at, field: field, value: raw) }
            return value
        }

        let identifier = Array(try take(4))
        guard identifier == Self.formatIdentifier else { throw .invalidFormatIdentifier(identifier) }
        let versionBytes = Array(try take(4))
        guard versionBytes == Self.version else { throw .unsupportedVersion(versionBytes) }
        let declared = try number(6)
        guard declared == bytes.count else { throw .recordLengthMismatch(declared: declared, actual: bytes.count) }
        let device = UInt16(try number(2))
        let level = UInt16(try number(2))
        let count = try number(1)
        let units = try code(ScaleUnits.self, "scale units")
        let scanX = UInt16(try number(2))
        let scanY = UInt16(try number(2))
        let imageX = UInt16(try number(2))
        let imageY = UInt16(try number(2))
        let depth = UInt8(try number(1))
        let compression = try code(Compression.self, "compression algorithm")
        _ = try take(2)  // reserved

        var views: [View] = []
        while offset < bytes.count {
            let start = offset
            let length = try number(4)
            guard length >= Self.viewHeaderLength, length - 4 <= bytes.count - offset else {
                throw .invalidViewLength(offset: start, length: length)
            }
            let position = try code(Position.self, "finger position")
            let viewCount = UInt8(try number(1))
            let viewNumberOffset = offset
            let viewNumber = UInt8(try number(1))
            guard viewCount >= 1, viewNumber >= 1, viewNumber <= viewCount else {
                throw .unknownCode(
                    offset: viewNumberOffset, field: "view number (of \(viewCount))", value: Int(viewNumber))
            }
            let quality = UInt8(try number(1))
            let impression = try code(ImpressionType.self, "impression type")
            let width = UInt16(try number(2))
            let height = UInt16(try number(2))
            _ = try take(1)  // reserved
            let data = Array(try take(length - Self.viewHeaderLength))
            views.append(
                View(
                    position: position, viewCount: viewCount, viewNumber: viewNumber, quality: quality,
                    impressionType: impression, width: width, height: height, imageData: data))
        }
        guard views.count == count else { throw .viewCountMismatch(declared: count, found: views.count) }
        self.init(
            captureDeviceID: device, imageAcquisitionLevel: level, scaleUnits: units, horizontalScanResolution: scanX,
            verticalScanResolution: scanY, horizontalImageResolution: imageX, verticalImageResolution: imageY,
            pixelDepth: depth, compression: compression, views: views)
    }

    /// A record holding one WSQ-compressed live-scan plain capture at 500 ppi (acquisition level 31).
    public static func singleFingerWSQ(
        position: Position, quality: UInt8, width: Int, height: Int, wsq: [UInt8], captureDeviceID: UInt16 = 0
    ) throws(ISO19794_4Error) -> FingerImageRecord {
        guard let w = UInt16(exactly: width) else { throw .invalidField(field: "width", value: width) }
        guard let h = UInt16(exactly: height) else { throw .invalidField(field: "height", value: height) }
        guard quality <= 100 else { throw .invalidField(field: "quality", value: Int(quality)) }
        return FingerImageRecord(
            captureDeviceID: captureDeviceID,
            views: [View(position: position, quality: quality, width: w, height: h, imageData: wsq)])
    }
}
