import Foundation
import KitSimulators
import KitTestSupport
import Testing

@testable import KitDrivers

/// Runs `wsq_check.py` (next to this file) with the `python3` found on PATH against NIST's NBIS codec
/// from PyPI (`pip install wsq`).
enum WSQNBISHarness {
    static let scriptURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("wsq_check.py")

    static let python: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// True when python3 is on PATH and can import the NBIS `wsq` module.
    static let moduleAvailable: Bool = {
        guard python != nil else { return false }
        return (try? run(["-c", "import wsq"]).status) == 0
    }()

    /// scripts/test (CI) must never skip these tests silently.
    static let rigsRequired = TestRigs.required

    static var shouldRun: Bool { moduleAvailable || rigsRequired }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard let python else { return (127, "python3 not found on PATH") }
        return try runToEnd(python, arguments)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wsq-nbis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The value after "key=" in the script's output line.
    static func figure(_ key: String, in output: String) -> Double? {
        for field in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) where field.hasPrefix(key + "=") {
            let text = field.dropFirst(key.count + 1)
            return text == "inf" ? .infinity : Double(text)
        }
        return nil
    }
}

@Suite(
    "WSQ interoperability with NIST NBIS",
    .enabled(
        if: WSQNBISHarness.shouldRun,
        "Python module `wsq` (NIST NBIS) not importable: run `pip install wsq`. Skipped outside CI; fails when CI is set."
    ))
struct WSQNBISInteropTests {
    static let cases: [(FingerprintSynthesizer.Pattern, Int, Int)] = [
        (.loop, 400, 500), (.whorl, 400, 500), (.arch, 400, 500), (.loop, 401, 499), (.whorl, 256, 360),
    ]

    @Test("NBIS decodes our WSQ files with PSNR ≥ 30 dB at 0.75 bpp", arguments: cases)
    func nbisDecodesOurFiles(pattern: FingerprintSynthesizer.Pattern, width: Int, height: Int) throws {
        try #require(
            WSQNBISHarness.moduleAvailable,
            "CI is set but python3 cannot import `wsq`; the CI setup must run `pip install wsq`.")
        let image = FingerprintSynthesizer(width: width, height: height).generate(seed: 21, pattern: pattern)
        let wsq = try WSQEncoder.encode(pixels: image.pixels, width: width, height: height, bitRate: 0.75)
        let directory = try WSQNBISHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let raw = directory.appendingPathComponent("image.raw")
        let compressed = directory.appendingPathComponent("image.wsq")
        try Data(image.pixels).write(to: raw)
        try Data(wsq).write(to: compressed)

        let result = try WSQNBISHarness.run([
            WSQNBISHarness.scriptURL.path, raw.path, compressed.path, String(width), String(height),
            "--min-psnr", "30",
        ])
        #expect(result.status == 0, "wsq_check.py: \(result.output)")
        let psnr = try #require(WSQNBISHarness.figure("psnr", in: result.output), "\(result.output)")
        #expect(psnr >= 30)
        // NBIS must see exactly what our own decoder sees.
        let ours = WSQTestSupport.psnr(image.pixels, try WSQDecoder.decode(wsq).pixels)
        #expect(abs(ours - psnr) < 0.05, "NBIS \(psnr) dB, ours \(ours) dB")
    }

    @Test("NBIS decodes a flat image exactly")
    func nbisDecodesFlatImage() throws {
        try #require(WSQNBISHarness.moduleAvailable, "CI is set but python3 cannot import `wsq`.")
        let pixels = [UInt8](repeating: 236, count: 128 * 128)
        let wsq = try WSQEncoder.encode(pixels: pixels, width: 128, height: 128)
        let directory = try WSQNBISHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(pixels).write(to: directory.appendingPathComponent("flat.raw"))
        try Data(wsq).write(to: directory.appendingPathComponent("flat.wsq"))
        let result = try WSQNBISHarness.run([
            WSQNBISHarness.scriptURL.path, directory.appendingPathComponent("flat.raw").path,
            directory.appendingPathComponent("flat.wsq").path, "128", "128",
        ])
        #expect(result.status == 0, "wsq_check.py: \(result.output)")
        #expect(WSQNBISHarness.figure("psnr", in: result.output) == .infinity)
    }

    @Test("Our decoder matches NBIS on files NBIS encoded")
    func ourDecoderMatchesNBIS() throws {
        try #require(WSQNBISHarness.moduleAvailable, "CI is set but python3 cannot import `wsq`.")
        let image = FingerprintSynthesizer().generate(seed: 4, pattern: .whorl)
        let directory = try WSQNBISHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let raw = directory.appendingPathComponent("in.raw")
        let nbisFile = directory.appendingPathComponent("nbis.wsq")
        let nbisDecoded = directory.appendingPathComponent("nbis.raw")
        try Data(image.pixels).write(to: raw)
        let result = try WSQNBISHarness.run([
            WSQNBISHarness.scriptURL.path, "--nbis-roundtrip", raw.path, "400", "500", nbisFile.path, nbisDecoded.path,
        ])
        try #require(result.status == 0, "wsq_check.py: \(result.output)")
        let reference = [UInt8](try Data(contentsOf: nbisDecoded))
        let decoded = try WSQDecoder.decode([UInt8](try Data(contentsOf: nbisFile)))
        #expect(decoded.width == 400 && decoded.height == 500)
        let differences = zip(reference, decoded.pixels).map { abs(Int($0) - Int($1)) }
        #expect((differences.max() ?? 255) <= 1)
        #expect(WSQTestSupport.psnr(image.pixels, decoded.pixels) >= 30)
    }
}
