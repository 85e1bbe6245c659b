import Foundation

@testable import KitDrivers

/// Helpers shared by the ZVT tests.
enum ZVTTestSupport {
    /// Bytes from a hex string; spaces are ignored. Invalid input gives an empty array.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        guard digits.count % 2 == 0 else { return [] }
        var result: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return [] }
            result.append(byte)
            index += 2
        }
        return result
    }

    /// Bytes as hex for failure messages.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
    }

    /// Why a test that needs the Feig recordings cannot have them.
    struct RecordingsMissing: Error, CustomStringConvertible {
        let description: String
    }

    /// The recorded Feig APDUs: `Recordings/` beside this file (EVerest/zvt, Apache 2.0, see its
    /// NOTICE.md), or `$KIT_ZVT_RECORDINGS` for further captures.
    static func goldenFolder(filePath: String = #filePath) -> URL {
        if let configured = ProcessInfo.processInfo.environment["KIT_ZVT_RECORDINGS"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        return URL(fileURLWithPath: filePath).deletingLastPathComponent()
            .appendingPathComponent("Recordings", isDirectory: true)
    }

    /// All `.blob` files of the golden folder, sorted by name, with their bytes. Throws when there
    /// is no folder or it holds no recording, so that no test passes on an empty list.
    static func goldenRecordings() throws -> [(name: String, bytes: [UInt8])] {
        let folder = goldenFolder()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw RecordingsMissing(description: "the ZVT recordings folder \(folder.path) cannot be read")
        }
        let names = entries.filter { $0.hasSuffix(".blob") }.sorted()
        guard !names.isEmpty else {
            throw RecordingsMissing(description: "\(folder.path) holds no .blob recording")
        }
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    /// Reads a recording by file name; throws when it is not there.
    static func recording(_ name: String) throws -> [UInt8] {
        guard let match = try goldenRecordings().first(where: { $0.name == name }) else {
            throw RecordingsMissing(description: "the recording \(name) is not in the recordings folder")
        }
        return match.bytes
    }
}

/// Deterministic SplitMix64 generator so that fuzz runs are reproducible.
struct ZVTTestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
