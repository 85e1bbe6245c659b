extension ISO19794_7Record {
    /// Encodes the record; throws for values that do not fit their fields.
    public func encoded() throws(ISO19794_7Error) -> [UInt8] {
        guard !representations.isEmpty else { throw .noRepresentation }
        guard representations.count <= 0xFFFF else {
            throw .tooMany(field: "representations", count: representations.count, maximum: 0xFFFF)
        }
        var body: [UInt8] = []
        for representation in representations { body.append(contentsOf: try representation.encoded()) }
        let total = Self.generalHeaderLength + body.count
        guard total <= Int(UInt32.max) else {
            throw .tooMany(field: "record length", count: total, maximum: Int(UInt32.max))
        }
        var out = Self.formatIdentifier + Self.versionNumber
        ISO19794_7Writer.append(total, width: 4, to: &out)
        ISO19794_7Writer.append(representations.count, width: 2, to: &out)
        out.append(0)
        out.append(contentsOf: body)
        return out
    }

    /// Decodes a complete record; the record length must match the data exactly.
    public init(decoding bytes: [UInt8]) throws(ISO19794_7Error) {
        var reader = ISO19794_7Reader(bytes)
        let identifier = try reader.take(4, "format identifier")
        guard identifier == Self.formatIdentifier else { throw .badFormatIdentifier(identifier) }
        let version = try reader.take(4, "version number")
        guard version == Self.versionNumber else { throw .unsupportedVersion(version) }
        let length = try reader.uint(4, "record length")
        guard length == bytes.count else { throw .recordLengthMismatch(declared: length, actual: bytes.count) }
        let count = try reader.uint(2, "number of representations")
        let certification = try reader.uint(1, "certification flag")
        guard certification == 0 else { throw .certificationNotSupported(flag: UInt8(certification)) }
        guard count > 0 else { throw .noRepresentation }
        var representations: [ISO19794_7Representation] = []
        for index in 0..<count {
            let start = reader.offset
            let declared = try reader.uint(4, "representation length")
            guard declared >= 4, declared <= bytes.count - start else {
                throw .representationLengthMismatch(index: index, declared: declared, actual: bytes.count - start)
            }
            var inner = ISO19794_7Reader(bytes, offset: reader.offset, end: start + declared)
            representations.append(try ISO19794_7Representation(reading: &inner))
            guard inner.offset == start + declared else {
                throw .representationLengthMismatch(index: index, declared: declared, actual: inner.offset - start)
            }
            _ = try reader.take(declared - 4, "representation \(index)")
        }
        guard reader.remaining == 0 else { throw .trailingBytes(offset: reader.offset, count: reader.remaining) }
        self.representations = representations
    }
}

extension ISO19794_7Representation {
    /// Encodes this representation including its leading length field.
    public func encoded() throws(ISO19794_7Error) -> [UInt8] {
        for mandatory in [ISO19794_7Channel.x, .y] where channels[mandatory] == nil {
            throw .missingMandatoryChannel(mandatory)
        }
        guard qualityBlocks.count <= 0xFF else {
            throw .tooMany(field: "quality blocks", count: qualityBlocks.count, maximum: 0xFF)
        }
        guard points.count <= 0xFF_FFFF else {
            throw .tooMany(field: "sample points", count: points.count, maximum: 0xFF_FFFF)
        }
        guard extendedData.count <= 0xFFFF else {
            throw .tooMany(field: "extended data bytes", count: extendedData.count, maximum: 0xFFFF)
        }
        let order = includedChannels
        var out: [UInt8] = [0, 0, 0, 0]
        let time = captureDateTime
        ISO19794_7Writer.append(Int(time.year), width: 2, to: &out)
        out.append(contentsOf: [time.month, time.day, time.hour, time.minute, time.second])
        ISO19794_7Writer.append(Int(time.millisecond), width: 2, to: &out)
        out.append(deviceTechnology.rawValue)
        ISO19794_7Writer.append(Int(deviceVendorID), width: 2, to: &out)
        ISO19794_7Writer.append(Int(deviceTypeID), width: 2, to: &out)
        out.append(UInt8(qualityBlocks.count))
        for block in qualityBlocks {
            out.append(block.score)
            ISO19794_7Writer.append(Int(block.algorithmVendorID), width: 2, to: &out)
            ISO19794_7Writer.append(Int(block.algorithmID), width: 2, to: &out)
        }
        let inclusion = order.reduce(UInt16(0)) { $0 | $1.inclusionBit }
        ISO19794_7Writer.append(Int(inclusion), width: 2, to: &out)
        for channel in order {
            guard let description = channels[channel] else { continue }
            try Self.append(description, of: channel, to: &out)
        }
        ISO19794_7Writer.append(points.count, width: 3, to: &out)
        for (index, point) in points.enumerated() {
            guard point.values.count == order.count else {
                let stray = point.values.keys.sorted().first { channels[$0] == nil }
                let missing = order.first { point.values[$0] == nil }
                throw .channelValueMismatch(pointIndex: index, channel: stray ?? missing ?? .x)
            }
            for channel in order {
                guard let value = point.values[channel] else {
                    throw .channelValueMismatch(pointIndex: index, channel: channel)
                }
                ISO19794_7Writer.append(Int(try channel.encode(value, field: "sample \(index)")), width: 2, to: &out)
            }
        }
        ISO19794_7Writer.append(extendedData.count, width: 2, to: &out)
        out.append(contentsOf: extendedData)
        guard out.count <= Int(UInt32.max) else {
            throw .tooMany(field: "representation length", count: out.count, maximum: Int(UInt32.max))
        }
        let length = out.count
        for index in 0..<4 { out[index] = UInt8(truncatingIfNeeded: length >> (24 - 8 * index)) }
        return out
    }

    private static func append(
        _ description: ISO19794_7ChannelDescription, of channel: ISO19794_7Channel, to out: inout [UInt8]
    ) throws(ISO19794_7Error) {
        var preamble: UInt8 = 0
        if description.scalingValue != nil { preamble |= 0x80 }
        if description.minimum != nil { preamble |= 0x40 }
        if description.maximum != nil { preamble |= 0x20 }
        if description.mean != nil { preamble |= 0x10 }
        if description.standardDeviation != nil { preamble |= 0x08 }
        if description.linearComponentRemoved { preamble |= 0x02 }
        out.append(preamble)
        if let scaling = description.scalingValue { ISO19794_7Writer.append(Int(scaling.rawValue), width: 2, to: &out) }
        for (name, value) in [
            ("minimum", description.minimum), ("maximum", description.maximum), ("mean", description.mean),
        ] {
            guard let value else { continue }
            ISO19794_7Writer.append(Int(try channel.encode(value, field: name)), width: 2, to: &out)
        }
        if let deviation = description.standardDeviation { ISO19794_7Writer.append(Int(deviation), width: 2, to: &out) }
    }

    /// Reads a representation after its length field; the reader's end is the representation's end.
    init(reading reader: inout ISO19794_7Reader) throws(ISO19794_7Error) {
        let year = try reader.uint(2, "capture year")
        let parts = try reader.take(5, "capture date/time")
        let millisecond = try reader.uint(2, "capture millisecond")
        captureDateTime = ISO19794_7DateTime(
            year: UInt16(year), month: parts[0], day: parts[1], hour: parts[2], minute: parts[3], second: parts[4],
            millisecond: UInt16(millisecond))
        deviceTechnology = ISO19794_7DeviceTechnology(rawValue: UInt8(try reader.uint(1, "device technology")))
        deviceVendorID = UInt16(try reader.uint(2, "device vendor id"))
        deviceTypeID = UInt16(try reader.uint(2, "device type id"))
        let qualityCount = try reader.uint(1, "quality block count")
        var blocks: [ISO19794_7QualityBlock] = []
        for _ in 0..<qualityCount {
            let score = try reader.uint(1, "quality score")
            let vendor = try reader.uint(2, "quality algorithm vendor")
            let algorithm = try reader.uint(2, "quality algorithm")
            blocks.append(
                ISO19794_7QualityBlock(
                    score: UInt8(score), algorithmVendorID: UInt16(vendor), algorithmID: UInt16(algorithm)))
        }
        qualityBlocks = blocks
        let inclusion = UInt16(try reader.uint(2, "channel inclusion field"))
        let order = ISO19794_7Channel.allCases.filter { inclusion & $0.inclusionBit != 0 }
        for mandatory in [ISO19794_7Channel.x, .y] where !order.contains(mandatory) {
            throw .missingMandatoryChannel(mandatory)
        }
        var descriptions: [ISO19794_7Channel: ISO19794_7ChannelDescription] = [:]
        for channel in order {
            let preamble = UInt8(try reader.uint(1, "\(channel) channel preamble"))
            if preamble & 0x04 != 0 { throw .constantChannelNotSupported(channel) }
            var description = ISO19794_7ChannelDescription(linearComponentRemoved: preamble & 0x02 != 0)
            if preamble & 0x80 != 0 {
                description.scalingValue = ISO19794_7ScalingValue(
                    rawValue: UInt16(try reader.uint(2, "\(channel) scaling")))
            }
            if preamble & 0x40 != 0 { description.minimum = channel.decode(try reader.uint(2, "\(channel) minimum")) }
            if preamble & 0x20 != 0 { description.maximum = channel.decode(try reader.uint(2, "\(channel) maximum")) }
            if preamble & 0x10 != 0 { description.mean = channel.decode(try reader.uint(2, "\(channel) mean")) }
            if preamble & 0x08 != 0 {
                description.standardDeviation = UInt16(try reader.uint(2, "\(channel) standard deviation"))
            }
            descriptions[channel] = description
        }
        channels = descriptions
        let pointCount = try reader.uint(3, "number of sample points")
        let pointSize = 2 * order.count
        guard pointCount * pointSize <= reader.remaining else {
            throw .truncated(
                field: "sample points", offset: reader.offset, needed: pointCount * pointSize,
                available: reader.remaining)
        }
        var samples: [ISO19794_7SamplePoint] = []
        samples.reserveCapacity(pointCount)
        for _ in 0..<pointCount {
            var values: [ISO19794_7Channel: Int] = [:]
            for channel in order { values[channel] = channel.decode(try reader.uint(2, "sample point")) }
            samples.append(ISO19794_7SamplePoint(values))
        }
        points = samples
        let extendedLength = try reader.uint(2, "extended data length")
        extendedData = try reader.take(extendedLength, "extended data")
    }
}

/// Big-endian writer for ISO/IEC 19794-7 fields.
enum ISO19794_7Writer {
    static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
        for index in stride(from: width - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: value >> (8 * index)))
        }
    }
}
