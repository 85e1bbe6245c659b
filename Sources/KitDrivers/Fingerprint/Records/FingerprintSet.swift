import Foundation

/// Quality figures of one capture (the components of `FingerprintQuality`, after ISO/IEC 29794-4).
public struct FingerprintQualityFigures: Sendable, Equatable, Codable {
    /// Overall score 0…100.
    public var score: Int
    /// Share of the image covered by the finger (0…1).
    public var foregroundArea: Double
    /// Grey spread inside the finger (95th − 5th percentile).
    public var contrast: Double
    /// Mean grey level inside the finger.
    public var brightness: Double
    /// Mean orientation coherence (0…1).
    public var ridgeClarity: Double
    /// Problems found; empty if the capture was accepted.
    public var issues: [FingerprintQualityIssue]

    /// Creates figures.
    public init(
        score: Int, foregroundArea: Double, contrast: Double, brightness: Double, ridgeClarity: Double,
        issues: [FingerprintQualityIssue]
    ) {
        self.score = score
        self.foregroundArea = foregroundArea
        self.contrast = contrast
        self.brightness = brightness
        self.ridgeClarity = ridgeClarity
        self.issues = issues
    }

    /// The figures of an assessment.
    public init(_ quality: FingerprintQuality) {
        func value(_ kind: FingerprintQualityCriterion.Kind) -> Double {
            quality.criteria.first { $0.kind == kind }?.value ?? 0
        }
        self.init(
            score: quality.score, foregroundArea: value(.foregroundArea), contrast: value(.contrast),
            brightness: value(.brightness), ridgeClarity: value(.ridgeClarity), issues: quality.issues)
    }

    /// True if the capture was accepted.
    public var accepted: Bool { issues.isEmpty }
}

extension FingerprintQualityIssue: Codable {}

/// The kept capture of one finger: an ISO/IEC 19794-4:2005 record holding the WSQ-compressed image
/// (one view, live-scan plain, 500 ppi, acquisition level 31), with its quality figures.
public struct FingerprintCapturedFinger: Sendable, Equatable, Codable {
    /// Which finger.
    public var position: FingerImageRecord.Position
    /// The ISO/IEC 19794-4 record (image data: a WSQ file).
    public var record: [UInt8]
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Quality of the kept image.
    public var quality: FingerprintQualityFigures
    /// Scores of all images taken of this finger, in order.
    public var captureScores: [Int]
    /// Which of them was kept (1-based).
    public var keptCapture: Int
    /// False if no image reached the quality thresholds and the best one was kept anyway.
    public var meetsQualityThreshold: Bool

    /// Creates a captured finger.
    public init(
        position: FingerImageRecord.Position, record: [UInt8], width: Int, height: Int,
        quality: FingerprintQualityFigures, captureScores: [Int], keptCapture: Int, meetsQualityThreshold: Bool
    ) {
        self.position = position
        self.record = record
        self.width = width
        self.height = height
        self.quality = quality
        self.captureScores = captureScores
        self.keptCapture = keptCapture
        self.meetsQualityThreshold = meetsQualityThreshold
    }

    enum CodingKeys: String, CodingKey {
        case position, record, width, height, quality, captureScores, keptCapture, meetsQualityThreshold
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        position = try container.decode(FingerImageRecord.Position.self, forKey: .position)
        let base64 = try container.decode(String.self, forKey: .record)
        guard let data = Data(base64Encoded: base64) else {
            throw DecodingError.dataCorruptedError(
                forKey: .record, in: container, debugDescription: "record is not valid base64")
        }
        record = Array(data)
        width = try container.decode(Int.self, forKey: .width)
        height = try container.decode(Int.self, forKey: .height)
        quality = try container.decode(FingerprintQualityFigures.self, forKey: .quality)
        captureScores = try container.decode([Int].self, forKey: .captureScores)
        keptCapture = try container.decode(Int.self, forKey: .keptCapture)
        meetsQualityThreshold = try container.decode(Bool.self, forKey: .meetsQualityThreshold)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(Data(record).base64EncodedString(), forKey: .record)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(quality, forKey: .quality)
        try container.encode(captureScores, forKey: .captureScores)
        try container.encode(keptCapture, forKey: .keptCapture)
        try container.encode(meetsQualityThreshold, forKey: .meetsQualityThreshold)
    }
}

/// What happened to one finger of the plan (BSI TR-03121-3: captured, or skipped with the reason).
public struct FingerprintSetEntry: Sendable, Equatable, Codable {
    /// The outcome for one finger.
    public enum Outcome: Sendable, Equatable {
        /// Captured; this is the finger kept for its slot.
        case captured(FingerprintCapturedFinger)
        /// Skipped for this reason.
        case skipped(FingerprintSkipReason)
        /// Captured, but another finger of the same slot was kept; the quality of this finger's best image.
        case notKept(FingerprintQualityFigures)
    }

    /// Which finger.
    public var position: FingerImageRecord.Position
    /// What happened.
    public var outcome: Outcome

    /// Creates an entry.
    public init(position: FingerImageRecord.Position, outcome: Outcome) {
        self.position = position
        self.outcome = outcome
    }

    enum CodingKeys: String, CodingKey {
        case position, outcome, capture, skipReason, quality
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        position = try container.decode(FingerImageRecord.Position.self, forKey: .position)
        switch try container.decode(String.self, forKey: .outcome) {
        case "captured":
            outcome = .captured(try container.decode(FingerprintCapturedFinger.self, forKey: .capture))
        case "skipped":
            outcome = .skipped(try container.decode(FingerprintSkipReason.self, forKey: .skipReason))
        case "notKept":
            outcome = .notKept(try container.decode(FingerprintQualityFigures.self, forKey: .quality))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .outcome, in: container, debugDescription: "unknown outcome \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        switch outcome {
        case .captured(let capture):
            try container.encode("captured", forKey: .outcome)
            try container.encode(capture, forKey: .capture)
        case .skipped(let reason):
            try container.encode("skipped", forKey: .outcome)
            try container.encode(reason, forKey: .skipReason)
        case .notKept(let quality):
            try container.encode("notKept", forKey: .outcome)
            try container.encode(quality, forKey: .quality)
        }
    }
}

/// The result of a fingerprint capture for an ID document: per finger of the plan, the kept
/// WSQ-compressed ISO/IEC 19794-4 record or the reason it was skipped, with quality figures (BSI
/// TR-03121-3 procedure). Sealing it into an outbox transaction is done elsewhere: `payload()` gives
/// the deterministic bytes to seal.
public struct FingerprintSet: Sendable, Equatable, Codable {
    /// Version of the payload layout.
    public static let payloadVersion = 1

    /// Payload layout version.
    public var version: Int
    /// The scanner used (backend, driver, product; no personal data).
    public var scanner: FingerprintScannerInfo?
    /// Images taken per finger according to the plan.
    public var capturesPerFinger: Int
    /// One entry per finger handled, in the order handled.
    public var entries: [FingerprintSetEntry]

    /// Creates a set.
    public init(scanner: FingerprintScannerInfo?, capturesPerFinger: Int, entries: [FingerprintSetEntry]) {
        self.version = Self.payloadVersion
        self.scanner = scanner
        self.capturesPerFinger = capturesPerFinger
        self.entries = entries
    }

    /// The kept fingers, in order.
    public var keptFingers: [FingerprintCapturedFinger] {
        entries.compactMap { entry in
            if case .captured(let capture) = entry.outcome { return capture }
            return nil
        }
    }

    /// The skipped fingers with their reasons.
    public var skippedFingers: [(position: FingerImageRecord.Position, reason: FingerprintSkipReason)] {
        entries.compactMap { entry in
            if case .skipped(let reason) = entry.outcome { return (entry.position, reason) }
            return nil
        }
    }

    /// The payload to seal: UTF-8 JSON with sorted keys and no whitespace, records in base64. The same
    /// set always gives the same bytes.
    public func payload() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Reads a payload written by `payload()`.
    public init(payload: [UInt8]) throws {
        self = try JSONDecoder().decode(FingerprintSet.self, from: Data(payload))
    }

    /// One ISO/IEC 19794-4 record holding all kept fingers as views (for readers that want a single record).
    public func combinedRecord() throws(ISO19794_4Error) -> [UInt8] {
        var views: [FingerImageRecord.View] = []
        for finger in keptFingers {
            let record = try FingerImageRecord(decoding: finger.record)
            views += record.views
        }
        return try FingerImageRecord(views: views).encoded()
    }
}
