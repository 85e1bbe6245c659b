/// Which time channel a converted record carries.
///
/// ISO/IEC 19794-7:2014 channels T (time since first sample) and DT (time since previous sample).
public enum ISO19794_7TimeChannel: Hashable, Sendable {
    /// T: milliseconds since the first sample (limited to 65.5 s by the 16-bit channel).
    case time
    /// DT: milliseconds since the previous sample.
    case deltaTime
}

extension ISO19794_7Representation {
    /// Builds a representation from STU pen samples.
    ///
    /// Channels: X and Y in tablet units (scaling = capability resolution in units per mm; Y is flipped so it
    /// points up, y_iso = tabletMaxY − y), T or DT in ms (scaling 1000 per second), F = raw pressure
    /// (0 … tabletMaxPressure, no physical scaling), S = tip switch (0/1). Samples out of proximity are left
    /// out. Samples without a pad time count are timed at `assumedIntervalMilliseconds` per report (the
    /// STU sends 200 reports per second in USB HID mode).
    public init(
        stuSamples samples: [STUTimedPenSample], capability: STUCapability, captureDateTime: ISO19794_7DateTime,
        timeChannel: ISO19794_7TimeChannel = .time, assumedIntervalMilliseconds: UInt64 = 5, extendedData: [UInt8] = []
    ) throws(ISO19794_7Error) {
        let inProximity = samples.filter { $0.sample.rdy }
        let unitsPerMillimetre = Double(capability.resolution) / 25.4
        let positionScaling = ISO19794_7ScalingValue(approximating: unitsPerMillimetre)
        let timeScaling = ISO19794_7ScalingValue(approximating: 1000)
        let maxY = Int(capability.tabletMaxY)
        let timeKey: ISO19794_7Channel = timeChannel == .time ? .time : .deltaTime
        let channels: [ISO19794_7Channel: ISO19794_7ChannelDescription] = [
            .x: ISO19794_7ChannelDescription(
                scalingValue: positionScaling, minimum: 0, maximum: Int(capability.tabletMaxX)),
            .y: ISO19794_7ChannelDescription(scalingValue: positionScaling, minimum: 0, maximum: maxY),
            timeKey: ISO19794_7ChannelDescription(scalingValue: timeScaling),
            .force: ISO19794_7ChannelDescription(minimum: 0, maximum: Int(capability.tabletMaxPressure)),
            .tipSwitch: ISO19794_7ChannelDescription(minimum: 0, maximum: 1),
        ]
        var points: [ISO19794_7SamplePoint] = []
        points.reserveCapacity(inProximity.count)
        var first: UInt64?
        var previous: UInt64?
        for (index, timed) in inProximity.enumerated() {
            let stamp = timed.monotonicMilliseconds ?? (previous.map { $0 + assumedIntervalMilliseconds } ?? 0)
            let start = first ?? stamp
            first = start
            let timeValue = timeChannel == .time ? stamp &- start : stamp &- (previous ?? stamp)
            previous = stamp
            guard timeValue <= 0xFFFF else {
                throw .valueOutOfRange(channel: timeKey, field: "sample \(index)", value: Int(clamping: timeValue))
            }
            let sample = timed.sample
            points.append(
                ISO19794_7SamplePoint([
                    .x: Int(sample.x), .y: maxY - Int(sample.y), timeKey: Int(timeValue), .force: Int(sample.pressure),
                    .tipSwitch: sample.sw ? 1 : 0,
                ]))
        }
        self.init(
            captureDateTime: captureDateTime, deviceTechnology: .electromagnetic, channels: channels, points: points,
            extendedData: extendedData)
    }
}
