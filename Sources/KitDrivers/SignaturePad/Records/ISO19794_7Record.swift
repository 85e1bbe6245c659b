/// The sixteen channels of a signature/sign time series, in channel-inclusion-field order (bit 15 first).
///
/// ISO/IEC 19794-7:2014, channel inclusion field: X, Y, Z, VX, VY, AX, AY, T, DT, F, S, TX, TY, Az, El, R.
public enum ISO19794_7Channel: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// Pen-tip x coordinate.
    case x = 0
    /// Pen-tip y coordinate.
    case y
    /// Pen-tip height above the surface.
    case z
    /// Velocity in x.
    case velocityX
    /// Velocity in y.
    case velocityY
    /// Acceleration in x.
    case accelerationX
    /// Acceleration in y.
    case accelerationY
    /// Time since the first sample (T).
    case time
    /// Time since the previous sample (DT).
    case deltaTime
    /// Pen-tip force (pressure), F.
    case force
    /// Tip switch, S: 1 touching, 0 not.
    case tipSwitch
    /// Tilt along x.
    case tiltX
    /// Tilt along y.
    case tiltY
    /// Azimuth.
    case azimuth
    /// Elevation.
    case elevation
    /// Rotation.
    case rotation

    /// The channel's bit in the 16-bit channel inclusion field.
    public var inclusionBit: UInt16 { UInt16(0x8000) >> UInt16(rawValue) }

    /// Signed channels are stored as value + 32768; unsigned ones as is.
    public var isSigned: Bool {
        switch self {
        case .x, .y, .velocityX, .velocityY, .accelerationX, .accelerationY, .tiltX, .tiltY: return true
        default: return false
        }
    }

    /// The range a value of this channel can take.
    public var valueRange: ClosedRange<Int> { isSigned ? -32768...32767 : 0...65535 }

    public var description: String {
        ["X", "Y", "Z", "VX", "VY", "AX", "AY", "T", "DT", "F", "S", "TX", "TY", "Az", "El", "R"][rawValue]
    }

    public static func < (lhs: ISO19794_7Channel, rhs: ISO19794_7Channel) -> Bool { lhs.rawValue < rhs.rawValue }

    func encode(_ value: Int, field: String) throws(ISO19794_7Error) -> UInt16 {
        guard valueRange.contains(value) else { throw .valueOutOfRange(channel: self, field: field, value: value) }
        return UInt16(isSigned ? value + 32768 : value)
    }

    func decode(_ raw: Int) -> Int { isSigned ? raw - 32768 : raw }
}

/// A channel scaling value: 5-bit exponent E (biased by 16) and 11-bit fraction F, value = 2^(E−16) · (1 + F/2048).
/// Units: per millimetre for X/Y/Z, per second for T/DT, as defined for each channel.
///
/// ISO/IEC 19794-7:2014, channel description, scaling value.
public struct ISO19794_7ScalingValue: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Builds the value from its parts; exponent −16…15, fraction 0…2047 (clamped).
    public init(exponent: Int, fraction: Int) {
        let e = UInt16(max(-16, min(15, exponent)) + 16)
        let f = UInt16(max(0, min(2047, fraction)))
        self.rawValue = e << 11 | f
    }

    /// The nearest representable scaling value to a positive number (nil for 0, negative or out of range).
    public init?(approximating value: Double) {
        guard value.isFinite, value >= 0x1p-16, value < 0x1p16 else { return nil }
        var exponent = 0
        var mantissa = value
        while mantissa >= 2 {
            mantissa /= 2
            exponent += 1
        }
        while mantissa < 1 {
            mantissa *= 2
            exponent -= 1
        }
        var fraction = Int(((mantissa - 1) * 2048).rounded())
        if fraction == 2048 {
            fraction = 0
            exponent += 1
        }
        guard exponent <= 15 else { return nil }
        self.init(exponent: exponent, fraction: fraction)
    }

    /// Exponent −16…15.
    public var exponent: Int { Int(rawValue >> 11) - 16 }
    /// Fraction 0…2047.
    public var fraction: Int { Int(rawValue & 0x07FF) }
    /// The scaling factor.
    public var value: Double {
        (1 + Double(fraction) / 2048) * pow2(exponent)
    }

    private func pow2(_ e: Int) -> Double {
        var result = 1.0
        if e >= 0 { for _ in 0..<e { result *= 2 } } else { for _ in 0..<(-e) { result /= 2 } }
        return result
    }
}

/// What is known about one channel: scaling and statistics, each optional (flagged in the preamble byte:
/// 0x80 scaling, 0x40 min, 0x20 max, 0x10 mean, 0x08 standard deviation, 0x04 constant,
/// 0x02 linear component removed).
///
/// ISO/IEC 19794-7:2014, channel description.
public struct ISO19794_7ChannelDescription: Hashable, Sendable {
    /// Units per physical unit.
    public var scalingValue: ISO19794_7ScalingValue?
    /// Smallest possible value.
    public var minimum: Int?
    /// Largest possible value.
    public var maximum: Int?
    /// Mean value.
    public var mean: Int?
    /// Empirical standard deviation.
    public var standardDeviation: UInt16?
    /// The linear component of the regression line was removed.
    public var linearComponentRemoved: Bool

    public init(
        scalingValue: ISO19794_7ScalingValue? = nil, minimum: Int? = nil, maximum: Int? = nil, mean: Int? = nil,
        standardDeviation: UInt16? = nil, linearComponentRemoved: Bool = false
    ) {
        self.scalingValue = scalingValue
        self.minimum = minimum
        self.maximum = maximum
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.linearComponentRemoved = linearComponentRemoved
    }
}

/// Capture date and time in UTC: year u16, month, day, hour, minute, second u8, millisecond u16
/// (0xFFFF / 0xFF mark a field as unspecified).
///
/// ISO/IEC 19794-7:2014 representation header, capture date and time (as in ISO/IEC 19794-1:2011).
public struct ISO19794_7DateTime: Hashable, Sendable {
    public var year: UInt16
    public var month: UInt8
    public var day: UInt8
    public var hour: UInt8
    public var minute: UInt8
    public var second: UInt8
    public var millisecond: UInt16

    public init(
        year: UInt16, month: UInt8, day: UInt8, hour: UInt8, minute: UInt8, second: UInt8, millisecond: UInt16 = 0
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// Every field unspecified.
    public static let unspecified = ISO19794_7DateTime(
        year: 0xFFFF, month: 0xFF, day: 0xFF, hour: 0xFF, minute: 0xFF, second: 0xFF, millisecond: 0xFFFF)
}

/// Capture device technology identifier (raw byte kept; 0 unknown, 1 electromagnetic as used by Wacom pads).
///
/// ISO/IEC 19794-7:2014 representation header, capture device technology identifier.
public struct ISO19794_7DeviceTechnology: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Unknown or unspecified.
    public static let unknown = ISO19794_7DeviceTechnology(rawValue: 0)
    /// Electromagnetic digitiser (Wacom STU).
    public static let electromagnetic = ISO19794_7DeviceTechnology(rawValue: 1)
}

/// A quality block: score 0…100 (255 = failed), algorithm vendor id, algorithm id.
///
/// ISO/IEC 19794-7:2014 representation header, quality blocks (5 bytes each, as in ISO/IEC 19794-1:2011).
public struct ISO19794_7QualityBlock: Hashable, Sendable {
    public var score: UInt8
    public var algorithmVendorID: UInt16
    public var algorithmID: UInt16

    public init(score: UInt8, algorithmVendorID: UInt16, algorithmID: UInt16) {
        self.score = score
        self.algorithmVendorID = algorithmVendorID
        self.algorithmID = algorithmID
    }
}

/// One sample: a value per included channel.
///
/// ISO/IEC 19794-7:2014 sample point (2 bytes per channel, in inclusion-field order).
public struct ISO19794_7SamplePoint: Hashable, Sendable {
    /// Channel values in channel units (signed channels may be negative).
    public var values: [ISO19794_7Channel: Int]

    public init(_ values: [ISO19794_7Channel: Int]) { self.values = values }

    /// The value of a channel.
    public subscript(channel: ISO19794_7Channel) -> Int? { values[channel] }
}

/// One signature/sign representation: header, channel descriptions, sample points and extended data.
///
/// ISO/IEC 19794-7:2014 representation: length u32, capture date-time (9), technology (1), vendor id (2),
/// type id (2), quality blocks (count u8 + 5 each), channel inclusion field (2), channel descriptions,
/// number of sample points (u24), sample points, extended data length (u16) and data. Big-endian throughout.
public struct ISO19794_7Representation: Hashable, Sendable {
    public var captureDateTime: ISO19794_7DateTime
    public var deviceTechnology: ISO19794_7DeviceTechnology
    /// Capture device vendor id (CBEFF organisation id; 0 = unknown).
    public var deviceVendorID: UInt16
    /// Vendor-assigned device type id (0 = unknown).
    public var deviceTypeID: UInt16
    public var qualityBlocks: [ISO19794_7QualityBlock]
    /// The included channels with their descriptions; X and Y are mandatory.
    public var channels: [ISO19794_7Channel: ISO19794_7ChannelDescription]
    public var points: [ISO19794_7SamplePoint]
    /// Vendor-specific extended data (at most 65535 bytes).
    public var extendedData: [UInt8]

    public init(
        captureDateTime: ISO19794_7DateTime, deviceTechnology: ISO19794_7DeviceTechnology = .electromagnetic,
        deviceVendorID: UInt16 = 0, deviceTypeID: UInt16 = 0, qualityBlocks: [ISO19794_7QualityBlock] = [],
        channels: [ISO19794_7Channel: ISO19794_7ChannelDescription], points: [ISO19794_7SamplePoint],
        extendedData: [UInt8] = []
    ) {
        self.captureDateTime = captureDateTime
        self.deviceTechnology = deviceTechnology
        self.deviceVendorID = deviceVendorID
        self.deviceTypeID = deviceTypeID
        self.qualityBlocks = qualityBlocks
        self.channels = channels
        self.points = points
        self.extendedData = extendedData
    }

    /// Included channels in wire order.
    public var includedChannels: [ISO19794_7Channel] { channels.keys.sorted() }
}

/// A complete signature/sign time-series record in the general (non-compact) binary format.
///
/// ISO/IEC 19794-7:2014 (second edition; this implementation writes and reads version "020" only, not the
/// 2007 "010" layout): general header "SDI\0", "020\0", record length u32, number of representations u16,
/// certification flag u8 (0), then the representations.
public struct ISO19794_7Record: Hashable, Sendable {
    /// "SDI\0".
    public static let formatIdentifier: [UInt8] = [0x53, 0x44, 0x49, 0x00]
    /// "020\0".
    public static let versionNumber: [UInt8] = [0x30, 0x32, 0x30, 0x00]
    /// Size of the general header.
    public static let generalHeaderLength = 15

    public var representations: [ISO19794_7Representation]

    public init(representations: [ISO19794_7Representation]) { self.representations = representations }
}
