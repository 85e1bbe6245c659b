import Foundation
import KitDrivers

/// A script for the virtual fingerprint scanner: a list of `FingerprintSimulatorStep`s, read from a
/// file (one step per line, `#` starts a comment) or from a comma-separated sequence.
///
/// Each step is `name[:argument] [key=value …]`:
///
/// | step | meaning |
/// |---|---|
/// | `clean`, `smudged`, `partial`, `blank`, `dark`, `light` | synthetic finger image (argument: seed) |
/// | `empty`, `sliver` | 0×0 image, 1×5000 image |
/// | `truncated[:BYTES]` | header and BYTES pixels of a clean image, then hang up (default 1000) |
/// | `retry[:REASON]` | command −1; REASON `general`, `too-short`, `center`, `remove-finger` or 0–3 |
/// | `error[:CODE]` | command −2 with an `FpDeviceError` code (default 5, protocol error) |
/// | `remove` | command −5, the device disappears |
/// | `detection:on|off`, `finger:on|off` | commands −3 and −4 |
/// | `wait:MS`, `reconnect` | pause; hang up and connect again |
///
/// Keys for image steps: `seed=N`, `pattern=loop|whorl|arch`, `size=WxH`. Images without a seed get
/// `firstSeed` plus their position among the images, so a script always produces the same pixels.
public struct FingerprintSimulatorScript: Equatable, Sendable {
    /// The steps in order.
    public var steps: [FingerprintSimulatorStep]

    /// Creates a script from steps.
    public init(steps: [FingerprintSimulatorStep]) {
        self.steps = steps
    }

    /// Parses a script file's text.
    public init(parsing text: String, firstSeed: UInt64 = 1) throws(FingerprintSimulatorError) {
        var parser = FingerprintSimulatorScriptParser(firstSeed: firstSeed)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            try parser.add(trimmed, location: "line \(index + 1)")
        }
        steps = parser.steps
    }

    /// Parses a comma-separated sequence such as `clean,smudged,retry:center,remove`.
    public init(sequence: String, firstSeed: UInt64 = 1) throws(FingerprintSimulatorError) {
        var parser = FingerprintSimulatorScriptParser(firstSeed: firstSeed)
        for (index, item) in sequence.split(separator: ",").enumerated() {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            try parser.add(trimmed, location: "item \(index + 1)")
        }
        steps = parser.steps
    }
}

private struct FingerprintSimulatorScriptParser {
    let firstSeed: UInt64
    var steps: [FingerprintSimulatorStep] = []
    var imageCount: UInt64 = 0

    init(firstSeed: UInt64) {
        self.firstSeed = firstSeed
    }

    mutating func add(_ text: String, location: String) throws(FingerprintSimulatorError) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let head = words.first else { return }
        let nameAndArgument = head.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            .map(String.init)
        let name = (nameAndArgument.first ?? "").lowercased()
        let argument = nameAndArgument.count > 1 ? nameAndArgument[1] : nil
        var options: [String: String] = [:]
        for word in words.dropFirst() {
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else {
                throw .invalidStep(location: location, text: word, reason: "expected key=value")
            }
            options[pair[0].lowercased()] = pair[1]
        }

        func number(_ value: String?, _ what: String) throws(FingerprintSimulatorError) -> Int? {
            guard let value else { return nil }
            guard let parsed = Int(value), parsed >= 0 else {
                throw .invalidStep(location: location, text: text, reason: "\(what) must be a non-negative number")
            }
            return parsed
        }
        func onOff(_ value: String?) throws(FingerprintSimulatorError) -> Bool {
            switch value?.lowercased() {
            case "on", "1", "yes", "true": return true
            case "off", "0", "no", "false": return false
            default: throw .invalidStep(location: location, text: text, reason: "expected on or off")
            }
        }
        func image(_ picture: FingerprintSimulatorStep.Picture) throws(FingerprintSimulatorError)
            -> FingerprintSimulatorImage
        {
            let seedText = options["seed"] ?? argument
            let seed: UInt64
            if let seedText {
                guard let parsed = UInt64(seedText) else {
                    throw .invalidStep(location: location, text: text, reason: "seed must be a number")
                }
                seed = parsed
            } else {
                seed = firstSeed &+ imageCount
            }
            imageCount += 1
            var pattern = FingerprintSynthesizer.Pattern.loop
            if let name = options["pattern"] {
                guard let parsed = FingerprintSynthesizer.Pattern(rawValue: name.lowercased()) else {
                    throw .invalidStep(location: location, text: text, reason: "pattern must be loop, whorl or arch")
                }
                pattern = parsed
            }
            var width = FingerprintSimulatorImage.defaultWidth
            var height = FingerprintSimulatorImage.defaultHeight
            if let size = options["size"] {
                let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, (32...2000).contains(parts[0]), (32...2000).contains(parts[1]) else {
                    throw .invalidStep(location: location, text: text, reason: "size must be WxH, 32…2000 each")
                }
                width = parts[0]
                height = parts[1]
            }
            return FingerprintSimulatorImage(
                picture: picture, seed: seed, pattern: pattern, width: width, height: height)
        }

        switch name {
        case "clean", "good": steps.append(.image(try image(.finger(.none))))
        case "smudged": steps.append(.image(try image(.finger(.smudged))))
        case "partial": steps.append(.image(try image(.finger(.partial))))
        case "blank": steps.append(.image(try image(.finger(.blank))))
        case "dark", "toodark": steps.append(.image(try image(.finger(.tooDark))))
        case "light", "toolight": steps.append(.image(try image(.finger(.tooLight))))
        case "empty": steps.append(.image(try image(.empty)))
        case "sliver": steps.append(.image(try image(.sliver)))
        case "truncated":
            let bytes = try number(options["bytes"] ?? argument, "byte count") ?? 1000
            let clean = FingerprintSimulatorImage(
                picture: .finger(.none), seed: firstSeed &+ imageCount,
                width: FingerprintSimulatorImage.defaultWidth, height: FingerprintSimulatorImage.defaultHeight)
            imageCount += 1
            steps.append(.truncated(clean, bytes: bytes))
        case "retry":
            let reasons: [String: FingerprintScanRetry] = [
                "general": .general, "too-short": .tooShort, "center": .centerFinger, "remove-finger": .removeFinger,
            ]
            let key = argument?.lowercased() ?? "general"
            guard let reason = reasons[key] ?? Int(key).flatMap(FingerprintScanRetry.init(rawValue:)) else {
                throw .invalidStep(location: location, text: text, reason: "unknown retry reason")
            }
            steps.append(.retry(reason))
        case "error":
            let code = try number(argument, "error code") ?? 5
            guard let value = Int32(exactly: code) else {
                throw .invalidStep(location: location, text: text, reason: "error code too large")
            }
            steps.append(.error(code: value))
        case "remove": steps.append(.remove)
        case "detection": steps.append(.fingerDetection(try onOff(argument)))
        case "finger": steps.append(.finger(present: try onOff(argument)))
        case "wait":
            guard let milliseconds = try number(argument, "wait time") else {
                throw .invalidStep(location: location, text: text, reason: "wait needs milliseconds, e.g. wait:500")
            }
            steps.append(.wait(milliseconds: milliseconds))
        case "reconnect": steps.append(.reconnect)
        default:
            throw .invalidStep(location: location, text: text, reason: "unknown step \"\(name)\"")
        }
    }
}
